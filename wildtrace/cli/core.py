"""Core commands: init, import, process, report, settings, errors.

Long work (import, process) reports progress through :class:`~wildtrace.cli.progress.
Progress`: a bar at a terminal, a periodic line in a log; ``process`` first says which
optional models are on, what they cost and how to turn them off.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from wildtrace import config
from wildtrace.cli.base import (
    AppContext,
    echo_json,
    echo_row_errors,
    pass_context,
)
from wildtrace.cli.progress import Progress
from wildtrace.records import ListingDraft, RowError
from wildtrace.workspace import open_workspace

if TYPE_CHECKING:
    from wildtrace.app.imports import FilePreview

PROGRESS_BYTES = 2_000_000  # inputs smaller than this import too fast for a bar
PREVIEW_ROWS = 5
PREVIEW_CHARS = 60  # characters of a cell in the dry run's table


@click.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@pass_context
def init(app: AppContext, directory: str | None) -> None:
    """Create a workspace (any command also does this on first use)."""
    ws = open_workspace(directory or app.workspace_dir)
    click.echo(f"workspace ready: {ws.root.resolve()}")
    ws.close()


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["auto", "csv", "jsonl", "warc", "html"]),
              default="auto", show_default=True, help="Input format (auto: from the name).")
@click.option("--source", default=None, help="Source name stored with each listing "
              "(default: the file name).")
@click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD",
              help="Read FIELD (title, description, price, currency, url, seller, location, "
                   "posted, language) from COLUMN. Repeatable.")
@click.option("--dry-run", is_flag=True, help="Show the column mapping and the first "
              f"{PREVIEW_ROWS} rows as they would be stored; store nothing.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Dask scheduler that extracts the pages of WARC/HTML files "
                   "(tcp://HOST:8786, or local:N for N worker processes here); evidence "
                   "and listings are written by this process. Default: the 'scheduler' "
                   "setting. CSV/JSONL imports need no cluster.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_context
def import_(app: AppContext, files: tuple[Path, ...], fmt: str, source: str | None,
            maps: tuple[str, ...], dry_run: bool, scheduler: str | None,
            as_json: bool) -> None:
    """Import listings from CSV, JSONL, WARC or HTML files.

    Columns are matched to listing fields by name (title, text, body, price, user,
    date...); --dry-run shows the choice before anything is stored. Rows without a
    language column get the detected language.
    """
    from wildtrace.app import imports

    req = imports.request(files, fmt, source, maps)
    if dry_run:
        _show_previews(imports.preview(req, PREVIEW_ROWS), as_json)
        return
    ws = app.ws
    big = not req.archive and \
        sum(f.stat().st_size for f in files if f.is_file()) > PROGRESS_BYTES
    lines = _count_lines(files) if big else None
    with Progress("importing", lines, unit="rows", quiet=as_json) as bar:
        result = imports.run_import(ws, req, progress=bar.update, scheduler=scheduler)
    if as_json:
        echo_json(result.as_dict())
    elif result.pages is not None:
        click.echo(f"imported {result.imported} listings from {result.pages} "
                   f"pages, {result.duplicates} duplicates skipped, "
                   f"{len(result.errors)} errors")
        for e in result.errors[:20]:
            click.echo(f"  {e.file}: {e.reason}", err=True)
    else:
        click.echo(f"imported {result.imported} listings, {result.duplicates} duplicates "
                   f"skipped, {len(result.errors)} rows with errors")
        echo_row_errors(result.errors, more_hint=" (see 'wildtrace errors')")


def _show_previews(previews: Sequence[FilePreview], as_json: bool) -> None:
    from wildtrace.app.imports import FIELDS

    if as_json:
        echo_json([{"file": str(p.path), "columns": list(p.headers), "mapping": p.mapping,
                    "rows": [r.as_dict() if isinstance(r, RowError) else _draft_dict(r)
                             for r in p.rows]} for p in previews])
        return
    for p in previews:
        click.echo(f"{p.path}: {len(p.headers)} columns")
        for name in FIELDS:
            if name in p.mapping:
                click.echo(f"  {name:<12}<- {p.mapping[name]}")
        unused = [h for h in p.headers if h not in set(p.mapping.values())]
        if unused:
            click.echo(f"  kept as extra: {', '.join(unused)[:300]}")
        click.echo(f"first {len(p.rows)} rows as they would be stored:")
        for row in p.rows:
            if isinstance(row, RowError):
                click.echo(f"  {row.file}:{row.row}: skipped: {row.reason}")
                continue
            shown = _draft_dict(row)
            click.echo(f"  {row.origin}")
            for key, value in shown.items():
                if value not in ("", None) and key not in ("source", "origin"):
                    click.echo(f"    {key:<12}{_short(str(value))}")
    click.echo("dry run: nothing was stored")


def _draft_dict(d: ListingDraft) -> dict[str, object]:
    return {"title": d.title, "description": d.description, "price": d.price,
            "currency": d.currency, "url": d.url, "seller": d.seller,
            "location": d.location, "posted": d.posted, "language": d.language,
            "source": d.source, "origin": d.origin}


def _short(text: str) -> str:
    # One line per value: the preview is read at a terminal, so newlines are shown.
    text = text.replace("\r", "").replace("\n", "⏎ ")
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS - 1] + "…"


def _count_lines(files: Sequence[Path]) -> int:
    # A line count is a cheap, close estimate of the rows to come.
    total = 0
    for path in files:
        if path.is_file():
            with path.open("rb") as fh:
                total += sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b""))
    return total


@click.command()
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_context
def errors(app: AppContext, limit: int, as_json: bool) -> None:
    """Show the most recent bad rows, pages and files, with their reasons."""
    errs = app.ws.store.errors(limit)
    if as_json:
        echo_json([e.as_dict() for e in errs])
        return
    if not errs:
        click.echo("no errors: every row, page and file so far was read")
        return
    for e in errs:
        where = f"{e.file}:{e.row}" if e.row is not None else e.file
        click.echo(f"{where}: {e.reason}")


@click.command()
@click.option("--json", "as_json", is_flag=True)
@pass_context
def settings(app: AppContext, as_json: bool) -> None:
    """List every setting with its current value and what it does."""
    current = app.ws.settings
    if as_json:
        echo_json({s.name: {"value": config.shown(s.name, current.get(s.name)),
                            "default": s.default, "help": s.help} for s in config.SETTINGS})
        return
    for s in config.SETTINGS:
        click.echo(f"{s.name} = {config.shown(s.name, current.get(s.name))!r}")
        click.echo(f"    {s.help} (env WILDTRACE_{s.name.upper()}, default {s.default!r})")


@click.command()
@click.option("--model", "model_path", type=click.Path(path_type=Path, dir_okay=True),
              default=None,
              help="Trained model (default: the newest trained in the workspace, else zero-shot).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Dask scheduler that identifies and assesses (tcp://HOST:8786, or local:N "
                   "for N worker processes here); results are written by this process. "
                   "Default: the 'scheduler' setting.")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def process(app: AppContext, model_path: Path | None, scheduler: str | None,
            as_json: bool) -> None:
    """Identify, assess and link every listing not yet processed.

    Says first whether sentence embeddings are on and what they cost; progress goes
    to stderr (a bar at a terminal, a line every 30 s otherwise).
    """
    from wildtrace.app.costs import model_notices
    from wildtrace.app.process import process as run_process

    ws = app.ws
    total = ws.store.count_listings()
    for notice in model_notices(ws, model_path=model_path, listings=total):
        click.echo(notice.line(), err=True)
    with Progress("processing", total, unit="listings", quiet=as_json) as bar:
        result = run_process(ws, model_path=model_path, progress=bar.update,
                             scheduler=scheduler)
    if as_json:
        echo_json(result.as_dict())
        return
    click.echo(f"processed {result.assessed} listings with {result.model_version}: "
               f"{result.relevant} flagged relevant")


@click.command()
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), default=None,
              help="Where to write the HTML (default: WORKSPACE/report.html, or "
                   "WORKSPACE/market-PERIOD.html; - for standard output).")
@click.option("--period", default=None, metavar="PERIOD",
              help="A market report of one period (2026, 2026-H1, 2026-Q1, 2026-03, "
                   "2026-W05), with PNG and SVG charts beside the HTML.")
@click.option("--from", "start", default=None, metavar="YYYY-MM-DD",
              help="A market report from this day (with --to).")
@click.option("--to", "end", default=None, metavar="YYYY-MM-DD",
              help="A market report to this day, included (with --from).")
@click.option("--currency", default="EUR", show_default=True,
              help="The one currency the market report's prices are shown in.")
@pass_context
def report(app: AppContext, output: Path | None, period: str | None, start: str | None,
           end: str | None, currency: str) -> None:
    """Write one self-contained HTML report of the workspace and print its path.

    \b
    Examples:
      wildtrace report -o report.html
      wildtrace report --period 2026-Q1 -o out/market-2026-Q1.html
    """
    from wildtrace.app.output import is_stream, write_to
    from wildtrace.app.report import write_report

    ws = app.ws
    if period or start or end:
        _period_report(app, output, period, start, end, currency)
        return
    if output is not None and is_stream(output):
        write_to(output, "report.html", lambda p: write_report(ws, p))
        return
    path = write_report(ws, output)
    click.echo(str(path.resolve()))


def _period_report(app: AppContext, output: Path | None, period: str | None,
                   start: str | None, end: str | None, currency: str) -> None:
    from wildtrace.app.output import is_stream
    from wildtrace.app.report_period import write_period_report
    from wildtrace.errors import InputError

    if output is not None and is_stream(output):
        raise InputError("a market report is several files (the page and its charts)",
                         hint="give -o a file name such as market.html")
    files = write_period_report(app.ws, period, output, start=start, end=end,
                                currency=currency)
    click.echo(f"{files.html.resolve()} (and {len(files.charts)} chart files beside it)")


COMMANDS: tuple[click.Command, ...] = (init, import_, errors, settings, process, report)
