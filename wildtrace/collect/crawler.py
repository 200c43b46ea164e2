"""Run the focused crawler: Scrapy configured for politeness, limits and evidence.

:func:`scrapy_settings` is the one place that turns wildtrace settings into Scrapy's;
:func:`run_crawl` runs a :class:`~wildtrace.collect.spider.FocusedSpider` to completion
in this process (Twisted's reactor cannot be restarted, so call it once per process;
each ``crawl`` or ``capture`` command does, through :mod:`wildtrace.app.runner`).
"""

from __future__ import annotations

import sys
import time
from typing import Any

from wildtrace.collect.fetchguard import POLICY_SETTING
from wildtrace.collect.netguard import NetPolicy
from wildtrace.collect.proxy import proxy_settings
from wildtrace.collect.sharedgate import REDIS_SETTING
from wildtrace.collect.spider import CrawlContext, CrawlStats, FocusedSpider
from wildtrace.config import Settings, user_agent

SWITCH_INTERVAL = 0.001  # seconds; see run_crawl


def scrapy_settings(settings: Settings, *, verbose: bool = False,
                    policy: NetPolicy | None = None) -> dict[str, Any]:
    """Scrapy settings for a polite crawl under wildtrace ``settings``, fetching only
    what the network ``policy`` allows (public addresses only when none is given)."""
    return {
        "BOT_NAME": "wildtrace",
        "USER_AGENT": user_agent(settings),
        "ROBOTSTXT_OBEY": bool(settings.obey_robots),
        "WILDTRACE_ROBOTS_AGENT": "wildtrace",
        # One request at a time per site, with the delay as a floor (no jitter below it).
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "CONCURRENT_REQUESTS_PER_IP": 0,
        # Callbacks yield nothing; Scrapy would start 100 item workers per response.
        "CONCURRENT_ITEMS": 1,
        # Backpressure: stop downloading while ~100 small pages (or a few large ones)
        # wait for the page worker, so memory stays flat however long the crawl.
        "SCRAPER_SLOT_MAX_ACTIVE_SIZE": 100_000,
        "DOWNLOAD_DELAY": float(settings.delay),
        "DOWNLOAD_DELAY_JITTER": 0.0,
        "DOWNLOAD_TIMEOUT": float(settings.timeout),
        "DNS_TIMEOUT": max(1.0, float(settings.timeout)),
        "DOWNLOAD_MAXSIZE": int(settings.max_body_bytes),
        "DOWNLOAD_WARNSIZE": 0,
        "REDIRECT_MAX_TIMES": int(settings.max_redirects),
        "RETRY_ENABLED": False,  # replaced by BackoffRetryMiddleware
        "WILDTRACE_RETRIES": int(settings.retries),
        "WILDTRACE_RETRY_BACKOFF": float(settings.retry_backoff),
        "WILDTRACE_MAX_RETRY_AFTER": float(settings.max_retry_after),
        "COOKIES_ENABLED": False,  # no sessions: we read public pages as a visitor would
        "HTTPERROR_ALLOW_ALL": True,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,  # (needs the asyncio reactor; not used)
        "LOG_ENABLED": verbose,
        "LOG_INSTALL_ROOT_HANDLER": verbose,
        "LOG_LEVEL": "INFO" if verbose else "ERROR",
        "STATS_DUMP": False,
        "DUPEFILTER_CLASS": "scrapy.dupefilters.BaseDupeFilter",  # the frontier dedups
        # Requests for the site with the fewest downloads in flight go first, so one
        # site's many relevant URLs cannot keep the others idle.
        "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.DownloaderAwarePriorityQueue",
        # Twisted's own reactor for the platform (epoll on Linux). Scrapy's default,
        # the asyncio reactor, stalls tens of milliseconds between the requests of a
        # site while few sites are busy (plain Scrapy crawling one local site: 14 against
        # 635 pages/s, bench/bench_crawl.py --pages 400 --sites 1), and one request at a
        # time per site makes that the crawl's pace.
        "TWISTED_REACTOR": None,
        # The network guard: checks every request (first, before robots.txt is fetched
        # for it) and every address a connection resolves to (wildtrace.collect.fetchguard).
        POLICY_SETTING: policy if policy is not None else NetPolicy(),
        # Politeness shared by every crawl worker through Redis (none when empty).
        REDIS_SETTING: settings.redis_url,
        "TWISTED_DNS_RESOLVER": "wildtrace.collect.fetchguard.GuardedResolver",
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
            "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
            "wildtrace.collect.fetchguard.GuardMiddleware": 40,
            # With the proxy setting, every request goes through it (collect/proxy.py).
            **({"wildtrace.collect.proxy.ProxyMiddleware": 45} if settings.proxy else {}),
            "wildtrace.collect.politeness.SlotMiddleware": 60,
            "wildtrace.collect.robots.RobotsMiddleware": 100,
            "wildtrace.collect.politeness.BackoffRetryMiddleware": 550,
            # Politeness shared between workers, with redis_url: after robots.txt (which
            # it lets through first, so robots fetches take the gate too), before the
            # connection.
            **({"wildtrace.collect.sharedgate.GateMiddleware": 800}
               if settings.redis_url else {}),
            "wildtrace.collect.fetchguard.ConnectGuardMiddleware": 900,
            "wildtrace.collect.recorder.ExchangeMiddleware": 950,
        },
        "EXTENSIONS": {"scrapy.extensions.logstats.LogStats": None,
                       "scrapy.extensions.memusage.MemoryUsage": None},
        # Through a SOCKS proxy: the httpx download handler on the asyncio reactor.
        **proxy_settings(settings.proxy),
    }


class ProgressLine:
    """One self-rewriting status line on stderr: pages, listings, errors, queue."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.started = time.monotonic()

    def __call__(self, stats: CrawlStats) -> None:
        """Redraw the line."""
        if not self.enabled:
            return
        secs = time.monotonic() - self.started
        sys.stderr.write(
            f"\rpages {stats.pages}  listings {stats.listings}  relevant {stats.relevant}  "
            f"errors {stats.errors}  skipped {stats.skipped}  queue {stats.queued}  "
            f"({stats.pages / max(secs, 1e-9):.1f} pages/s)   ")
        sys.stderr.flush()

    def done(self) -> None:
        """End the line."""
        if self.enabled:
            sys.stderr.write("\n")


def run_crawl(context: CrawlContext, settings: Settings, *, verbose: bool = False) -> CrawlStats:
    """Crawl until the frontier (for ``context.domains``) is empty or a limit is hit."""
    from scrapy.crawler import CrawlerProcess

    process = CrawlerProcess(scrapy_settings(settings, verbose=verbose,
                                             policy=context.policy))
    process.crawl(FocusedSpider, context=context)
    # The page worker is CPU-bound; after each socket call the reactor thread waits for
    # the GIL up to the switch interval (5 ms by default), which stalls downloads.
    previous = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        process.start()
    finally:
        sys.setswitchinterval(previous)
    return context.stats
