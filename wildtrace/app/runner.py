"""One crawler run, as ``crawl`` and ``capture`` make it: the run recorded in the store,
the crawler fetching with a page worker storing, the errors kept, the summary recorded.

The crawler (collect) only fetches; what it hands each page to is the page worker of
:mod:`wildtrace.app.pageworker`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wildtrace.app.pageworker import PageWork
from wildtrace.collect.crawler import ProgressLine, run_crawl
from wildtrace.collect.frontier import Entry, Frontier
from wildtrace.collect.netguard import NetPolicy
from wildtrace.collect.spider import CrawlContext, CrawlStats
from wildtrace.config import user_agent
from wildtrace.records import RowError
from wildtrace.workspace import Workspace


@dataclass
class RunOptions:
    """How one crawl or capture run goes."""

    domains: set[str]
    # The network guard: the origins the user named (the seeds, the URLs to capture,
    # --allow-domain); anything else is fetched only at a public address.
    policy: NetPolicy = field(default_factory=NetPolicy)
    max_pages: int | None = None
    entries: list[Entry] | None = None
    progress: bool = False
    verbose: bool = False
    stage: str = "crawl"
    errors: list[RowError] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)  # the run's clock starts here


@dataclass(frozen=True)
class Failure:
    """A URL the run could not capture, and why."""

    url: str
    reason: str


@dataclass(frozen=True)
class CrawlSummary:
    """What one run did: the crawler's counts, what the page worker stored, how long."""

    pages: int
    listings: int
    relevant: int
    errors: int
    duplicates: int
    skipped: int  # by robots.txt
    queued: int  # still waiting in the frontier
    stopped: str  # finished, max_pages, shutdown, or why the page worker stopped
    failures: tuple[Failure, ...]
    listings_stored: int
    warc_recovered: tuple[str, ...]  # WARC files of an interrupted run, sealed now
    page_worker: str  # process or thread
    seconds: float
    scorer: str = ""  # which relevance function ranked the links
    mode: str = "plain"  # plain (Scrapy) or browser (headless Chromium)
    paused: tuple[tuple[str, str], ...] = ()  # (site, why): logged-in sites stopped

    def with_paused(self, paused: dict[str, str]) -> CrawlSummary:
        """This summary of a browser crawl, with the sites it paused."""
        from dataclasses import replace

        return replace(self, mode="browser", paused=tuple(sorted(paused.items())))

    @property
    def broken(self) -> bool:
        """Whether a failure (not a limit or the end of the queue) stopped the run."""
        return self.stopped.startswith("page worker")

    def as_dict(self) -> dict[str, Any]:
        """The summary as ``crawl --json`` prints it."""
        return {**self._counts(), "failures": [{"url": f.url, "reason": f.reason}
                                               for f in self.failures],
                "listings_stored": self.listings_stored,
                "warc_recovered": list(self.warc_recovered), "page_worker": self.page_worker,
                "seconds": self.seconds, "scorer": self.scorer,
                **({"mode": self.mode, "paused": [{"site": s, "reason": r}
                                                  for s, r in self.paused]}
                   if self.mode != "plain" else {})}

    def _counts(self) -> dict[str, Any]:
        return {"pages": self.pages, "listings": self.listings, "relevant": self.relevant,
                "errors": self.errors, "duplicates": self.duplicates,
                "skipped": self.skipped, "queued": self.queued, "stopped": self.stopped}

    def run_detail(self) -> dict[str, Any]:
        """What the store keeps of the run (the failures are kept as its errors)."""
        return {**self._counts(), "listings_stored": self.listings_stored,
                "warc_recovered": list(self.warc_recovered), "page_worker": self.page_worker,
                "seconds": self.seconds}


def run_crawler(ws: Workspace, work: PageWork, frontier: Frontier, opts: RunOptions,
                engine: Callable[[CrawlContext], CrawlStats] | None = None) -> CrawlSummary:
    """Crawl with ``work`` storing the pages; returns the run summary (and records it).
    ``engine`` fetches instead of the Scrapy crawler (the browser crawl does)."""
    run_id = ws.store.start_run(opts.stage, "1", {"domains": sorted(opts.domains)})
    line = ProgressLine(opts.progress)

    def record_error(url: str, reason: str) -> None:
        opts.errors.append(RowError(url, None, reason))

    ctx = CrawlContext(frontier=frontier, handle_pages=work.many, record_error=record_error,
                       sink=work.record, domains=opts.domains,
                       user_agent=user_agent(ws.settings), max_pages=opts.max_pages,
                       progress=line, entries=opts.entries, policy=opts.policy)
    try:
        stats = engine(ctx) if engine is not None else \
            run_crawl(ctx, ws.settings, verbose=opts.verbose)
    finally:
        closed = work.close()
        elapsed = time.monotonic() - opts.started
        line.done()
        ws.store.record_errors(run_id, [*opts.errors, *closed.get("errors", [])])
    summary = CrawlSummary(
        pages=stats.pages, listings=stats.listings, relevant=stats.relevant,
        errors=stats.errors, duplicates=stats.duplicates, skipped=stats.skipped,
        queued=stats.queued, stopped=stats.stopped,
        failures=tuple(Failure(u, r) for u, r in stats.reasons),
        listings_stored=closed.get("listings", 0),
        warc_recovered=tuple(work.info.get("warc_recovered", [])),
        page_worker=work.info.get("worker", ""), seconds=round(elapsed, 3),
        scorer=work.info.get("scorer", ""))
    ws.store.finish_run(run_id, summary.run_detail())
    return summary
