"""The web app's rate limits (sliding window per key) for tips and logins, and the
per-account login lockout.

The policy lives here; the counts live in a :class:`~wildtrace.app.shared_state.
LimitBackend`: Redis or the PostgreSQL database when several app servers share the
workspace, so a client's tips and an account's failures are counted across all of
them, else this process's memory. Keys are client addresses or account names, hashed
(with the limit's name, so tips and logins count apart) before any backend sees them.
"""

from __future__ import annotations

import hashlib

from wildtrace.app.shared_state import LimitBackend, MemoryLimits


def _hashed(scope: str, key: str) -> str:
    return scope + ":" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:32]


class RateLimiter:
    """Allow at most ``limit`` events per ``window`` seconds for each key."""

    def __init__(self, limit: int, window: float, backend: LimitBackend | None = None,
                 scope: str = "rate") -> None:
        self.limit = limit
        self.window = window
        self.backend: LimitBackend = backend or MemoryLimits()
        self.scope = scope

    def allow(self, key: str) -> bool:
        """Count one event for ``key``; False when it is over the limit."""
        return self.backend.hit(_hashed(self.scope, key), self.limit, self.window)

    def forget(self, key: str) -> None:
        """Drop the events counted for ``key``."""
        self.backend.forget(_hashed(self.scope, key))


class AccountLockout:
    """Lock an account name after ``failures`` failed logins within ``window`` seconds,
    for ``lock`` seconds, from whatever addresses (and servers) they came.

    Names are counted whether or not such an account exists, so a locked answer tells
    an attacker nothing about which accounts are real; while locked, not even the right
    password opens the account.
    """

    def __init__(self, failures: int = 10, window: float = 900.0, lock: float = 900.0,
                 backend: LimitBackend | None = None) -> None:
        self.backend: LimitBackend = backend or MemoryLimits()
        # The limiter refuses the event after ``limit`` allowed ones: the n-th failure
        # is the one refused, and locks.
        self.failures = RateLimiter(failures - 1, window, self.backend, scope="fail")
        self.lock = lock

    def locked(self, name: str) -> bool:
        """Whether logins to ``name`` are refused now."""
        return self.backend.locked(_hashed("lock", name))

    def failed(self, name: str) -> bool:
        """Count a failed login to ``name``; True when this one locks it."""
        if self.failures.allow(name):
            return False
        self.backend.lock(_hashed("lock", name), self.lock)
        return True

    def succeeded(self, name: str) -> None:
        """Forget the failures of ``name`` after a good login."""
        self.failures.forget(name)
