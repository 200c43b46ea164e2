"""Web commands: ``serve``, ``user add/list/disable/enable/remove``,
``token create/list/revoke`` and ``audit verify``.

Each change to an account is written to the audit log under the operator's name (the
``operator`` setting, else the login name).
"""

from __future__ import annotations

import os
import sys

import click

from wildtrace.app.accounts import (
    TokenInfo,
    disable_user,
    issue_token,
    list_tokens,
    list_users,
    register_user,
    remove_user,
    revoke_token,
)
from wildtrace.app.audit import verify_audit
from wildtrace.cli.base import AppContext, echo_json, pass_context
from wildtrace.errors import InputError
from wildtrace.extras import require


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (keep 127.0.0.1 behind a TLS reverse proxy).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--secure-cookies", type=click.Choice(["auto", "on", "off"]), default="auto",
              show_default=True, help="Secure flag on cookies (auto: when served over https).")
@click.option("--no-tip-capture", is_flag=True,
              help="Store citizen tips without fetching their pages.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes (about one per core); rate limits are then counted "
                   "in Redis or the database, which all of them see.")
@pass_context
def serve(app: AppContext, host: str, port: int, secure_cookies: str,
          no_tip_capture: bool, workers: int) -> None:
    """Run the web app: review queue, cases, dashboards, tips and the API."""
    uvicorn = require("uvicorn", "web", "wildtrace serve")
    from wildtrace.web import SERVE_OPTIONS, WORKER_FACTORY, create_app, serve_options

    root = app.ws.root.resolve()
    click.echo(f"wildtrace serving {root} on http://{host}:{port}/"
               f"{f' with {workers} workers' if workers > 1 else ''}", err=True)
    # Proxy headers are the app's to judge (the trusted_proxies setting): uvicorn's own
    # handling would believe X-Forwarded-For from 127.0.0.1, i.e. from anyone local.
    if workers > 1:
        os.environ[SERVE_OPTIONS] = serve_options(root, not no_tip_capture, secure_cookies)
        app.close()  # each worker opens the workspace itself
        uvicorn.run(WORKER_FACTORY, factory=True,
                    workers=workers, host=host, port=port, log_level="warning",
                    proxy_headers=False, server_header=False)
        return
    application = create_app(app.ws, capture_tips=not no_tip_capture,
                             secure_cookies=secure_cookies)
    uvicorn.run(application, host=host, port=port, log_level="warning",
                proxy_headers=False, server_header=False)


@click.group()
def user() -> None:
    """Manage web users."""


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["admin", "analyst", "viewer"]), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
@pass_context
def user_add(app: AppContext, name: str, role: str, password_stdin: bool) -> None:
    """Create a user (or reset their role and password, ending their sessions and
    tokens)."""
    require("argon2", "web", "user accounts")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    if not password:
        raise InputError("no password given", hint="pipe it in with --password-stdin")
    register_user(app.ws, name, role, password)
    click.echo(f"user {name} ({role}) ready")


@user.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def user_list(app: AppContext, as_json: bool) -> None:
    """List users with their role and whether they are disabled."""
    rows = list_users(app.ws)
    if as_json:
        echo_json([{"name": u.name, "role": u.role, "disabled": d} for u, d in rows])
        return
    for u, disabled in rows:
        click.echo(f"{u.name}\t{u.role}" + ("\tdisabled" if disabled else ""))


@user.command("disable")
@click.argument("name")
@pass_context
def user_disable(app: AppContext, name: str) -> None:
    """Disable user NAME: their sessions and tokens stop working at once."""
    disable_user(app.ws, name)
    click.echo(f"user {name} disabled")


@user.command("enable")
@click.argument("name")
@pass_context
def user_enable(app: AppContext, name: str) -> None:
    """Let a disabled user log in again (their old tokens stay revoked)."""
    disable_user(app.ws, name, disabled=False)
    click.echo(f"user {name} enabled")


@user.command("remove")
@click.argument("name")
@pass_context
def user_remove(app: AppContext, name: str) -> None:
    """Delete user NAME with their sessions and tokens (their audit entries stay)."""
    remove_user(app.ws, name)
    click.echo(f"user {name} removed")


@click.group()
def token() -> None:
    """Manage API tokens."""


@token.command("create")
@click.argument("name")
@click.option("--expires-days", type=click.IntRange(1, 3650), default=None,
              help="Days until the token stops working (default: until revoked).")
@pass_context
def token_create(app: AppContext, name: str, expires_days: int | None) -> None:
    """Print a new API token for user NAME (shown once; only its hash is kept)."""
    require("argon2", "web", "API tokens")
    click.echo(issue_token(app.ws, name, expires_days))


def _token_row(t: TokenInfo) -> dict[str, object]:
    return {"id": t.id, "user": t.user, "prefix": t.prefix, "status": t.status,
            "created_at": t.created_at.isoformat(),
            "expires_at": t.expires_at.isoformat() if t.expires_at else None,
            "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None}


@token.command("list")
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True)
@pass_context
def token_list(app: AppContext, name: str | None, as_json: bool) -> None:
    """List API tokens (of user NAME): id, user, first characters, status, expiry."""
    rows = [_token_row(t) for t in list_tokens(app.ws, name)]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        click.echo(f"{r['id']}\t{r['user']}\t{r['prefix']}…\t{r['status']}\t"
                   f"created {r['created_at']}\texpires {r['expires_at'] or 'never'}")


@token.command("revoke")
@click.argument("token_id", metavar="ID", type=int)
@pass_context
def token_revoke(app: AppContext, token_id: int) -> None:
    """Revoke API token ID (from 'token list'): it answers 401 from now on."""
    info = revoke_token(app.ws, token_id)
    click.echo(f"token {info.id} ({info.prefix}…) of {info.user} revoked")


@click.group()
def audit() -> None:
    """The audit log of who viewed and exported what."""


@audit.command("verify")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def audit_verify(app: AppContext, as_json: bool) -> None:
    """Recompute the audit log's hash chain; exit 1 naming the first broken entry."""
    report = verify_audit(app.ws)
    if as_json:
        echo_json(report.as_dict())
    else:
        for b in report.breaks:
            click.echo(f"FAIL audit entry {b.entry_id}: {b.reason}")
        if report.ok:
            click.echo(f"audit log OK: {report.checked} entries, head {report.head}")
        else:
            click.echo(f"audit log BROKEN from entry {report.breaks[0].entry_id} "
                       f"({len(report.breaks)} problems in {report.checked} entries)")
    if not report.ok:
        raise click.exceptions.Exit(1)


COMMANDS: tuple[click.Command, ...] = (serve, user, token, audit)
