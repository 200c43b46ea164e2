"""robots.txt for the crawler: obeyed, Crawl-delay applied, and a copy kept.

Scrapy's own robots middleware reads Crawl-delay but never applies it and throws the
file away; this one (in its place) fetches each site's robots.txt once, keeps the bytes
so every capture can store the copy that was in force, raises the site's download delay
to its Crawl-delay, queues the sitemaps it names, and refuses disallowed URLs with a
reason. Following RFC 9309, a missing robots.txt (4xx) allows everything and an
unreachable one (5xx, network failure) disallows the whole site for this run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from protego import Protego
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from wildtrace.collect.politeness import politeness_key

MAX_ROBOTS_BYTES = 500_000  # RFC 9309 asks parsers to read at least 500 KiB


class RobotsDenied(IgnoreRequest):
    """A URL is disallowed by robots.txt (or robots.txt was unreachable)."""


@dataclass
class RobotsFile:
    """One site's robots.txt as fetched, parsed."""

    url: str
    status: int  # 0 when it could not be fetched at all
    body: bytes | None
    parser: Protego | None
    crawl_delay: float | None = None
    sitemaps: list[str] = field(default_factory=list)
    unreachable: str = ""  # reason, when the whole site is off limits

    def allowed(self, url: str, agent: str) -> bool:
        """True when ``agent`` may fetch ``url``."""
        if self.unreachable:
            return False
        return self.parser is None or bool(self.parser.can_fetch(url, agent))


def parse_robots(url: str, status: int, body: bytes | None, agent: str) -> RobotsFile:
    """Interpret a robots.txt answer as RFC 9309 says."""
    if status == 0 or status >= 500:
        return RobotsFile(url, status, body, None, unreachable=(
            f"robots.txt unreachable ({'no answer' if status == 0 else f'HTTP {status}'}); "
            "RFC 9309 treats the site as disallowed"))
    if status >= 400 or body is None:
        return RobotsFile(url, status, body, None)
    text = body[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace")
    parser = Protego.parse(text)
    delay = parser.crawl_delay(agent)
    return RobotsFile(url, status, body, parser,
                      crawl_delay=float(delay) if delay is not None else None,
                      sitemaps=list(parser.sitemaps))


class RobotsMiddleware:
    """Downloader middleware enforcing robots.txt with Crawl-delay (see module doc)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.obey = crawler.settings.getbool("ROBOTSTXT_OBEY")
        self.agent_token = crawler.settings.get("WILDTRACE_ROBOTS_AGENT", "wildtrace")
        self.base_delay = crawler.settings.getfloat("DOWNLOAD_DELAY")
        self.files: dict[str, RobotsFile] = {}
        self._waiting: dict[str, list[Deferred[RobotsFile]]] = {}  # site -> waiters

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RobotsMiddleware:
        """Scrapy's constructor hook."""
        mw = cls(crawler)
        crawler.robots = mw  # type: ignore[attr-defined]  # the spider reads copies here
        return mw

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        """Fetch the site's robots.txt once, then allow or refuse the request."""
        if request.meta.get("dont_obey_robotstxt") or not self.obey:
            return
        parts = urlparse_cached(request)
        site = parts.netloc.lower()
        robots = self.files.get(site) or await self._load(site, parts.scheme)
        request.meta["wt_robots_site"] = site
        if not robots.allowed(request.url, self.agent_token):
            raise RobotsDenied(robots.unreachable or "disallowed by robots.txt")

    def for_site(self, site: str) -> RobotsFile | None:
        """The robots.txt in force for ``host:port``, if fetched."""
        return self.files.get(site)

    async def _load(self, site: str, scheme: str) -> RobotsFile:
        if site in self._waiting:  # being fetched for another request: wait for it
            waiter: Deferred[RobotsFile] = Deferred()
            self._waiting[site].append(waiter)
            return await maybe_deferred_to_future(waiter)  # (either reactor)
        self._waiting[site] = []
        url = f"{scheme}://{site}/robots.txt"
        req = Request(url, callback=NO_CALLBACK, priority=1000, dont_filter=True,
                      meta={"dont_obey_robotstxt": True, "wt_robots": True,
                            "download_maxsize": MAX_ROBOTS_BYTES * 2})
        try:
            assert self.crawler.engine is not None
            resp = await self.crawler.engine.download_async(req)
            robots = parse_robots(url, resp.status, resp.body, self.agent_token)
        except Exception as exc:  # noqa: BLE001 - any failure means "unreachable"
            robots = parse_robots(url, 0, None, self.agent_token)
            robots.unreachable += f": {type(exc).__name__}"
        self.files[site] = robots
        try:
            self._apply_delay(site, robots)
            on_robots = getattr(self.crawler.spider, "on_robots", None)
            if on_robots is not None:
                on_robots(site, robots)
        finally:
            for waiter in self._waiting.pop(site):
                waiter.callback(robots)
        return robots

    def _apply_delay(self, site: str, robots: RobotsFile) -> None:
        # Scrapy keeps Crawl-delay in the parser only; make the slot honour it.
        if robots.crawl_delay is None:
            return
        assert self.crawler.engine is not None
        downloader = self.crawler.engine.downloader
        # The slot is the server's (www. and ports 80/443 share one): when its
        # spellings publish different Crawl-delays, the longest holds.
        key = politeness_key(site)
        settings = downloader.per_slot_settings.setdefault(key, {})
        delay = max(self.base_delay, min(robots.crawl_delay, 600.0),
                    float(settings.get("delay", 0.0)))
        settings["delay"] = delay
        slot = downloader.slots.get(key)
        if slot is not None:
            slot.delay = delay
