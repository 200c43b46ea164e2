"""``wildtrace export KIND --format FORMAT -o PATH``: one command, every kind of the
export registry (:mod:`wildtrace.act.exports`, reached through :mod:`wildtrace.app`)."""

from __future__ import annotations

from pathlib import Path

import click

from wildtrace.cli.base import AppContext, pass_context


@click.command()
@click.argument("kind")
@click.option("--format", "fmt", required=True, help="Output format; depends on KIND.")
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path))
@pass_context
def export(app: AppContext, kind: str, fmt: str, output: Path) -> None:
    """Export KIND (listings, venues, evidence, graph, ...) to a file."""
    from wildtrace.app import exports

    exports.check(kind, fmt)  # before the workspace is opened, as a typo needs none
    result = exports.export(app.ws, kind, fmt, output)
    click.echo(f"wrote {result.count} {kind} to {output}")


COMMANDS: tuple[click.Command, ...] = (export,)
