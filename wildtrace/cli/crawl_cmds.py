"""Commands of collect and preserve: crawl, capture, evidence verify; the venues and
evidence exporters; and WARC/HTML import (called by ``import --format warc|html``).

The runner that composes the stages for a crawl is :mod:`wildtrace.crawlrun`.
"""

from __future__ import annotations

import csv
import json
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
from wildtrace.crawlrun import (
    CrawlPlan,
    LocalPages,
    RunOptions,
    crawl_work,
    evidence_session,
    page_processor,
    run,
)
from wildtrace.errors import InputError
from wildtrace.preserve.capture import captured_keys
from wildtrace.workspace import Workspace


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
@click.option("--recrawl", is_flag=True,
              help="Fetch the seeds again, and the captured pages without a listing "
                   "(index, category, search pages) up to --recrawl-depth links from them, "
                   "to find new adverts; captured listings are not fetched again. For "
                   "scheduled monitoring runs.")
@click.option("--recrawl-depth", type=click.IntRange(min=0), default=2, show_default=True,
              help="With --recrawl: how far from the seeds index pages are fetched again.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--verbose", is_flag=True, help="Show Scrapy's log.")
@pass_context
def crawl(app: AppContext, seeds: tuple[str, ...], max_pages: int | None, delay: float | None,
          allow: tuple[str, ...], watch_file: Path | None, max_depth: int, recrawl: bool,
          recrawl_depth: int,
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
        hubs = [u for u in frontier.hubs(sorted(domains) or None, recrawl_depth)
                if u not in set(urls)]
        frontier.requeue(hubs, priority=0.95)
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
    opts = RunOptions(domains=domains, max_pages=max_pages,
                      progress=progress_wanted() and not as_json, verbose=verbose)
    plan = CrawlPlan(terms=tuple(terms), domains=tuple(sorted(domains)), max_depth=max_depth)
    work = crawl_work(ws, plan)
    summary = run(ws, work, frontier, opts)
    summary["scorer"] = work.info.get("scorer", "")
    # Stopped by a failure rather than a limit: say so in the exit status too.
    broken = str(summary["stopped"]).startswith("page worker")
    if as_json:
        echo_json(summary)
    else:
        click.echo(f"crawled {summary['pages']} pages: {summary['listings']} listings "
                   f"({summary['relevant']} relevant), {summary['errors']} errors, "
                   f"{summary['skipped']} skipped by robots.txt, {summary['queued']} still "
                   "queued")
        for f in summary["failures"][:20]:
            click.echo(f"  {f['url']}: {f['reason']}", err=True)
        if broken:
            click.echo(f"crawl stopped: {summary['stopped']}", err=True)
    if broken:
        raise click.exceptions.Exit(1)


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
    session = evidence_session(ws, durable=True, purpose="wildtrace capture")
    processor = page_processor(ws, session, keyword_scorer(DEFAULT_TERMS), None)
    processor.remember = True
    entries = [Entry(u, priority=2.0) for u in urls]
    summary = run(ws, LocalPages(processor), frontier,
                  RunOptions(domains={domain_of(u) for u in urls}, entries=entries,
                             stage="capture"))
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

    session = evidence_session(ws, durable=True, purpose=f"wildtrace import --format {fmt}")
    processor = page_processor(ws, session, keyword_scorer(DEFAULT_TERMS), None, source or "")
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
