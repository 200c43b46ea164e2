"""The ``wildtrace`` command line.

The root group resolves the workspace and turns every :class:`WildtraceError` into one
line on stderr and exit status 1. Commands live in the modules of this package, one
module per area; each registers itself on :data:`main` when imported below.
"""

from __future__ import annotations

import click

from wildtrace import __version__
from wildtrace.cli.base import WildtraceGroup, pass_context

@click.group(cls=WildtraceGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--workspace", "workspace", type=click.Path(file_okay=False), default=None,
              envvar="WILDTRACE_WORKSPACE",
              help="Workspace folder (default: $WILDTRACE_WORKSPACE, else ./wildtrace-data).")
@click.version_option(__version__, prog_name="wildtrace")
@click.pass_context
def main(ctx: click.Context, workspace: str | None) -> None:
    """wildtrace: find, preserve and assess online wildlife-trade listings."""
    from wildtrace.cli.base import AppContext

    ctx.obj = AppContext(workspace)
    ctx.call_on_close(ctx.obj.close)


def _register() -> None:
    # Imported for their side effect of adding commands to ``main``.
    from wildtrace.cli import core  # noqa: F401
    from wildtrace.cli import export_cmds  # noqa: F401
    from wildtrace.cli import web_cmds  # noqa: F401
    from wildtrace.cli import assess_cmds  # noqa: F401
    from wildtrace.cli import measure_cmds  # noqa: F401
    from wildtrace.cli import crawl_cmds  # noqa: F401
    from wildtrace.cli import identify_cmds  # noqa: F401


_register()


__all__ = ["main", "pass_context"]
