"""Commands of collect and preserve: crawl, capture, evidence verify, export-custody
and timestamp.

Each parses its options, calls its use case in the application layer
(:mod:`wildtrace.app.crawl`, :mod:`wildtrace.app.capture`, :mod:`wildtrace.app.evidence`)
and prints the result. The crawler's modules (Scrapy, Twisted) are imported only by the
commands that crawl, so other commands start without them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from wildtrace.cli.base import AppContext, echo_json, pass_context, progress_wanted


class _CrawlCommand(click.Command):
    """``crawl SEED…``, and ``crawl status`` (a URL is never named "status")."""

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        """Hand ``crawl status …`` to the status command."""
        if args and args[0] == "status":
            return crawl_status.make_context(f"{info_name} status", args[1:], parent=parent,
                                             **extra)
        return super().make_context(info_name, args, parent=parent, **extra)


PROXY_HELP = ("Go through this SOCKS5 proxy, which resolves host names (Tor: "
              "socks5h://127.0.0.1:9050); needed for .onion sites. Default: the proxy "
              "setting.")


@click.command(cls=_CrawlCommand, epilog="'wildtrace crawl status' shows the crawl "
               "workers of the workspace, the URLs they hold and the queue.")
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
@click.option("--worker", is_flag=True,
              help="Join the workspace's shared crawl (several workers, on any machines, "
                   "sharing one PostgreSQL database_url): seeds are optional, and the worker "
                   "takes URLs until the frontier is empty.")
@click.option("--no-images", is_flag=True,
              help="Do not fetch or analyse listings' photos (the images setting, off).")
@click.option("--browser", is_flag=True,
              help="Render every page in headless Chromium (sites that draw their listings "
                   "with JavaScript), keeping every response each page loaded in the WARC. "
                   "Sites whose profile says render = \"browser\", and sites with a stored "
                   "session (wildtrace session), always are.")
@click.option("--proxy", default=None, metavar="socks5h://HOST:PORT",
              help=PROXY_HELP)
@click.option("--venues", is_flag=True,
              help="Also crawl the promoted candidate venues ('wildtrace venues "
                   "promote'): sites, and Telegram channels by their public preview.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--verbose", is_flag=True, help="Show Scrapy's log.")
@pass_context
def crawl(app: AppContext, seeds: tuple[str, ...], max_pages: int | None, delay: float | None,
          allow: tuple[str, ...], watch_file: Path | None, max_depth: int, recrawl: bool,
          recrawl_depth: int, worker: bool, no_images: bool, browser: bool,
          proxy: str | None, venues: bool, as_json: bool, verbose: bool) -> None:
    """Crawl from SEED_URLs politely, capturing every page as evidence and extracting
    listings; links are followed on the same sites, most relevant first. Interrupted
    crawls resume where they stopped; several crawls on one shared database split the
    work between them."""
    from wildtrace.app.crawl import CrawlRequest
    from wildtrace.app.crawl import crawl as run_crawl

    ws = app.ws
    _use_proxy(app, proxy)
    if delay is not None:
        ws.settings = ws.settings.replace(delay=delay)
    if no_images:
        ws.settings = ws.settings.replace(images=False)
    result = run_crawl(ws, CrawlRequest(
        seeds=seeds, watch_file=watch_file, allow=allow, max_pages=max_pages,
        max_depth=max_depth, recrawl=recrawl, recrawl_depth=recrawl_depth, worker=worker,
        progress=progress_wanted() and not as_json, verbose=verbose, browser=browser,
        venues=venues))
    summary = result.summary
    if as_json:
        echo_json(result.as_dict())
    elif summary is None:
        click.echo(result.message)
    else:
        click.echo(f"crawled {summary.pages} pages: {summary.listings} listings "
                   f"({summary.relevant} relevant), {summary.errors} errors, "
                   f"{summary.skipped} skipped by robots.txt, {summary.queued} still "
                   "queued")
        for f in summary.failures[:20]:
            click.echo(f"  {f.url}: {f.reason}", err=True)
        for site, why in summary.paused:
            click.echo(f"paused {site}: {why}", err=True)
        if summary.broken:
            click.echo(f"crawl stopped: {summary.stopped}", err=True)
    if summary is not None:
        _timestamp_run(app)
    # Stopped by a failure rather than a limit: say so in the exit status too.
    if summary is not None and summary.broken:
        raise click.exceptions.Exit(1)


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@pass_context
def crawl_status(app: AppContext, as_json: bool) -> None:
    """Show the crawl workers of the workspace (running, lost, stopped), the URLs each
    holds under lease, and the queue by state and site."""
    from wildtrace.app.crawl_status import crawl_status as read_status

    status = read_status(app.ws)
    if as_json:
        echo_json(status.as_dict())
        return
    q = status.states
    click.echo("queue: " + ", ".join(f"{n} {state}" for state, n in sorted(q.items()))
               if q else "queue: empty")
    click.echo(f"workers ({len(status.workers)}, leases of {status.lease_seconds:g} s):")
    for w in status.workers:
        click.echo(f"  {w.id}  {w.state:<8} {w.host} pid {w.pid}  {w.pages} pages  "
                   f"{w.leases} URLs held ({w.expired} expired)  last seen "
                   f"{w.last_seen:%Y-%m-%d %H:%M:%S}")
    if status.unowned:
        click.echo(f"  {status.unowned} URLs held by no registered worker")
    click.echo("sites:")
    for domain, states in status.domains.items():
        click.echo(f"  {domain}: " + ", ".join(f"{n} {s}" for s, n in sorted(states.items())))


@click.command()
@click.argument("urls", nargs=-1, required=True)
@click.option("--browser/--no-browser", default=True, show_default=True,
              help="Also render in headless Chromium: full-page PNG and rendered DOM.")
@click.option("--no-images", is_flag=True,
              help="Do not fetch or analyse listings' photos (the images setting, off).")
@click.option("--proxy", default=None, metavar="socks5h://HOST:PORT",
              help=PROXY_HELP + " The browser and photos are skipped through a proxy.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_context
def capture(app: AppContext, urls: tuple[str, ...], browser: bool, no_images: bool,
            proxy: str | None, as_json: bool) -> None:
    """Capture the given pages as evidence (WARC, capture record, custody; with the
    browser also a screenshot and the rendered DOM; the listings' photos too)."""
    from wildtrace.app.capture import capture as run_capture
    from wildtrace.app.crawl import check_urls

    check_urls(urls)  # before the workspace is opened (and made, on first use)
    ws = app.ws
    _use_proxy(app, proxy)
    if no_images:
        ws.settings = ws.settings.replace(images=False)
    result = run_capture(ws, urls, browser=browser)
    _timestamp_run(app)
    if as_json:
        echo_json(result.as_dict())
        return
    for item in result.captured:
        click.echo(f"captured {item.url} (capture {item.capture_id})")
    for f in result.failures:
        click.echo(f"failed {f.url}: {f.reason}", err=True)
    for s in result.browser:
        if s.error:
            click.echo(f"no screenshot for {s.url}: {s.error}", err=True)
        else:
            click.echo(f"screenshot {s.screenshot_sha256[:12]} and DOM "
                       f"{s.dom_sha256[:12]} stored for {s.url}")
    if result.failures:
        raise click.exceptions.Exit(1)


def _use_proxy(app: AppContext, proxy: str | None) -> None:
    """Apply ``--proxy`` to the run's settings (checked like the setting)."""
    if proxy is not None:
        from wildtrace.config import BY_NAME

        try:
            checked = BY_NAME["proxy"].parse(proxy)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--proxy") from exc
        app.ws.settings = app.ws.settings.replace(proxy=checked)


def _timestamp_run(app: AppContext) -> None:
    """With ``tsa_url`` set, timestamp the custody head a run left (on stderr, so
    ``--json`` output stays one document); a failure is a warning, never a lost run."""
    from wildtrace.app.timestamps import timestamp_after_run

    done = timestamp_after_run(app.ws)
    if done.stamp is not None:
        r = done.stamp.row
        click.echo(f"custody entry {r.custody_seq} timestamped at {r.gen_time} by "
                   f"{r.tsa_url}", err=True)
    if done.warning:
        click.echo(f"warning: {done.warning}", err=True)


@click.group()
def evidence() -> None:
    """Evidence: verify integrity, timestamp the custody log."""


@evidence.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_context
def evidence_verify(app: AppContext, as_json: bool) -> None:
    """Re-hash every blob, WARC file, capture record and custody entry, and check the
    audit chain; report each difference. Exit status 1 when anything fails."""
    from wildtrace.app.evidence import verify_evidence

    report = verify_evidence(app.ws)
    if as_json:
        echo_json(report.as_dict())
    else:
        c = report.checked
        click.echo(f"checked {c['blobs']} blobs, {c['warc_files']} WARC files "
                   f"({c['warc_records']} records), {c['captures']} captures, "
                   f"{c['custody_entries']} custody entries")
        for p in report.problems:
            click.echo(f"FAIL {p.kind}: {p.subject}: {p.detail}")
        if (audit := report.audit) is not None:
            for b in audit.breaks:
                click.echo(f"FAIL audit: entry {b.entry_id}: {b.reason}")
            click.echo(f"audit chain: {audit.checked} entries, " + (
                f"head {audit.head}" if audit.ok else
                f"broken from entry {audit.breaks[0].entry_id}"))
        broken = len(audit.breaks) if audit is not None else 0
        click.echo("evidence OK" if report.ok else
                   f"{len(report.problems) + broken} problem(s) found")
        if report.head:
            click.echo(f"custody head: {report.head}")
        for t in report.timestamps.tokens:
            click.echo(f"timestamp {t.id}: custody entry {t.custody_seq} at {t.gen_time} "
                       f"by {t.tsa_url} (signature {t.signature})")
        if (trusted := report.timestamps.trusted) is not None:
            click.echo(f"trusted time: {trusted.gen_time} covers custody entries 1-"
                       f"{trusted.custody_seq}; {report.timestamps.uncovered} evidence "
                       "entries after it are not covered yet")
    if not report.ok:
        raise click.exceptions.Exit(1)


@evidence.command("export-custody")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="File to write (default: standard output).")
@pass_context
def evidence_export_custody(app: AppContext, output: Path | None) -> None:
    """Write the whole custody log from the database (the log of record, whichever
    machine wrote each entry) as JSONL, the format of evidence/custody.jsonl: the copy
    to hand over with the evidence."""
    import sys

    from wildtrace.app.evidence import export_custody

    if output is None:
        n, head = export_custody(app.ws, sys.stdout)
        click.echo(f"{n} custody entries, head {head or '(none)'}", err=True)
        return
    with output.open("w", encoding="utf-8") as fh:
        n, head = export_custody(app.ws, fh)
    click.echo(f"wrote {n} custody entries to {output}; head {head or '(none)'}")


@evidence.command("timestamp")
@click.option("--json", "as_json", is_flag=True, help="Print the stored token as JSON.")
@pass_context
def evidence_timestamp(app: AppContext, as_json: bool) -> None:
    """Ask the time-stamping authority (setting tsa_url) for an RFC 3161 token over the
    custody head, and keep it as evidence; 'evidence verify' checks it."""
    from wildtrace.app.timestamps import timestamp_custody

    stamp = timestamp_custody(app.ws)
    if as_json:
        echo_json(stamp.as_dict())
        return
    r = stamp.row
    click.echo(f"timestamped custody entry {r.custody_seq} (head {r.custody_head}) at "
               f"{r.gen_time} by {r.tsa_url}, serial {r.serial}; signature {stamp.signature}")
    click.echo(f"token: {r.token_sha256}")


COMMANDS: tuple[click.Command, ...] = (crawl, capture, evidence)
