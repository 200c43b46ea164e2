"""A small in-process rate limiter (sliding window per key) for tips and logins, and
the per-account login lockout.

State lives in memory: ``wildtrace serve`` runs one process, and a restart forgetting
the counts is harmless. Keys are client addresses or account names, hashed so memory
holds no IPs.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import deque


class RateLimiter:
    """Allow at most ``limit`` events per ``window`` seconds for each key."""

    def __init__(self, limit: int, window: float, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> bool:
        """Count one event for ``key``; False when it is over the limit."""
        now = time.monotonic() if now is None else now
        hkey = hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:32]
        with self._lock:
            if len(self._events) >= self.max_keys:
                self._evict(now)
            q = self._events.setdefault(hkey, deque())
            while q and q[0] <= now - self.window:
                q.popleft()
            if len(q) >= self.limit:
                return False
            q.append(now)
            return True

    def forget(self, key: str) -> None:
        """Drop the events counted for ``key``."""
        hkey = hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:32]
        with self._lock:
            self._events.pop(hkey, None)

    def _evict(self, now: float) -> None:
        for k in [k for k, q in self._events.items() if not q or q[-1] <= now - self.window]:
            del self._events[k]
        if len(self._events) >= self.max_keys:  # still full: forget the oldest half
            for k in list(self._events)[: self.max_keys // 2]:
                del self._events[k]


class AccountLockout:
    """Lock an account name after ``failures`` failed logins within ``window`` seconds,
    for ``lock`` seconds, from whatever addresses they came.

    Names are counted whether or not such an account exists, so a locked answer tells
    an attacker nothing about which accounts are real; while locked, not even the right
    password opens the account.
    """

    def __init__(self, failures: int = 10, window: float = 900.0, lock: float = 900.0,
                 max_keys: int = 100_000) -> None:
        # The limiter refuses the event after ``limit`` allowed ones: the n-th failure
        # is the one refused, and locks.
        self.failures = RateLimiter(failures - 1, window, max_keys)
        self.lock = lock
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(name: str) -> str:
        return hashlib.sha256(name.encode("utf-8", "replace")).hexdigest()[:32]

    def locked(self, name: str, now: float | None = None) -> bool:
        """Whether logins to ``name`` are refused now."""
        now = time.monotonic() if now is None else now
        key = self._key(name)
        with self._lock:
            until = self._until.get(key)
            if until is not None and until <= now:
                del self._until[key]
                until = None
        return until is not None

    def failed(self, name: str, now: float | None = None) -> bool:
        """Count a failed login to ``name``; True when this one locks it."""
        now = time.monotonic() if now is None else now
        if self.failures.allow("fail:" + name, now):
            return False
        with self._lock:
            if len(self._until) >= self.failures.max_keys:
                self._until = {k: t for k, t in self._until.items() if t > now}
            self._until[self._key(name)] = now + self.lock
        return True

    def succeeded(self, name: str) -> None:
        """Forget the failures of ``name`` after a good login."""
        self.failures.forget("fail:" + name)
