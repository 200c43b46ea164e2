"""Politeness and resilience for the Scrapy crawler: one slot per site, holds, retries.

:class:`SlotMiddleware` (runs first) gives every site its own download slot,
so one request at a time goes to each site with the configured delay, and holds a
request while its site asked us to back off. :class:`BackoffRetryMiddleware` (in place
of Scrapy's retry middleware) retries timeouts, connection failures, 429 and 5xx
answers with exponential backoff, honouring ``Retry-After`` up to a limit; each give-up
carries the reason into the request's errback.
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import ConnectError, ConnectionDone, ConnectionLost
from twisted.internet.task import deferLater

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 522, 524})
RETRY_EXCEPTIONS: tuple[type[BaseException], ...] = (
    CannotResolveHostError, DownloadConnectionRefusedError, DownloadFailedError,
    DownloadTimeoutError, ResponseDataLossError, ConnectError, ConnectionDone,
    ConnectionLost, TimeoutError)
MAX_BACKOFF = 120.0


class GaveUp(IgnoreRequest):
    """A request failed for good; the message is the reason recorded for the URL."""


@dataclass
class Holds:
    """Per-site times before which no request may start (monotonic clock)."""

    until: dict[str, float] = field(default_factory=dict)

    def hold(self, site: str, seconds: float) -> None:
        """Keep ``site`` quiet for ``seconds`` from now (never shortening a hold)."""
        self.until[site] = max(self.until.get(site, 0.0), time.monotonic() + seconds)

    def remaining(self, site: str) -> float:
        """Seconds left on ``site``'s hold (0 when none)."""
        return max(0.0, self.until.get(site, 0.0) - time.monotonic())


def site_of(request: Request) -> str:
    """The ``host:port`` a request goes to, as written: the unit of robots.txt."""
    parts = urlparse_cached(request)
    return (parts.netloc or "").lower()


def politeness_key(site: str) -> str:
    """The unit of politeness for a ``host[:port]``: one server, however it is spelled.

    ``www.example.org``, ``example.org``, ``example.org:443`` and ``example.org:80`` are
    one site to the people running it, so they share one download slot (one request at
    a time, one delay); another port is another service and gets its own.
    """
    try:
        parts = urlsplit("//" + site)
        host, port = (parts.hostname or "").rstrip("."), parts.port
    except ValueError:  # a port that is not a number: leave it as it is
        return site.lower()
    if host.startswith("www."):
        host = host[4:]
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return host if port in (None, 80, 443) else f"{host}:{port}"


def slot_of(request: Request) -> str:
    """The politeness key of a request (see :func:`politeness_key`)."""
    return politeness_key(site_of(request))


def retry_after_seconds(value: str | bytes | None, now: float | None = None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or HTTP-date)."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


async def pause(seconds: float) -> None:
    """Sleep on the running reactor, whichever it is."""
    from twisted.internet import reactor

    await maybe_deferred_to_future(deferLater(reactor, seconds))


def _holds(crawler: Crawler) -> Holds:
    spider = crawler.spider
    holds = getattr(spider, "holds", None)
    if holds is None:
        holds = Holds()
        if spider is not None:
            spider.holds = holds  # type: ignore[attr-defined]
    return holds


class SlotMiddleware:
    """One download slot per ``host:port``, and waiting out a site's hold."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SlotMiddleware:
        """Scrapy's constructor hook; also counts delays from each response's end."""
        mw = cls(crawler)
        crawler.signals.connect(mw.response_downloaded, signal=signals.response_downloaded)
        return mw

    def response_downloaded(self, response: Response, request: Request,
                            spider: Spider | None = None) -> None:
        """Restart the site's delay clock when a response has fully arrived.

        Scrapy times the delay from when the previous request *started*, so a slow
        answer eats into the pause a site asked for; timing it from the end keeps the
        gap the server sees at least the delay (or Crawl-delay).
        """
        engine = self.crawler.engine
        key = request.meta.get("download_slot")
        if engine is None or key is None:
            return
        slot = engine.downloader.slots.get(key)
        if slot is not None:
            slot.lastseen = time.monotonic()

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        """Assign the slot, then wait while the site is on hold."""
        site = slot_of(request)
        request.meta["download_slot"] = site
        wait = _holds(self.crawler).remaining(site)
        while wait > 0:
            # Why a loop: another answer may extend the hold while we sleep.
            await pause(min(wait, 5.0))
            wait = _holds(self.crawler).remaining(site)


class BackoffRetryMiddleware:
    """Retries with exponential backoff and ``Retry-After``; gives up with a reason."""

    def __init__(self, crawler: Crawler) -> None:
        s = crawler.settings
        self.crawler = crawler
        self.retries = s.getint("WILDTRACE_RETRIES", 2)
        self.backoff = s.getfloat("WILDTRACE_RETRY_BACKOFF", 1.0)
        self.max_retry_after = s.getfloat("WILDTRACE_MAX_RETRY_AFTER", 300.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        """Scrapy's constructor hook."""
        return cls(crawler)

    def _retry(self, request: Request, why: str, asked: float | None) -> Request:
        tries = int(request.meta.get("wt_retries", 0))
        if tries >= self.retries:
            raise GaveUp(f"{why}; gave up after {tries + 1} attempts")
        if asked is not None and asked > self.max_retry_after:
            raise GaveUp(f"{why}; Retry-After {asked:.0f}s exceeds max_retry_after "
                         f"{self.max_retry_after:.0f}s")
        wait = asked if asked is not None else min(MAX_BACKOFF, self.backoff * 2 ** tries)
        _holds(self.crawler).hold(slot_of(request), wait)
        retry = request.replace(dont_filter=True)
        retry.meta["wt_retries"] = tries + 1
        retry.meta.setdefault("wt_retry_reasons", []).append(why)
        retry.priority = request.priority + 1  # finish what was started before new pages
        return retry

    def process_response(self, request: Request, response: Response,
                         spider: Spider | None = None) -> Request | Response:
        """Retry answers that say "try later"; pass everything else on."""
        if response.status not in RETRY_STATUSES or request.meta.get("dont_retry"):
            return response
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        why = f"HTTP {response.status}"
        if asked is not None:
            why += f" (Retry-After {asked:.0f}s)"
        return self._retry(request, why, asked)

    def process_exception(self, request: Request, exception: BaseException,
                          spider: Spider | None = None) -> Request | None:
        """Retry timeouts and connection failures."""
        if not isinstance(exception, RETRY_EXCEPTIONS) or request.meta.get("dont_retry"):
            return None
        return self._retry(request, describe_exception(exception), None)


def describe_exception(exc: BaseException) -> str:
    """A short human reason for a download failure."""
    if isinstance(exc, (DownloadTimeoutError, TimeoutError)):
        return "timed out"
    if isinstance(exc, (DownloadConnectionRefusedError, ConnectError)):
        return "connection refused or failed"
    if isinstance(exc, CannotResolveHostError):
        return "host name does not resolve"
    if isinstance(exc, (ResponseDataLossError, ConnectionLost, ConnectionDone)):
        return "connection lost mid-response"
    text = str(exc).strip() or type(exc).__name__
    return text[:300]

