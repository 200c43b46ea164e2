"""Commands of collect and preserve: crawl, capture, evidence verify; the venues and
evidence exporters; and WARC/HTML import (called by ``import --format warc|html``).

This is the runner above the stages: it builds the evidence session, the page
processor and the relevance function, and hands them to the crawler.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from wildtrace.cli import main
from wildtrace.cli.base import AppContext, echo_json, pass_context, progress_wanted
from wildtrace.cli.export_cmds import register
from wildtrace.collect.canonical import acceptable, domain_of
from wildtrace.collect.frontier import Entry, Frontier
from wildtrace.collect.venues import VenueBook, venue_rows
from wildtrace.collect.watch import DEFAULT_TERMS, keyword_scorer, load_watch
from wildtrace.config import Settings
from wildtrace.errors import InputError, WildtraceError
from wildtrace.extract.extractor import Extractor
from wildtrace.extract.pages import PageProcessor
from wildtrace.preserve.capture import captured_keys
from wildtrace.preserve.session import EvidenceSession
from wildtrace.workspace import Workspace

Score = Callable[[str], float]


def page_scorer(settings: Settings, fallback: Score) -> tuple[Score, str]:
    """The assess stage's relevance score as a plain function, or ``fallback``."""
    if str(settings.focus).strip().lower() == "keywords":
        return fallback, "keywords"
    try:
        from wildtrace.assess import load_scorer

        scorer = load_scorer(settings)

        def score(text: str) -> float:
            return float(scorer.assess([text])[0].score)

        score("test")  # fail here, not mid-crawl, if the model is unusable
        return score, "assess"
    except (ImportError, AttributeError, WildtraceError, TypeError, ValueError) as exc:
        return fallback, f"keywords ({type(exc).__name__})"


def _session(ws: Workspace, *, durable: bool, purpose: str) -> EvidenceSession:
    from wildtrace.collect.crawler import user_agent

    s = ws.settings
    return EvidenceSession(
        ws.evidence_dir, ws.store.engine, ws.blobs, operator=s.operator,
        user_agent=user_agent(s),
        robots_policy="obey (robots.txt and Crawl-delay)" if s.obey_robots else "ignore",
        durable=durable, purpose=purpose)


def _processor(ws: Workspace, session: EvidenceSession, score: Score,
               venues: VenueBook | None, source: str = "") -> PageProcessor:
    extractor = Extractor((ws.root / "profiles",))
    return PageProcessor(ws.store, session, extractor, score, venues,
                         float(ws.settings.relevance_threshold), source)


def _run(ws: Workspace, processor: PageProcessor, frontier: Frontier, domains: set[str],
         *, max_pages: int | None, max_depth: int, follow: bool, anchor_score: Score,
         entries: list[Entry] | None, progress: bool, verbose: bool,
         stage: str) -> dict[str, Any]:
    from wildtrace.collect.crawler import ProgressLine, run_crawl, user_agent
    from wildtrace.collect.spider import CrawlContext

    run_id = ws.store.start_run(stage, "1", {"domains": sorted(domains)})
    line = ProgressLine(progress)
    session = processor.session

    def record_error(url: str, reason: str) -> None:
        processor.error(url, reason)

    ctx = CrawlContext(frontier=frontier, handle_page=processor, record_error=record_error,
                       sink=session.recorder.record, score=anchor_score, domains=domains,
                       user_agent=user_agent(ws.settings), max_pages=max_pages,
                       max_depth=max_depth, follow_links=follow, progress=line,
                       entries=entries)
    started = time.monotonic()
    try:
        stats = run_crawl(ctx, ws.settings, verbose=verbose)
    finally:
        elapsed = time.monotonic() - started
        line.done()
        session.close()
        if processor.venues is not None:
            processor.venues.flush()
        ws.store.record_errors(run_id, processor.errors)
    summary = {**stats.as_dict(), "listings_stored": processor.listings,
               "warc_recovered": session.recovered, "seconds": round(elapsed, 3)}
    ws.store.finish_run(run_id, {k: v for k, v in summary.items() if k != "failures"})
    return summary


@main.command()
@click.argument("seeds", nargs=-1)
@click.option("--max-pages", type=click.IntRange(min=1), default=None,
              help="Stop after capturing this many pages (the rest stays queued).")
