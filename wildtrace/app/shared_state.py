"""Where the web app keeps rate limits and login lockouts: shared by every app server
of the workspace, or in this process.

Several ``wildtrace serve`` processes behind one proxy must count a client's tips and
an account's failed logins together, or a second server doubles every limit and a
lockout on one server opens on the other. So the counts live where all of them see:

- in Redis when the ``redis_url`` setting is set (:mod:`wildtrace.app.redis_limits`:
  one Lua script per event, atomic on the Redis server);
- else in the workspace database when it is PostgreSQL, which several servers share
  (:class:`wildtrace.store.limits.LimitStore`);
- else in this process's memory (:class:`MemoryLimits`), as the embedded default:
  SQLite workspaces are served by one process, and a restart forgetting the counts is
  harmless.

Sessions need nothing of this: they are rows of the workspace database already, so a
login on one server is valid on every other and a logout ends it everywhere. Each
backend takes keys already hashed by the caller, so none of them holds an address or
an account name.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Protocol

from wildtrace.store import Store


class LimitBackend(Protocol):
    """Sliding-window counters and timed locks, by (hashed) key."""

    name: str

    def hit(self, key: str, limit: int, window: float) -> bool:
        """Count one event for ``key`` unless ``limit`` were counted in the last
        ``window`` seconds; False when over the limit (then nothing is counted)."""
        ...

    def forget(self, key: str) -> None:
        """Drop the events counted for ``key``."""
        ...

    def lock(self, key: str, seconds: float) -> None:
        """Lock ``key`` for ``seconds`` from now."""
        ...

    def locked(self, key: str) -> bool:
        """Whether ``key`` is locked now."""
        ...


class MemoryLimits:
    """The counters in this process's memory (one server only), bounded in size."""

    name = "memory"

    def __init__(self, max_keys: int = 100_000) -> None:
        self.max_keys = max_keys
        self._events: dict[str, deque[float]] = {}
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int, window: float, now: float | None = None) -> bool:
        """See :meth:`LimitBackend.hit` (``now``: a monotonic time, for tests)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._events) >= self.max_keys:
                self._evict(now, window)
            q = self._events.setdefault(key, deque())
            while q and q[0] <= now - window:
                q.popleft()
            if len(q) >= limit:
                return False
            q.append(now)
            return True

    def forget(self, key: str) -> None:
        """See :meth:`LimitBackend.forget`."""
        with self._lock:
            self._events.pop(key, None)

    def lock(self, key: str, seconds: float, now: float | None = None) -> None:
        """See :meth:`LimitBackend.lock`."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._until) >= self.max_keys:
                self._until = {k: t for k, t in self._until.items() if t > now}
            self._until[key] = now + seconds

    def locked(self, key: str, now: float | None = None) -> bool:
        """See :meth:`LimitBackend.locked`."""
        now = time.monotonic() if now is None else now
        with self._lock:
            until = self._until.get(key)
            if until is not None and until <= now:
                del self._until[key]
                until = None
        return until is not None

    def _evict(self, now: float, window: float) -> None:
        for k in [k for k, q in self._events.items() if not q or q[-1] <= now - window]:
            del self._events[k]
        if len(self._events) >= self.max_keys:  # still full: forget the oldest half
            for k in list(self._events)[: self.max_keys // 2]:
                del self._events[k]


class DatabaseLimits:
    """The counters in the workspace database, shared by every server on it."""

    name = "database"

    def __init__(self, store: Store) -> None:
        self.rows = store.limits

    def hit(self, key: str, limit: int, window: float) -> bool:
        """See :meth:`LimitBackend.hit`."""
        return self.rows.hit(key, limit, window)

    def forget(self, key: str) -> None:
        """See :meth:`LimitBackend.forget`."""
        self.rows.forget(key)

    def lock(self, key: str, seconds: float) -> None:
        """See :meth:`LimitBackend.lock`."""
        self.rows.lock(key, seconds)

    def locked(self, key: str) -> bool:
        """See :meth:`LimitBackend.locked`."""
        return self.rows.locked(key)


def limit_backend(store: Store, redis_url: str, shared: bool = False) -> LimitBackend:
    """The backend a web app of this workspace counts in: Redis when ``redis_url`` is
    set, the database when it is PostgreSQL (or when ``shared``: several worker
    processes of one ``serve`` on a SQLite workspace), else memory."""
    if redis_url:
        from wildtrace.app.redis_limits import RedisLimits

        return RedisLimits(redis_url)
    if shared or store.dialect == "postgresql":
        return DatabaseLimits(store)
    return MemoryLimits()
