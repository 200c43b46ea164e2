"""Rate limits and login lockouts in Redis, shared by every app server using it.

Each event is one Lua script run atomically on the Redis server: drop the key's events
older than the window (a sorted set scored by the server's own clock, in ms), refuse if
``limit`` remain, else add this one and let the key expire with its window. So the
count is exact across any number of servers, and their clocks do not matter. A lock is
a key with a time to live (``SET … PX``).

Keys are ``wildtrace:limit:<hashed key>``; give each workspace a Redis database of its
own (``redis://HOST:6379/N``) when one Redis serves several.
"""

from __future__ import annotations

import secrets
from typing import Any

from wildtrace.errors import WorkspaceError
from wildtrace.extras import require

PREFIX = "wildtrace:limit:"
SLIDING_WINDOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return 1
"""


def _masked(url: str) -> str:
    from wildtrace.config import shown

    return str(shown("redis_url", url))


class RedisLimits:
    """Sliding-window counters and timed locks in one Redis database."""

    name = "redis"

    def __init__(self, url: str) -> None:
        redis = require("redis", "scale", "rate limits shared through Redis (redis_url)")
        self.url = url
        self._errors: tuple[type[BaseException], ...] = (redis.exceptions.RedisError,
                                                         OSError)
        try:
            self.client: Any = redis.Redis.from_url(url, socket_timeout=5,
                                                    socket_connect_timeout=5)
            self.client.ping()
        except (ValueError, *self._errors) as exc:
            raise self._down(exc) from exc
        self._script = self.client.register_script(SLIDING_WINDOW)

    def _down(self, exc: BaseException) -> WorkspaceError:
        return WorkspaceError(f"cannot reach Redis at {_masked(self.url)} (setting "
                              f"redis_url): {exc}",
                              hint="start Redis, or empty redis_url to count in the "
                                   "database or in memory")

    def hit(self, key: str, limit: int, window: float) -> bool:
        """See :meth:`wildtrace.app.shared_state.LimitBackend.hit`."""
        # A random member: two events in the same millisecond must both be counted.
        member = secrets.token_hex(8)
        try:
            done = self._script(keys=[PREFIX + key],
                                args=[limit, max(1, int(window * 1000)), member])
        except self._errors as exc:
            raise self._down(exc) from exc
        return bool(int(done))

    def forget(self, key: str) -> None:
        """See :meth:`wildtrace.app.shared_state.LimitBackend.forget`."""
        try:
            self.client.delete(PREFIX + key)
        except self._errors as exc:
            raise self._down(exc) from exc

    def lock(self, key: str, seconds: float) -> None:
        """See :meth:`wildtrace.app.shared_state.LimitBackend.lock`."""
        try:
            self.client.set(PREFIX + "lock:" + key, b"1", px=max(1, int(seconds * 1000)))
        except self._errors as exc:
            raise self._down(exc) from exc

    def locked(self, key: str) -> bool:
        """See :meth:`wildtrace.app.shared_state.LimitBackend.locked`."""
        try:
            return bool(self.client.exists(PREFIX + "lock:" + key))
        except self._errors as exc:
            raise self._down(exc) from exc
