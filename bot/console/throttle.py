"""Growing waits after failed logins, instead of locking accounts.

Locking an account after a few wrong passwords hands everybody who can guess a
username (advisers' display names give them away) a way to keep an adviser out.
So a failure is never punished with a lock, only with a wait that grows with every
further failure in a row: none for the first ``free`` failures, then 1 s, 2 s, 4 s
... up to a longest wait. The waits are kept at three levels:

* per username and client address (:class:`FailureDelays`, in this process): an
  attacker's own address soon waits up to ``lockout_minutes``, while the adviser,
  from another address, is not held up by it;
* per client address over all usernames (:class:`FailureDelays`): password
  spraying from one address slows down the same way;
* per account over all addresses (in the database, :func:`bot.console.accounts.authenticate`):
  a short longest wait (``account_delay_seconds``) that bounds guessing from many
  addresses while costing the adviser at most that wait.

:func:`login_delay` is the rule all three share.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass


def login_delay(failures: int, *, free: int, longest: float) -> float:
    """Return the seconds to wait after ``failures`` failures in a row.

    ``free - 1`` failures cost nothing; the ``free``-th costs 1 s, each next one
    doubles it, never above ``longest``.
    """
    if failures < free:
        return 0.0
    return float(min(longest, 2.0 ** min(failures - free, 40)))


@dataclass
class _Entry:
    failures: int
    last_failure: float
    until: float


class FailureDelays:
    """Failures in a row and the wait they cause, per key, in memory (thread-safe).

    A key's count is forgotten ``forget_after`` seconds after its last failure, and
    at most ``max_keys`` keys are kept (the oldest go first), so a flood of
    made-up usernames cannot fill the memory.
    """

    def __init__(
        self, *, free: int, longest: float, forget_after: float, max_keys: int = 50_000
    ) -> None:
        """Start with no failures."""
        self.free = free
        self.longest = longest
        self.forget_after = forget_after
        self.max_keys = max_keys
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def _current(self, key: str, now: float) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is not None and now - entry.last_failure > self.forget_after:
            del self._entries[key]
            return None
        return entry

    def wait(self, key: str, *, now: float) -> float:
        """Return how many seconds ``key`` must still wait (0: it may try now)."""
        with self._lock:
            entry = self._current(key, now)
            return max(0.0, entry.until - now) if entry else 0.0

    def failed(self, key: str, *, now: float) -> float:
        """Count a failure of ``key``; return the wait it now has."""
        with self._lock:
            entry = self._current(key, now)
            if entry is None:
                entry = self._entries[key] = _Entry(0, now, now)
            entry.failures += 1
            entry.last_failure = now
            entry.until = max(
                entry.until,
                now + login_delay(entry.failures, free=self.free, longest=self.longest),
            )
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_keys:
                self._entries.popitem(last=False)
            return entry.until - now

    def forget(self, key: str) -> None:
        """Forget the failures of ``key`` (after a good login)."""
        with self._lock:
            self._entries.pop(key, None)

    def forget_matching(self, suffix: str) -> int:
        """Forget every key that ends in ``suffix``; return how many went."""
        with self._lock:
            gone = [k for k in self._entries if k.endswith(suffix)]
            for key in gone:
                del self._entries[key]
            return len(gone)


class LoginThrottle:
    """The console's waits per username and address and per address (this process)."""

    def __init__(self, *, free: int, longest: float) -> None:
        """Start waits after ``free`` failures (twice as many per address), up to ``longest``.

        A count is kept until four longest waits passed without a failure, so waiting
        out the longest wait does not earn a new round of free tries.
        """
        forget_after = 4 * longest
        self.pairs = FailureDelays(free=free, longest=longest, forget_after=forget_after)
        self.addresses = FailureDelays(free=2 * free, longest=longest, forget_after=forget_after)

    @staticmethod
    def _pair(username: str, address: str) -> str:
        return f"{address}|user:{username}"

    @staticmethod
    def _address(address: str) -> str:
        return f"{address}|any"

    def wait(self, *, username: str, address: str, now: float) -> float:
        """Seconds this username from this address must still wait (0: go)."""
        return max(
            self.pairs.wait(self._pair(username, address), now=now),
            self.addresses.wait(self._address(address), now=now),
        )

    def failed(self, *, username: str, address: str, now: float) -> float:
        """Count a failed login; return the wait it causes from this address."""
        return max(
            self.pairs.failed(self._pair(username, address), now=now),
            self.addresses.failed(self._address(address), now=now),
        )

    def succeeded(self, *, username: str, address: str) -> None:
        """Forget the username's failures from this address (the address keeps its count)."""
        self.pairs.forget(self._pair(username, address))

    def forget_user(self, username: str) -> int:
        """Forget the username's failures from every address (a coordinator unlocked it)."""
        return self.pairs.forget_matching(f"|user:{username}")
