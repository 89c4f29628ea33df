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


class KeyedLimits:
    """Several limits, each counted under its own key (e.g. per socket and per address).

    Keys are stored as ``<namespace><name>:<key>``, so limits that share a storage (a
    Redis shared by several processes) never count each other's hits.
    """

    def __init__(
        self,
        rates: dict[str, str],
        storage_uri: str = "memory://",
        *,
        namespace: str = "",
        count_all: bool = True,
    ) -> None:
        # The limiter holds its storage only weakly: keep it alive here.
        self._storage = storage_from_string(storage_uri)
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._items = {name: parse(rate) for name, rate in rates.items()}
        self._namespace = namespace
        self._count_all = count_all

    def retry_after(self, **keys: str | None) -> int | None:
        """Count one hit under each named key; the seconds to wait when one is over, else ``None``.

        With ``count_all`` every key is counted, so a client over one limit keeps its
        other counts honest; without it, counting stops at the first limit exceeded (in
        the order of ``keys``).
        """
        waits = []
        for name, key in keys.items():
            if not key:
                continue
            item, stored = self._items[name], f"{self._namespace}{name}:{key}"
            if not self._limiter.hit(item, stored):
                reset, _remaining = self._limiter.get_window_stats(item, stored)
                waits.append(max(1, math.ceil(reset - time.time())))
                if not self._count_all:
                    break
        return max(waits) if waits else None


class RateLimits:
    """Counts hits per conversation and per address; says how long to wait when over."""

    def __init__(
        self, *, per_conversation: str, per_address: str, storage_uri: str = "memory://"
    ) -> None:
        self._limits = KeyedLimits(
            {"address": per_address, "conversation": per_conversation},
            storage_uri,
            count_all=False,
        )

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
        return self._limits.retry_after(address=address, conversation=conversation)


def history_limits(limits: LimitSettings) -> KeyedLimits:
    """Create the limits of the widget's history and session requests (socket, address)."""
    return KeyedLimits(
        {"socket": limits.history_per_socket, "address": limits.history_per_address},
        storage_uri=limits.storage,
        namespace="history-",
    )
