"""Rate limits per conversation and per client address on the public endpoints.

Built on the ``limits`` package (moving window). The storage is in memory by
default; ``limits.storage: redis://127.0.0.1:6379`` in the settings shares the counts between
several server processes.
"""

from __future__ import annotations

import math
import time

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from bot.settings import LimitSettings


class RateLimits:
    """Counts hits per conversation and per address; says how long to wait when over."""

    def __init__(
        self, *, per_conversation: str, per_address: str, storage_uri: str = "memory://"
    ) -> None:
        # The limiter holds its storage only weakly: keep it alive here.
        self._storage = storage_from_string(storage_uri)
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._conversation = parse(per_conversation)
        self._address = parse(per_address)

    @classmethod
    def from_settings(cls, limits: LimitSettings) -> RateLimits:
        """Create the limits configured in the settings."""
        return cls(
            per_conversation=limits.per_conversation,
            per_address=limits.per_address,
            storage_uri=limits.storage,
        )

    def retry_after(self, *, conversation: str | None, address: str | None) -> int | None:
        """Count one hit; return the seconds to wait when a limit is exceeded, else ``None``."""
        checks = [
            (self._address, f"address:{address}") if address else None,
            (self._conversation, f"conversation:{conversation}") if conversation else None,
        ]
        for item, key in filter(None, checks):
            if not self._limiter.hit(item, key):
                reset, _remaining = self._limiter.get_window_stats(item, key)
                return max(1, math.ceil(reset - time.time()))
        return None


class KeyedLimits:
    """Several limits, each counted under its own key (e.g. per socket and per address)."""

    def __init__(self, rates: dict[str, str], storage_uri: str = "memory://") -> None:
        self._storage = storage_from_string(storage_uri)
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._items = {name: parse(rate) for name, rate in rates.items()}

    def retry_after(self, **keys: str | None) -> int | None:
        """Count one hit under each named key; the seconds to wait when one is over, else ``None``.

        Every key is counted, so a client over one limit keeps its other counts honest.
        """
        waits = []
        for name, key in keys.items():
            item = self._items[name]
            if key and not self._limiter.hit(item, f"history-{name}:{key}"):
                reset, _remaining = self._limiter.get_window_stats(item, f"history-{name}:{key}")
                waits.append(max(1, math.ceil(reset - time.time())))
        return max(waits) if waits else None


def history_limits(limits: LimitSettings) -> KeyedLimits:
    """Create the limits of the widget's history and session requests (socket, address)."""
    return KeyedLimits(
        {"socket": limits.history_per_socket, "address": limits.history_per_address},
        storage_uri=limits.storage,
    )
