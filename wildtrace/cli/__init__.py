"""The ``wildtrace`` command line.

The root group resolves the workspace and turns every :class:`WildtraceError` into one
line on stderr and exit status 1. Commands live in the modules of this package, one
module per area; each lists its commands in ``COMMANDS``, and :data:`AREAS` below is
the one place that adds them to :data:`main`, with the examples of
:mod:`wildtrace.cli.examples` at the foot of each command's help.
"""

from __future__ import annotations

import click

from wildtrace import __version__
from wildtrace.cli import (
    assess_cmds,
    core,
    crawl_cmds,
    export_cmds,
    identify_cmds,
    intel_cmds,
    measure_cmds,
    profile_cmds,
    reach_cmds,
    session_cmds,
    web_cmds,
    workspace_cmds,
)
from wildtrace.cli import examples
from wildtrace.cli.base import AppContext, WildtraceGroup, pass_context

AREAS = (core, crawl_cmds, identify_cmds, assess_cmds, measure_cmds, export_cmds, web_cmds,
         workspace_cmds, session_cmds, profile_cmds, intel_cmds, reach_cmds)


@click.group(cls=WildtraceGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--workspace", "workspace", type=click.Path(file_okay=False), default=None,
              envvar="WILDTRACE_WORKSPACE",
              help="Workspace folder (default: $WILDTRACE_WORKSPACE, else ./wildtrace-data).")
@click.version_option(__version__, prog_name="wildtrace")
@click.pass_context
def main(ctx: click.Context, workspace: str | None) -> None:
    """wildtrace: find, preserve and assess online wildlife-trade listings."""
    ctx.obj = AppContext(workspace)
    ctx.call_on_close(ctx.obj.close)


def _add_commands() -> None:
    for area in AREAS:
        for command in area.COMMANDS:
            main.add_command(command)
    main.add_command(measure_cmds.sellers, name="link")  # the same command, the stage's name
    examples.attach(main)


_add_commands()


__all__ = ["main", "pass_context"]