@click.option("--delay", type=click.FloatRange(min=0), default=None,
              help="Seconds between requests to one site (default: the delay setting).")
@click.option("--allow-domain", "allow", multiple=True,
              help="Also follow links into this domain. Repeatable.")
@click.option("--watch", "watch_file", type=click.Path(exists=True, dir_okay=False,
                                                       path_type=Path),
              help="Watch file: seeds, search-URL templates, species, keywords, languages.")
@click.option("--max-depth", type=click.IntRange(min=0), default=10, show_default=True,
              help="Links followed away from a seed.")
@click.option("--recrawl", is_flag=True, help="Fetch the seeds again even if captured.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--verbose", is_flag=True, help="Show Scrapy's log.")
@pass_context
def crawl(app: AppContext, seeds: tuple[str, ...], max_pages: int | None, delay: float | None,
          allow: tuple[str, ...], watch_file: Path | None, max_depth: int, recrawl: bool,
          as_json: bool, verbose: bool) -> None:
    """Crawl from SEED_URLs politely, capturing every page as evidence and extracting
    listings; links are followed on the same sites, most relevant first. Interrupted
    crawls resume where they stopped."""
    ws = app.ws
    if delay is not None:
        ws.settings = ws.settings.replace(delay=delay)
    urls = list(seeds)
    terms: list[str] = list(DEFAULT_TERMS)
    if watch_file is not None:
        watch = load_watch(watch_file)
        urls += [*watch.seeds, *watch.search_urls()]
        terms = watch.all_terms() or terms
    bad = [u for u in urls if not acceptable(u)]
    if bad:
        raise InputError(f"not an http(s) URL: {bad[0][:200]}",
                         hint="seeds look like https://site.example/path")
    frontier = Frontier(ws.store.engine)
    frontier.recover()
    frontier.mark_done(captured_keys(ws.store.engine))
    domains = {domain_of(u) for u in urls} | {a.lower().strip() for a in allow if a.strip()}
    if recrawl:
        frontier.requeue(urls, priority=1.0)
    else:
        frontier.add(Entry(u, priority=1.0) for u in urls)
    queued = frontier.counts(sorted(domains) or None).get("queued", 0)
    if not queued:
        msg = ("nothing to crawl: every seed is already captured (use --recrawl to fetch "
               "them again)" if urls else "nothing to crawl: give seed URLs or --watch")
        if as_json:
            echo_json({"pages": 0, "queued": 0, "message": msg})
        else:
            click.echo(msg)
        return
    keywords = keyword_scorer(terms)
    score, scorer_name = page_scorer(ws.settings, keywords)
    session = _session(ws, durable=False, purpose="wildtrace crawl")
    processor = _processor(ws, session, score, VenueBook(ws.store.engine))
    summary = _run(ws, processor, frontier, domains, max_pages=max_pages,
                   max_depth=max_depth, follow=True, anchor_score=keywords, entries=None,
                   progress=progress_wanted() and not as_json, verbose=verbose, stage="crawl")
    summary["scorer"] = scorer_name
    if as_json:
        echo_json(summary)
        return
    click.echo(f"crawled {summary['pages']} pages: {summary['listings']} listings "
               f"({summary['relevant']} relevant), {summary['errors']} errors, "
               f"{summary['skipped']} skipped by robots.txt, {summary['queued']} still queued")
    for f in summary["failures"][:20]:
        click.echo(f"  {f['url']}: {f['reason']}", err=True)


