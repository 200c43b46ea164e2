"""Shared CLI plumbing: the error-handling group and the lazily opened workspace."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

import click

from wildtrace.errors import WildtraceError
from wildtrace.records import RowError
from wildtrace.workspace import Workspace, open_workspace


class WildtraceGroup(click.Group):
    """A click group that reports :class:`WildtraceError` as one line and exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except WildtraceError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)


class AppContext:
    """What every command gets: the workspace, opened on first use."""

    def __init__(self, workspace_dir: str | None) -> None:
        self.workspace_dir = workspace_dir
        self._ws: Workspace | None = None

    @property
    def ws(self) -> Workspace:
        """The open workspace (created on first use)."""
        if self._ws is None:
            self._ws = open_workspace(self.workspace_dir)
        return self._ws

    def close(self) -> None:
        """Close the workspace if a command opened it."""
        if self._ws is not None:
            self._ws.close()
            self._ws = None


pass_context = click.make_pass_decorator(AppContext)


def echo_json(data: Any) -> None:
    """Print ``data`` as one JSON document on stdout."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=None, default=str))


def echo_row_errors(errors: Sequence[RowError], *, limit: int = 20, prefix: str = "  ",
                    more_hint: str = "") -> None:
    """Print the first ``limit`` bad rows as ``file:row: reason`` on stderr."""
    for err in errors[:limit]:
        where = f"{err.file}:{err.row}" if err.row is not None else err.file
        click.echo(f"{prefix}{where}: {err.reason}", err=True)
    if len(errors) > limit:
        click.echo(f"{prefix}... and {len(errors) - limit} more{more_hint}", err=True)


def progress_wanted() -> bool:
    """Show progress bars only to a person at a terminal."""
    return sys.stderr.isatty()
