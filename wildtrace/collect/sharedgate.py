"""Politeness across crawl workers: one request at a time per server, and its delay
(or Crawl-delay) between requests, for all the workers sharing one Redis server.

Each worker's Scrapy already sends one request at a time to a server with the delay;
but workers on several machines would each keep that alone, so N workers would send N
times the rate. With the ``redis_url`` setting, :class:`GateMiddleware` asks Redis
before every request (pages, robots.txt, sitemaps, retries, redirects) for the server's
gate, one key per server (:func:`~wildtrace.collect.politeness.politeness_key`):

- a free gate is taken atomically (a Lua script: ``SET … PX`` only when absent) with a
  token of this request, held at most the request's timeout, so a worker killed with a
  request in flight frees the server after that;
- when the answer has arrived (or the request failed), the holder turns its gate into
  a *gap* that expires after the server's delay: the larger of the ``delay`` setting,
  the server's Crawl-delay (read here from every robots.txt answer passing through,
  and shared in Redis, so a worker that has not read robots.txt yet keeps it too) and
  any ``Retry-After`` it sent;
- a request finding the gate taken waits (polling while a request is in flight,
  sleeping out a gap) and tries again.

So the gap between the end of one answer and the start of the next request to a server
is at least its delay, whichever workers sent them. Without ``redis_url`` the gate is
not installed and each process is polite alone, as before.
"""

from __future__ import annotations

import secrets
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response

from wildtrace.collect.politeness import RETRY_STATUSES, pause, retry_after_seconds, slot_of
from wildtrace.collect.robots import parse_robots
from wildtrace.errors import ConfigError
from wildtrace.extras import require

REDIS_SETTING = "WILDTRACE_REDIS_URL"
PREFIX = "wildtrace:polite:"
POLL = 0.02  # seconds between looks at a gate while a request holds it
MAX_DELAY = 600.0  # the longest Crawl-delay honoured (as RobotsMiddleware)

# KEYS: gate. ARGV: token, hold ms. Returns 0 when taken, else -ms (a request holds
# it) or +ms (a gap runs) left.
_TAKE = """
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 0
end
local left = redis.call('PTTL', KEYS[1])
if left < 1 then left = 1 end
if v == 'gap' then return left end
return -left
"""
# KEYS: gate, shared delay. ARGV: token, this worker's gap ms, learned delay ms (or 0).
# Publishes a learned Crawl-delay, then leaves the gap (the longest known) behind.
_GIVE = """
local known = tonumber(redis.call('GET', KEYS[2]) or '0')
local learned = tonumber(ARGV[3])
if learned > known then
  redis.call('SET', KEYS[2], learned, 'EX', 86400)
  known = learned
end
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local gap = math.max(tonumber(ARGV[2]), known)
if gap > 0 then redis.call('SET', KEYS[1], 'gap', 'PX', gap) else redis.call('DEL', KEYS[1]) end
return gap
"""


def connect(url: str) -> Any:
    """A Redis client for ``url``, checked to answer; a clear error when it does not."""
    redis = require("redis", "scale", "sharing politeness between crawl workers (redis_url)")
    client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise ConfigError(f"the Redis server of redis_url ({url}) does not answer: {exc}",
                          hint="start it, or leave redis_url empty to keep politeness "
                               "per crawl process") from exc
    return client


class Gate:
    """The servers' gates in Redis: take one for a request, give it back with a gap."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._take = client.register_script(_TAKE)
        self._give = client.register_script(_GIVE)

    def take(self, key: str, token: str, hold: float) -> float:
        """0 when ``token`` now holds ``key`` (for at most ``hold`` seconds); else the
        seconds to wait: negative while a request holds it, positive while a gap runs."""
        return int(self._take(keys=[PREFIX + key], args=[token, int(hold * 1000)])) / 1000

    def give(self, key: str, token: str, gap: float, learned: float = 0.0) -> float:
        """Leave a gap of ``gap`` seconds, or the server's shared delay if longer, after
        the request of ``token`` (nothing if it no longer holds the gate); ``learned``:
        a Crawl-delay just read, shared with every worker. Returns the gap left."""
        return int(self._give(keys=[PREFIX + key, PREFIX + key + ":delay"],
                              args=[token, int(gap * 1000), int(learned * 1000)])) / 1000


class GateMiddleware:
    """Downloader middleware taking a server's shared gate (see the module doc)."""

    def __init__(self, crawler: Crawler, client: Any) -> None:
        s = crawler.settings
        self.crawler = crawler
        self.client = client
        self.base_delay = s.getfloat("DOWNLOAD_DELAY")
        # The longest a request can run (DOWNLOAD_TIMEOUT bounds the whole download):
        # a worker killed mid-request frees its server after that.
        self.hold = s.getfloat("DOWNLOAD_TIMEOUT") + 2.0
        self.agent = s.get("WILDTRACE_ROBOTS_AGENT", "wildtrace")
        self.obey = s.getbool("ROBOTSTXT_OBEY")
        self.gate = Gate(client)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GateMiddleware:
        """Scrapy's constructor hook: connects when ``redis_url`` is set."""
        from scrapy.exceptions import NotConfigured

        url = crawler.settings.get(REDIS_SETTING, "")
        if not url:
            raise NotConfigured("no redis_url")
        return cls(crawler, connect(url))

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        """Wait for the server's gate and take it for this request."""
        key = slot_of(request)
        token = secrets.token_hex(8)
        while True:
            # Held past the download for the server's delay too: the request may still
            # wait that long in this worker's own download slot.
            left = self.gate.take(key, token, self.hold + self._delay(key))
            if left == 0:
                request.meta["wt_gate"] = (key, token)
                return
            await pause(POLL if left < 0 else left)

    def _delay(self, key: str) -> float:
        engine = self.crawler.engine
        if engine is None:
            return self.base_delay
        slot = engine.downloader.per_slot_settings.get(key, {})
        return max(self.base_delay, float(slot.get("delay", 0.0)))

    def _release(self, request: Request, response: Response | None) -> None:
        gate = request.meta.pop("wt_gate", None)
        if gate is None:
            return
        key, token = gate
        gap = self._delay(key)
        learned = 0.0
        if response is not None:
            if response.status in RETRY_STATUSES:
                asked = retry_after_seconds(response.headers.get(b"Retry-After"))
                gap = max(gap, min(asked or 0.0, MAX_DELAY))
            if request.meta.get("wt_robots") and self.obey:
                robots = parse_robots(request.url, response.status, response.body,
                                      self.agent)
                learned = min(robots.crawl_delay or 0.0, MAX_DELAY)
                gap = max(gap, learned)
        self.gate.give(key, token, gap, learned)

    def process_response(self, request: Request, response: Response,
                         spider: Spider | None = None) -> Response:
        """The answer has arrived: leave the server's delay behind as a gap."""
        self._release(request, response)
        return response

    def process_exception(self, request: Request, exception: BaseException,
                          spider: Spider | None = None) -> None:
        """The request failed: free the gate the same way."""
        self._release(request, None)
