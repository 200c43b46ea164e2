"""Web commands: ``serve``, ``user add`` and ``token create``."""

from __future__ import annotations

import sys

import click

from wildtrace.app.accounts import issue_token, register_user
from wildtrace.cli.base import AppContext, pass_context
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
@pass_context
def serve(app: AppContext, host: str, port: int, secure_cookies: str,
          no_tip_capture: bool) -> None:
    """Run the web app: review queue, cases, dashboards, tips and the API."""
    uvicorn = require("uvicorn", "web", "wildtrace serve")
    from wildtrace.web import create_app

    application = create_app(app.ws, capture_tips=not no_tip_capture,
                             secure_cookies=secure_cookies)
    click.echo(f"wildtrace serving {app.ws.root.resolve()} on http://{host}:{port}/",
               err=True)
    uvicorn.run(application, host=host, port=port, log_level="warning",
                proxy_headers=True, server_header=False)


@click.group()
def user() -> None:
    """Manage web users."""


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["admin", "analyst", "viewer"]), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
@pass_context
def user_add(app: AppContext, name: str, role: str, password_stdin: bool) -> None:
    """Create a user (or reset their role and password)."""
    require("argon2", "web", "user accounts")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    if not password:
        raise InputError("no password given", hint="pipe it in with --password-stdin")
    register_user(app.ws, name, role, password)
    click.echo(f"user {name} ({role}) ready")


@click.group()
def token() -> None:
    """Manage API tokens."""


@token.command("create")
@click.argument("name")
@pass_context
def token_create(app: AppContext, name: str) -> None:
    """Print a new API token for user NAME (shown once; only its hash is kept)."""
    require("argon2", "web", "API tokens")
    click.echo(issue_token(app.ws, name))


COMMANDS: tuple[click.Command, ...] = (serve, user, token)
