"""The focused spider: takes URLs from the persisted frontier, fetches them politely,
and hands every page to the page worker, which stores it and queues its links.

The spider knows nothing of evidence, extraction or relevance models: the runner above
gives it a :class:`CrawlContext` holding a page handler and an exchange sink, and the
spider only fetches what the frontier ranks first. The frontier is read in small
batches (best first) whenever Scrapy runs dry, so the in-memory queue stays small on
100,000-page crawls and the database always holds the truth.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, DontCloseSpider, IgnoreRequest
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.sitemap import Sitemap
from twisted.internet.defer import Deferred
from twisted.internet.task import LoopingCall
from twisted.python.failure import Failure

from wildtrace.collect.canonical import acceptable, domain_of, same_site
from wildtrace.collect.frontier import DONE, FAILED, HUB, LISTING, SKIPPED, Entry, Frontier
from wildtrace.collect.netguard import NetPolicy
from wildtrace.collect.politeness import describe_exception, site_of, slot_of
from wildtrace.collect.recorder import Sink
from wildtrace.collect.robots import RobotsDenied, RobotsFile
from wildtrace.errors import PageWorkerLost, WildtraceError
from wildtrace.records import Page, PageOutcome

MAX_SITEMAP_URLS = 50_000
FLUSH_EVERY = 50
GROUP = 64  # most pages stored in one transaction (group commit)
GROUP_BYTES = 8_000_000  # and most bytes of page bodies in one group (past its first page)
TAKE_INTERVAL = 0.05  # seconds between frontier reads for a site about to idle
WAIT_POLL = 1.0  # seconds between looks for work while other workers hold URLs


@dataclass
class CrawlStats:
    """Running counts shown by the progress display and returned at the end."""

    pages: int = 0
    listings: int = 0
    relevant: int = 0
    errors: int = 0
    duplicates: int = 0
    skipped: int = 0
    queued: int = 0
    stopped: str = ""
    reasons: list[tuple[str, str]] = field(default_factory=list)  # (url, why it failed)


@dataclass
class CrawlContext:
    """Everything the runner hands the spider.

    ``handle_pages`` stores a group of pages (evidence, extraction, their links) and
    says what became of each; ``sink`` takes every raw HTTP exchange for the WARC and
    returns its record id. Both may run in this process or in a page-worker process:
    the spider cannot tell.
    """

    frontier: Frontier
    # What became of each page: its outcome, or the error it alone failed with.
    handle_pages: Callable[[list[Page]], list[PageOutcome | WildtraceError]]
    record_error: Callable[[str, str], None]
    sink: Sink | None
    domains: set[str]
    user_agent: str
    max_pages: int | None = None
    batch: int = 64
    progress: Callable[[CrawlStats], None] | None = None
    stats: CrawlStats = field(default_factory=CrawlStats)
    entries: list[Entry] | None = None  # fetch exactly these (capture), not the frontier
    # What may be fetched: the origins the user named (None: public addresses only).
    policy: NetPolicy | None = None


class FocusedSpider(scrapy.Spider):
    """Scrapy spider driven by the persisted frontier (see module doc)."""

    name = "wildtrace"

    def __init__(self, context: CrawlContext, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ctx = context
        self.sink = context.sink
        self._settle: list[tuple[str, str, str]] = []
        self._new: list[Entry] = []
        self._stopping = False
        self._last_flush = time.monotonic()
        self._ticker: LoopingCall | None = None
        self._reserved = 0  # pages handed to the worker (for --max-pages)
        # Requests scheduled and not yet answered, per frontier domain.
        self._site_out: Counter[str] = Counter()
        self._last_take = 0.0
        self._dry: dict[str, float] = {}  # site -> when to look for its URLs again
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wildtrace-page")
        # Pages waiting for the worker, with the future their callback awaits.
        self._pending: list[tuple[Page, Deferred[PageOutcome]]] = []
        self._busy = False
        self._beat = 0.0  # when this worker last renewed its leases

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> FocusedSpider:
        """Scrapy's constructor hook: also wires the idle and close signals."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._on_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider._on_opened, signal=signals.spider_opened)
        crawler.signals.connect(spider._on_closed, signal=signals.spider_closed)
        return spider

    # -- scheduling -------------------------------------------------------------------
    async def start(self) -> AsyncIterator[scrapy.Request]:
        """First batch from the frontier; later ones as it runs low, or on idle."""
        for request in self._next_batch():
            yield request

    def _top_up(self, domain: str = "") -> None:
        """Refill before Scrapy runs dry, and whenever a site is about to idle.

        One request at a time goes to each site, so the crawl is only as fast as the
        number of sites with work: a site down to its last request asks for more (if
        the last look found nothing for it, not again for TAKE_INTERVAL seconds), as
        does the whole crawl when half a batch is left (at most every TAKE_INTERVAL).
        """
        if self._stopping or self.crawler.engine is None:
            return
        now = time.monotonic()
        starving = bool(domain) and self._site_out[domain] <= 1 \
            and now >= self._dry.get(domain, 0.0)
        low = sum(self._site_out.values()) <= self.ctx.batch // 2 \
            and now - self._last_take >= TAKE_INTERVAL
        if not (low or starving):
            return
        requests = self._next_batch()
        if starving and not any(domain_of(r.url) == domain for r in requests):
            # Nothing queued for this site yet (its links are still being stored):
            # do not ask again for it on every answer.
            self._dry[domain] = now + TAKE_INTERVAL
        for request in requests:
            self.crawler.engine.crawl(request)

    def _answered(self, request: scrapy.Request | None) -> str:
        """Count a request as answered; returns its frontier domain."""
        entry: Entry | None = request.meta.get("wt_entry") if request is not None else None
        if entry is None:
            return ""
        domain = domain_of(entry.url)
        self._site_out[domain] -= 1
        if self._site_out[domain] <= 0:
            del self._site_out[domain]
        return domain

    def _next_batch(self) -> list[scrapy.Request]:
        if self._stopping:
            return []
        self.flush()
        if self.ctx.entries is not None:
            entries, self.ctx.entries = self.ctx.entries, []
            return [self._request(e) for e in entries]
        budget = self.ctx.batch
        if self.ctx.max_pages is not None:
            budget = min(budget, max(0, self.ctx.max_pages - self.ctx.stats.pages))
        if budget <= 0:
            return []
        cap = max(2, self.ctx.batch // 8)
        busy = [d for d, n in self._site_out.items() if n >= cap]
        self._last_take = time.monotonic()
        entries = self.ctx.frontier.take(budget, sorted(self.ctx.domains) or None,
                                         per_domain=cap, exclude=busy)
        return [self._request(e) for e in entries]

    def _request(self, entry: Entry) -> scrapy.Request:
        callback = self.parse_sitemap if entry.kind == "sitemap" else self.parse_page
        request = scrapy.Request(entry.url, callback=callback, errback=self.on_error,
                                 priority=int(entry.priority * 1000), dont_filter=True,
                                 meta={"wt_entry": entry})
        # The politeness slot (the server), known before scheduling so the scheduler can
        # hand out requests for idle sites first (DownloaderAwarePriorityQueue).
        request.meta["download_slot"] = slot_of(request)
        self._site_out[domain_of(entry.url)] += 1
        return request

    def _on_idle(self) -> None:
        assert self.crawler.engine is not None
        self._site_out.clear()  # idle: nothing is in flight
        requests = self._next_batch()
        for request in requests:
            self.crawler.engine.crawl(request)
        if requests:
            raise DontCloseSpider
        if self._wait_for_others():
            raise DontCloseSpider

    def _wait_for_others(self) -> bool:
        """Whether to stay open with nothing to fetch: other workers sharing the
        frontier hold URLs whose pages may queue more links (or whose leases may expire
        and come back); the ticker looks for work meanwhile."""
        if self._stopping or self.ctx.entries is not None:
            return False
        if self.ctx.max_pages is not None and self.ctx.stats.pages >= self.ctx.max_pages:
            return False
        return self.ctx.frontier.others_busy()

    def _on_opened(self, spider: scrapy.Spider) -> None:
        self._ticker = LoopingCall(self._tick)
        self._ticker.start(1.0, now=False)

    def _tick(self) -> None:
        self.flush()
        now = time.monotonic()
        if now - self._beat >= self.ctx.frontier.lease / 4:
            self._beat = now
            # Renew this worker's leases long before they expire; take back expired ones.
            if self.ctx.frontier.heartbeat(self.ctx.stats.pages):
                self._last_take = 0.0
        if not self._site_out and now - self._last_take >= WAIT_POLL:
            self._top_up()  # idle while other workers hold URLs: look again
        if self.ctx.progress is not None:
            counts = self.ctx.frontier.counts()
            self.ctx.stats.queued = counts.get("queued", 0) + counts.get("active", 0)
            self.ctx.progress(self.ctx.stats)

    def _on_closed(self, spider: scrapy.Spider, reason: str) -> None:
        if self._ticker is not None and self._ticker.running:
            self._ticker.stop()
        self._worker.shutdown(wait=True)
        self.flush()
        # Taken but never settled (stopped by --max-pages): back to the queue.
        self.ctx.frontier.leave(self.ctx.stats.pages)
        counts = self.ctx.frontier.counts()
        self.ctx.stats.queued = counts.get("queued", 0)
        if not self.ctx.stats.stopped:
            self.ctx.stats.stopped = reason

    def flush(self) -> None:
        """Write queued links and settled states to the database."""
        if self._new:
            new, self._new = self._new, []
            self.ctx.frontier.add(new)
        if self._settle:
            settle, self._settle = self._settle, []
            self.ctx.frontier.settle(settle)
        self._last_flush = time.monotonic()

    def _settled(self, url: str, state: str, reason: str) -> None:
        self._settle.append((url, state, reason))
        if len(self._settle) >= FLUSH_EVERY or time.monotonic() - self._last_flush > 2.0:
            self.flush()

    # -- robots & sitemaps ------------------------------------------------------------
    def on_robots(self, site: str, robots: RobotsFile) -> None:
        """Queue the sitemaps a site's robots.txt names (same site only)."""
        scheme = "https" if robots.url.startswith("https:") else "http"
        found = list(robots.sitemaps) or [f"{scheme}://{site}/sitemap.xml"]
        self._new.extend(Entry(u, priority=0.9, kind="sitemap") for u in found
                         if acceptable(u) and self._allowed(u))

    def _allowed(self, url: str) -> bool:
        return not self.ctx.domains or same_site(url, self.ctx.domains)

    def parse_sitemap(self, response: Response) -> None:
        """Queue the pages (and nested sitemaps) a sitemap lists."""
        domain = self._answered(response.request)
        try:
            self._parse_sitemap(response)
        finally:
            self.flush()
            self._top_up(domain)

    def _parse_sitemap(self, response: Response) -> None:
        entry: Entry = response.meta["wt_entry"]
        if response.status != 200:
            self._settled(entry.url, SKIPPED, f"no sitemap (HTTP {response.status})")
            return
        body = response.body
        try:
            sitemap = Sitemap(body)
        except Exception as exc:  # noqa: BLE001 - lxml raises many kinds on bad XML
            self._settled(entry.url, FAILED, f"unreadable sitemap: {exc}"[:300])
            return
        kind = "sitemap" if sitemap.type == "sitemapindex" else "page"
        n = 0
        for item in sitemap:
            loc = str(item.get("loc", "")).strip()
            if loc and acceptable(loc) and self._allowed(loc):
                self._new.append(Entry(loc, priority=0.8 if kind == "sitemap" else 0.3,
                                       depth=entry.depth + 1, kind=kind, parent=entry.url))
                n += 1
                if n >= MAX_SITEMAP_URLS:
                    break
        self._settled(entry.url, DONE, f"sitemap listed {n} URLs")

    # -- pages ------------------------------------------------------------------------
    async def parse_page(self, response: Response) -> None:
        """Hand a page to the runner (see :meth:`_parse_page`), then top up the queue."""
        domain = self._answered(response.request)
        try:
            await self._parse_page(response)
        finally:
            self._top_up(domain)

    async def _parse_page(self, response: Response) -> None:
        """Hand a page to the page worker; settle it when it is stored.

        The worker (a thread, or a process of its own) stores pages while the reactor
        keeps downloading. Pages that arrive while it is busy wait and are then stored
        together, in arrival order, in one transaction (group commit, at most GROUP
        pages): the busier the crawl, the bigger the groups, and an idle crawl still
        stores each page at once. The worker also queues each page's links.
        """
        entry: Entry = response.meta["wt_entry"]
        if self._stopping:
            return
        if response.status >= 400:
            self._fail(entry.url, f"HTTP {response.status}")
            return
        if self.ctx.max_pages is not None and self._reserved >= self.ctx.max_pages:
            return  # over the limit: left active, so the next run queues it again
        self._reserved += 1
        stored: Deferred[PageOutcome] = Deferred()
        self._pending.append((self._page(entry, response), stored))
        self._kick()
        try:
            # (a Future on the asyncio reactor of a proxied run: collect/proxy.py)
            outcome = await maybe_deferred_to_future(stored)
        except PageWorkerLost as exc:
            self._reserved -= 1
            self._stop(f"page worker stopped: {exc}")
            return
        except Exception as exc:  # noqa: BLE001 - the page fails; the crawl goes on
            self._reserved -= 1
            self._fail(entry.url, str(exc) if isinstance(exc, WildtraceError) else
                       f"not stored: {type(exc).__name__}: {exc}"[:300])
            return
        stats = self.ctx.stats
        stats.pages += 1
        stats.listings += int(outcome.listing)
        stats.relevant += int(outcome.relevant)
        if outcome.duplicate_of:
            stats.duplicates += 1
        # What the page was, for --recrawl (which fetches index pages again).
        what = (LISTING if outcome.listing else "duplicate" if outcome.duplicate_of
                else HUB if outcome.read else "not read")
        reason = f"captured {outcome.capture_sha256[:12]} ({what})"
        if outcome.duplicate_of:
            reason += f"; same content as {outcome.duplicate_of}"
        self._settled(entry.url, DONE, reason)
        if self.ctx.max_pages is not None and stats.pages >= self.ctx.max_pages:
            self._stop("max_pages")

    def _stop(self, reason: str) -> None:
        if self._stopping:
            return
        self._stopping = True
        self.ctx.stats.stopped = reason
        raise CloseSpider(reason)

    def _kick(self) -> None:
        """Start the worker on every waiting page (up to GROUP) unless it is busy."""
        if self._busy or not self._pending:
            return
        # At most GROUP pages and, past the first, GROUP_BYTES of bodies: a group
        # crosses to the worker process in one message.
        n, size = 0, 0
        for page, _ in self._pending[:GROUP]:
            size += len(page.body)
            if n and size > GROUP_BYTES:
                break
            n += 1
        group, self._pending = self._pending[:n], self._pending[n:]
        self._busy = True
        job = self._worker.submit(self.ctx.handle_pages, [p for p, _ in group])
        from twisted.internet import reactor

        # Back on the reactor thread when the worker is done.
        job.add_done_callback(lambda job: reactor.callFromThread(
            self._stored, group, job))

    def _stored(self, group: list[tuple[Page, Deferred[PageOutcome]]],
                job: Future[list[PageOutcome | WildtraceError]]) -> None:
        self._busy = False
        exc = job.exception()
        for i, (_, stored) in enumerate(group):
            if stored.called:
                continue
            result = exc if exc is not None else job.result()[i]
            if isinstance(result, BaseException):
                stored.errback(Failure(result))  # type: ignore[no-untyped-call]
            else:
                stored.callback(result)
        self._kick()

    def _page(self, entry: Entry, response: Response) -> Page:
        headers = tuple((k.decode("latin-1"), v.decode("latin-1"))
                        for k, vs in response.headers.items() for v in vs)
        media = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        media = media.split(";")[0].strip().lower()
        robots_file = None
        robots_mw = getattr(self.crawler, "robots", None)
        if robots_mw is not None:
            robots_file = robots_mw.for_site(site_of(response.request or scrapy.Request(
                response.url)))
        meta = response.meta
        return Page(
            requested_url=entry.url, url=response.url,
            redirects=tuple(meta.get("redirect_urls", ())), status=response.status,
            headers=headers, body=response.body, media_type=media,
            server_ip=str(meta.get("wt_server_ip", response.ip_address or "")),
            started=str(meta.get("wt_started", "")), ended=str(meta.get("wt_ended", "")),
            user_agent=self.ctx.user_agent,
            robots_url=robots_file.url if robots_file else "",
            robots_body=robots_file.body if robots_file else None,
            exchanges=tuple(meta.get("wt_exchanges", ())),
            warc_file=str(meta.get("wt_warc_file", "")), depth=entry.depth,
            proxy=str(meta.get("wt_proxy", "")))

    def _fail(self, url: str, reason: str, state: str = FAILED) -> None:
        self.ctx.stats.errors += int(state == FAILED)
        self.ctx.stats.skipped += int(state == SKIPPED)
        if len(self.ctx.stats.reasons) < 10_000:
            self.ctx.stats.reasons.append((url, reason))
        self.ctx.record_error(url, reason)
        self._settled(url, state, reason)

    def on_error(self, failure: Failure) -> None:
        """Record why a URL failed; the crawl goes on."""
        domain = self._answered(getattr(failure, "request", None))
        try:
            self._on_error(failure)
        finally:
            self._top_up(domain)

    def _on_error(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        entry: Entry | None = request.meta.get("wt_entry") if request is not None else None
        if entry is None or self._stopping:
            return
        exc = failure.value
        if isinstance(exc, RobotsDenied):
            self._fail(entry.url, str(exc), SKIPPED)
        elif isinstance(exc, IgnoreRequest):
            self._fail(entry.url, _friendly(str(exc)) or "ignored")
        elif exc is not None:
            self._fail(entry.url, _friendly(describe_exception(exc)))


_SIZE = re.compile(r"(\d+) B compressed, (\d+) B decompressed")
_EXPECTED = re.compile(r"receive (\d+) bytes which is larger than download max size \((\d+)\)")


def _friendly(reason: str) -> str:
    """Scrapy's size-limit messages in the user's terms (the max_body_bytes setting)."""
    m = _SIZE.search(reason)
    if m and "during decompression" in reason:
        return (f"body inflates beyond max_body_bytes ({m.group(1)} bytes compressed, "
                f"over {m.group(2)} decompressed): a compression bomb, not fetched")
    m = _EXPECTED.search(reason)
    if m:
        return (f"body of {m.group(1)} bytes exceeds max_body_bytes ({m.group(2)}); "
                "download cancelled")
    if "max size" in reason.lower() or "maxsize" in reason.lower():
        return "body exceeds max_body_bytes; download cancelled"
    return reason
