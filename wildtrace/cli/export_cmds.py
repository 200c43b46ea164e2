"""``wildtrace export KIND --format FORMAT -o PATH``: one command, many kinds.

Each area registers its kinds in :data:`EXPORTERS`: a kind maps to the formats it can
write and a function ``(workspace, format, path) -> count``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from wildtrace.cli import main
from wildtrace.cli.base import AppContext, pass_context
from wildtrace.errors import InputError
from wildtrace.workspace import Workspace


@dataclass(frozen=True)
class Exporter:
    """How to export one kind of thing."""

    formats: tuple[str, ...]
    write: Callable[[Workspace, str, Path], int]
    help: str


EXPORTERS: dict[str, Exporter] = {}


def register(kind: str, formats: tuple[str, ...], help_text: str) -> Callable[
        [Callable[[Workspace, str, Path], int]], Callable[[Workspace, str, Path], int]]:
    """Decorator adding an exporter for ``kind``."""
    def deco(fn: Callable[[Workspace, str, Path], int]) -> Callable[[Workspace, str, Path], int]:
        EXPORTERS[kind] = Exporter(formats, fn, help_text)
        return fn
    return deco


@main.command()
@click.argument("kind")
@click.option("--format", "fmt", required=True, help="Output format; depends on KIND.")
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path))
@pass_context
def export(app: AppContext, kind: str, fmt: str, output: Path) -> None:
    """Export KIND (listings, venues, evidence, graph, ...) to a file."""
    exporter = EXPORTERS.get(kind)
    if exporter is None:
        raise InputError(f"unknown export kind {kind!r}",
                         hint="kinds: " + ", ".join(sorted(EXPORTERS)))
    if fmt not in exporter.formats:
        raise InputError(f"export {kind} cannot write format {fmt!r}",
                         hint="formats: " + ", ".join(exporter.formats))
    output.parent.mkdir(parents=True, exist_ok=True)
    n = exporter.write(app.ws, fmt, output)
    click.echo(f"wrote {n} {kind} to {output}")


@register("listings", ("jsonl", "csv"), "every listing with its latest assessment")
def _export_listings(ws: Workspace, fmt: str, path: Path) -> int:
    from wildtrace.act.exports import write_listings

    return write_listings(ws.store, fmt, path)
