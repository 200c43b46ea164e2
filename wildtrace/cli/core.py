"""Core commands: init, import, process, report, settings, errors."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from wildtrace import config
from wildtrace.cli.base import (
    AppContext,
    echo_json,
    echo_row_errors,
    pass_context,
    progress_wanted,
)
from wildtrace.workspace import open_workspace

PROGRESS_BYTES = 2_000_000  # inputs smaller than this import too fast for a bar


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
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_context
def import_(app: AppContext, files: tuple[Path, ...], fmt: str, source: str | None,
            maps: tuple[str, ...], as_json: bool) -> None:
    """Import listings from CSV, JSONL (and, with collect, WARC or HTML) files."""
    from wildtrace.app import imports

    req = imports.request(files, fmt, source, maps)
    ws = app.ws
    show = progress_wanted() and not as_json and not req.archive and \
        sum(f.stat().st_size for f in files if f.is_file()) > PROGRESS_BYTES
    lines = _count_lines(files) if show else 1
    with click.progressbar(length=max(lines, 1), label="importing", hidden=not show) as bar:
        result = imports.run_import(ws, req, progress=bar.update)
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
    """Identify, assess and link every listing not yet processed."""
    from wildtrace.app.process import process as run_process

    ws = app.ws
    total = ws.store.count_listings()
    with click.progressbar(length=max(total, 1), label="processing",
                           hidden=not progress_wanted() or as_json) as bar:
        result = run_process(ws, model_path=model_path, progress=bar.update,
                             scheduler=scheduler)
    if as_json:
        echo_json(result.as_dict())
        return
    click.echo(f"processed {result.assessed} listings with {result.model_version}: "
               f"{result.relevant} flagged relevant")


@click.command()
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), default=None,
              help="Where to write the HTML (default: WORKSPACE/report.html).")
@pass_context
def report(app: AppContext, output: Path | None) -> None:
    """Write one self-contained HTML report of the workspace."""
    from wildtrace.app.report import write_report

    path = write_report(app.ws, output)
    click.echo(str(path.resolve()))


COMMANDS: tuple[click.Command, ...] = (init, import_, errors, settings, process, report)
