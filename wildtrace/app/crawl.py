"""The ``crawl`` use case: from seeds (or a watch file) to a finished crawl run.

The frontier is readied first (URLs that workers now gone left taken go back in the
queue, what the capture index holds is marked done, the seeds are queued, and with
``recrawl`` the seeds and the captured index pages near them are queued again); then
the crawler runs with a page worker storing what it fetches
(:mod:`wildtrace.app.runner`, :mod:`wildtrace.app.pageworker`).

Every run is a worker of the workspace's frontier: on a shared PostgreSQL database
several run at once, on as many machines, each taking URLs of its own under a lease.
``worker`` (``crawl --worker``) joins such a shared crawl: seeds are optional (without
them it crawls the sites already in the frontier) and it stays until the frontier is
empty, waiting while other workers still hold URLs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wildtrace.app.browser_crawl import browser_crawl, wants_browser
from wildtrace.app.crawl_identity import require_identity
from wildtrace.app.pageworker import crawl_work
from wildtrace.app.photos import analyse_photos, photo_politeness
from wildtrace.app.plan import CrawlPlan
from wildtrace.app.runner import CrawlSummary, RunOptions, run_crawler
from wildtrace.app.venues import promoted_seeds
from wildtrace.collect.canonical import acceptable, domain_of
from wildtrace.collect.frontier import Entry, Frontier
from wildtrace.collect.netguard import NetPolicy, is_onion, onion_refusal, origin_of
from wildtrace.collect.proxy import ProxiedFetcher
from wildtrace.collect.sharedgate import connect
from wildtrace.collect.watch import DEFAULT_TERMS, load_watch
from wildtrace.config import user_agent
from wildtrace.errors import InputError
from wildtrace.preserve import warc
from wildtrace.preserve.custody import operator_name
from wildtrace.preserve.session import custody_log
from wildtrace.workspace import Workspace

SEED_PRIORITY = 1.0
HUB_PRIORITY = 0.95  # index pages fetched again by a re-crawl: right after the seeds


@dataclass(frozen=True)
class CrawlRequest:
    """What the user asked to crawl, and how."""

    seeds: tuple[str, ...] = ()
    watch_file: Path | None = None  # seeds, search templates and terms
    allow: tuple[str, ...] = ()  # further domains whose links are followed
    max_pages: int | None = None
    max_depth: int = 10
    recrawl: bool = False
    recrawl_depth: int = 2
    worker: bool = False  # join a shared crawl: seeds optional, stay till it is done
    progress: bool = False  # draw a progress line on stderr
    verbose: bool = False  # show Scrapy's log
    browser: bool = False  # render pages in headless Chromium (see app.browser_crawl)
    venues: bool = False  # also crawl the promoted candidate venues (app.venues)


@dataclass(frozen=True)
class CrawlResult:
    """A finished crawl (``summary``), or why there was nothing to crawl (``message``)."""

    summary: CrawlSummary | None
    message: str = ""
    warc_recovered: tuple[str, ...] = ()  # sealed although there was nothing to crawl
    photos: dict[str, Any] | None = None  # the photo step (setting images), when it ran

    def as_dict(self) -> dict[str, Any]:
        """The result as ``crawl --json`` prints it."""
        if self.summary is None:
            return {"pages": 0, "queued": 0, "message": self.message,
                    "warc_recovered": list(self.warc_recovered)}
        return {**self.summary.as_dict(),
                **({"photos": self.photos} if self.photos is not None else {})}


def seal_interrupted(ws: Workspace) -> tuple[str, ...]:
    """Seal the WARC files an interrupted run left open in this folder (a crawl does
    when it starts; a run finding nothing to crawl does it here, so that a killed
    worker's file is sealed and shared when the worker is started again)."""
    custody = custody_log(ws.evidence_dir, ws.store, operator_name(ws.settings.operator))
    custody.sync_mirror()
    return tuple(warc.recover(ws.evidence_dir / "warc", ws.store, custody, ws.blobs))


def check_urls(urls: Sequence[str], hint: str = "") -> None:
    """Raise :class:`InputError` naming the first URL the crawler could not fetch."""
    bad = [u for u in urls if not acceptable(u)]
    if bad:
        raise InputError(f"not an http(s) URL: {bad[0][:200]}", hint=hint or None)


def proxied_fetcher(ws: Workspace, policy: NetPolicy) -> ProxiedFetcher | None:
    """The fetcher of photos and revisits through the proxy setting (None: none set,
    fetch directly)."""
    s = ws.settings
    if not s.proxy:
        return None
    return ProxiedFetcher(s.proxy, policy, user_agent=user_agent(s), timeout=float(s.timeout),
                          delay=float(s.delay), max_bytes=int(s.max_body_bytes),
                          max_redirects=int(s.max_redirects),
                          politeness=photo_politeness(ws))


def check_onions(urls: Sequence[str], proxy: str) -> None:
    """Raise :class:`InputError` for the first ``.onion`` URL when no proxy is set."""
    if proxy:
        return
    for u in urls:
        origin = origin_of(u)
        if origin is not None and is_onion(origin.host):
            raise InputError(onion_refusal(u, origin.host))


def crawl(ws: Workspace, request: CrawlRequest) -> CrawlResult:
    """Crawl politely from the request's seeds, capturing every page as evidence and
    extracting listings; an interrupted crawl of the same sites resumes. Sites that
    render with JavaScript, or are collected logged in, go through the browser."""
    require_identity(ws.settings)  # before any request: site owners must reach a person
    urls = list(request.seeds)
    terms: list[str] = list(DEFAULT_TERMS)
    if request.watch_file is not None:
        watch = load_watch(request.watch_file)
        urls += [*watch.seeds, *watch.search_urls()]
        terms = watch.all_terms() or terms
    check_urls(urls, hint="seeds look like https://site.example/path")
    named = list(urls)  # what the user typed; a promoted venue's URL came from a page
    if request.venues:
        urls += [u for u in promoted_seeds(ws) if acceptable(u) and u not in urls]
    frontier = Frontier(ws.store.frontier, lease=ws.settings.crawl_lease)
    frontier.recover()
    frontier.mark_done(ws.store.evidence.captured_keys())
    domains = {domain_of(u) for u in urls} | {a.lower().strip() for a in request.allow
                                             if a.strip()}
    if request.worker and not urls:
        # A worker joining without seeds crawls the shared crawl's sites.
        domains |= set(ws.store.frontier.counts_by_domain())
    if request.recrawl:
        hubs = [u for u in frontier.hubs(sorted(domains) or None, request.recrawl_depth)
                if u not in set(urls)]
        frontier.requeue(hubs, priority=HUB_PRIORITY)
        frontier.requeue(urls, priority=SEED_PRIORITY)
    else:
        frontier.add(Entry(u, priority=SEED_PRIORITY) for u in urls)
    counts = frontier.counts(sorted(domains) or None)
    waiting = request.worker and counts.get("active", 0) > 0  # others hold URLs
    if not counts.get("queued", 0) and not waiting:
        sealed = seal_interrupted(ws)
        return CrawlResult(None, "nothing to crawl: every seed is already captured (use "
                                 "--recrawl to fetch them again)" if urls else
                                 "nothing to crawl: the frontier is empty" if request.worker
                                 else "nothing to crawl: give seed URLs or --watch",
                           sealed)
    # Only what the user named may be at an internal address; never a page's links.
    # Through a SOCKS proxy the proxy resolves names (collect/proxy.py).
    policy = NetPolicy([*named, *(a.strip() for a in request.allow if a.strip())],
                       proxied=bool(ws.settings.proxy))
    check_onions(urls, ws.settings.proxy)
    opts = RunOptions(domains=domains, policy=policy, max_pages=request.max_pages,
                      progress=request.progress, verbose=request.verbose)
    plan = CrawlPlan(terms=tuple(terms), domains=tuple(sorted(domains)),
                     max_depth=request.max_depth)
    if ws.settings.redis_url:
        connect(ws.settings.redis_url).close()  # a clear error now, not mid-crawl
    browser = wants_browser(ws, domains, request.browser)
    frontier.join({"seeds": len(urls), "domains": sorted(domains)[:50],
                   "worker": request.worker, **({"mode": "browser"} if browser else {})})
    summary = browser_crawl(ws, plan, frontier, opts) if browser else \
        run_crawler(ws, crawl_work(ws, plan), frontier, opts)
    photos = None
    if ws.settings.images:
        # The listings' photos, through the same guard: a page may name any image URL
        # (and through the proxy, when one is set).
        photos = analyse_photos(ws, policy, fetcher=proxied_fetcher(ws, policy)).as_dict()
    return CrawlResult(summary, photos=photos)