@main.command()
@click.argument("urls", nargs=-1, required=True)
@click.option("--browser/--no-browser", default=True, show_default=True,
              help="Also render in headless Chromium: full-page PNG and rendered DOM.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_context
def capture(app: AppContext, urls: tuple[str, ...], browser: bool, as_json: bool) -> None:
    """Capture the given pages as evidence (WARC, capture record, custody; with the
    browser also a screenshot and the rendered DOM)."""
    bad = [u for u in urls if not acceptable(u)]
    if bad:
        raise InputError(f"not an http(s) URL: {bad[0][:200]}")
    ws = app.ws
    frontier = Frontier(ws.store.engine)
    frontier.add(Entry(u, priority=2.0) for u in urls)
    session = _session(ws, durable=True, purpose="wildtrace capture")
    processor = _processor(ws, session, keyword_scorer(DEFAULT_TERMS), None)
    processor.remember = True
    entries = [Entry(u, priority=2.0) for u in urls]
    summary = _run(ws, processor, frontier, {domain_of(u) for u in urls}, max_pages=None,
                   max_depth=0, follow=False, anchor_score=lambda t: 0.0, entries=entries,
                   progress=False, verbose=False, stage="capture")
    shots: list[dict[str, Any]] = []
    if browser:
        from wildtrace.preserve.browser import render_all

        shots = render_all(ws, session.preserver, processor.captures)
    result = {"captured": [{"url": u, "capture_id": cid} for u, cid in
                           processor.captures.items()],
              "failures": summary["failures"], "browser": shots}
    if as_json:
        echo_json(result)
        return
    for item in result["captured"]:
        click.echo(f"captured {item['url']} (capture {item['capture_id']})")
    for f in summary["failures"]:
        click.echo(f"failed {f['url']}: {f['reason']}", err=True)
    for s in shots:
        if s.get("error"):
            click.echo(f"no screenshot for {s['url']}: {s['error']}", err=True)
        else:
            click.echo(f"screenshot {s['screenshot_sha256'][:12]} and DOM "
                       f"{s['dom_sha256'][:12]} stored for {s['url']}")
    if summary["failures"]:
        raise click.exceptions.Exit(1)


@main.group()
def evidence() -> None:
    """Evidence: verify integrity."""


@evidence.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_context
def evidence_verify(app: AppContext, as_json: bool) -> None:
    """Re-hash every blob, WARC file, capture record and custody entry; report each
    difference. Exit status 1 when anything fails."""
    from wildtrace.preserve.verify import verify

    report = verify(app.ws)
    if as_json:
        echo_json(report)
    else:
        c = report["checked"]
        click.echo(f"checked {c['blobs']} blobs, {c['warc_files']} WARC files "
                   f"({c['warc_records']} records), {c['captures']} captures, "
                   f"{c['custody_entries']} custody entries")
        for p in report["problems"]:
            click.echo(f"FAIL {p['kind']}: {p['subject']}: {p['detail']}")
        click.echo("evidence OK" if report["ok"] else
                   f"{len(report['problems'])} problem(s) found")
        if report.get("head"):
            click.echo(f"custody head: {report['head']}")
    if not report["ok"]:
        raise click.exceptions.Exit(1)


@register("venues", ("csv", "jsonl"), "domains met while crawling: kind, language, "
          "country, listings")
def export_venues(ws: Workspace, fmt: str, path: Path) -> int:
    """Write the venue book as CSV or JSON lines."""
    rows = venue_rows(VenueBook(ws.store.engine).all())
    with path.open("w", encoding="utf-8", newline="") as fh:
        if fmt == "jsonl":
            for r in rows:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        else:
            cols = ["domain", "kind", "language", "country", "pages", "listings",
                    "relevant_listings", "first_seen", "last_seen"]
            w = csv.DictWriter(fh, fieldnames=cols)
            w.writeheader()
            w.writerows(rows)
    return len(rows)


@register("evidence", ("wacz",), "WARCs, index, pages, custody log as a WACZ 1.1 package")
def export_evidence(ws: Workspace, fmt: str, path: Path) -> int:
    """Write every WARC file and the custody record into one WACZ file."""
    from wildtrace.preserve.wacz import write_wacz

    return write_wacz(ws, path)


def import_archives(ws: Workspace, files: tuple[Path, ...], fmt: str,
                    source: str | None) -> dict[str, Any]:
    """Import WARC or HTML files: each page preserved, extracted, stored."""
    from wildtrace.preserve.archive import import_files

    session = _session(ws, durable=True, purpose=f"wildtrace import --format {fmt}")
    processor = _processor(ws, session, keyword_scorer(DEFAULT_TERMS), None, source or "")
    run_id = ws.store.start_run("import", "1", {"files": [str(f) for f in files],
                                                "format": fmt})
    try:
        pages = import_files(session, processor, files, fmt)
    finally:
        session.close()
    ws.store.record_errors(run_id, processor.errors)
    result = {"imported": processor.listings, "pages": pages,
              "duplicates": processor.duplicates,
              "errors": [e.as_dict() for e in processor.errors]}
    ws.store.finish_run(run_id, {"imported": processor.listings, "pages": pages})
    return result
