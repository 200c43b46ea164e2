"""A small in-process rate limiter (sliding window per key) for tips and logins.

State lives in memory: ``wildtrace serve`` runs one process, and a restart forgetting
the counts is harmless. Keys are client addresses, hashed so memory holds no IPs.
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

    def _evict(self, now: float) -> None:
        for k in [k for k, q in self._events.items() if not q or q[-1] <= now - self.window]:
            del self._events[k]
        if len(self._events) >= self.max_keys:  # still full: forget the oldest half
            for k in list(self._events)[: self.max_keys // 2]:
                del self._events[k]
