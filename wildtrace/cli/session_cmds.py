"""``wildtrace session``: the analyst's own logged-in sessions, per site.

Thin over :mod:`wildtrace.app.sessions`: import a cookie file (Netscape cookies.txt or
a Playwright storage state) for a site under the analyst's account name, list the
sessions and which are paused (and why), renew a paused one, or forget one.
"""

from __future__ import annotations

from pathlib import Path

import click

from wildtrace.cli.base import AppContext, echo_json, pass_context

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_FORMAT = click.Choice(["cookies.txt", "storage-state"])


@click.group()
def session() -> None:
    """Logged-in collection with the analyst's own accounts (see README, "Logged-in
    collection"): cookies are sealed in the workspace and never exported."""


def _show(info: dict[str, object], as_json: bool, verb: str) -> None:
    if as_json:
        echo_json(info)
        return
    click.echo(f"{verb} session for {info['site']} as {info['account']}: "
               f"{info['cookies']} cookies ({info['format']})"
               + (f", expiring {info['expires_at']}" if info.get("expires_at") else ""))
    if info.get("note"):
        click.echo(f"  {info['note']}")


@session.command("import")
@click.argument("site")
@click.argument("file", type=_FILE)
@click.option("--account", required=True,
              help="Your account on the site the cookies are of (recorded with every "
                   "capture made with them).")
@click.option("--format", "fmt", type=_FORMAT, default=None,
              help="Cookie file format (default: detected).")
@click.option("--json", "as_json", is_flag=True, help="Print the session as JSON.")
@pass_context
def session_import(app: AppContext, site: str, file: Path, account: str, fmt: str | None,
                   as_json: bool) -> None:
    """Store the cookies of SITE from FILE (only that site's cookies are kept)."""
    from wildtrace.app.sessions import import_session

    info = import_session(app.ws, site, file, account, fmt=fmt or "")
    _show(info.as_dict(), as_json, "stored")


@session.command("renew")
@click.argument("site")
@click.argument("file", type=_FILE)
@click.option("--account", default="", help="Account name, if it changed.")
@click.option("--format", "fmt", type=_FORMAT, default=None,
              help="Cookie file format (default: detected).")
@click.option("--json", "as_json", is_flag=True, help="Print the session as JSON.")
@pass_context
def session_renew(app: AppContext, site: str, file: Path, account: str, fmt: str | None,
                  as_json: bool) -> None:
    """Replace SITE's session with fresh cookies from FILE and resume its crawl."""
    from wildtrace.app.sessions import import_session

    info = import_session(app.ws, site, file, account, fmt=fmt or "", renew=True)
    _show(info.as_dict(), as_json, "renewed")


@session.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the sessions as JSON.")
@pass_context
def session_list(app: AppContext, as_json: bool) -> None:
    """List stored sessions: site, account, state (a paused one says why)."""
    from wildtrace.app.sessions import list_sessions

    rows = list_sessions(app.ws)
    if as_json:
        echo_json([r.as_dict() for r in rows])
        return
    if not rows:
        click.echo("no sessions stored (wildtrace session import SITE FILE --account NAME)")
    for r in rows:
        click.echo(f"{r.site}  {r.state:<6}  as {r.account}  {r.cookies} cookies  "
                   f"{r.pages} pages  imported {r.imported_at}"
                   + (f"  expires {r.expires_at}" if r.expires_at else ""))
        if r.state == "paused":
            click.echo(f"  paused: {r.reason}")
            click.echo(f"  renew: wildtrace session renew {r.site} FILE")


@session.command("forget")
@click.argument("site")
@pass_context
def session_forget(app: AppContext, site: str) -> None:
    """Delete SITE's stored session."""
    from wildtrace.app.sessions import forget_session

    click.echo("forgotten" if forget_session(app.ws, site) else f"no session for {site}")


COMMANDS = [session]
