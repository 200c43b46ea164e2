"""``wildtrace profile test``: what a site profile extracts from a saved page
(:mod:`wildtrace.app.profiles`)."""

from __future__ import annotations

from pathlib import Path

import click

from wildtrace.cli.base import AppContext, echo_json, pass_context


@click.group("profile")
def profile() -> None:
    """Site profiles: per-site selectors kept as data (TOML)."""


@profile.command("test")
@click.argument("name")
@click.argument("page", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--url", default="", metavar="URL",
              help="The address the page was saved from (default: the profile's first "
                   "domain); decides which URLs count as listings.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_context
def test_cmd(app: AppContext, name: str, page: Path, url: str, as_json: bool) -> None:
    """Show what the profile NAME (a profile's name, or a path to its .toml) extracts
    from PAGE, a saved HTML page: each field with the rule that filled it, selectors
    that found nothing, the page kind, and each post of a page of posts."""
    from wildtrace.app.profiles import profile_test

    result = profile_test(name, page, url, app.workspace_dir)
    if as_json:
        echo_json(result.as_dict())
        return
    fit = "fits" if result.fits else "does NOT fit (shown as if it did)"
    click.echo(f"profile {result.profile} ({result.path}) {fit} {result.url}")
    click.echo(f"page kind: {result.kind} ({result.kind_reason}); listing: "
               f"{'yes' if result.is_listing else 'no'} ({result.reason})")
    for key, got in result.fields.items():
        value = str(got["value"])
        click.echo(f"  {key:14} {value[:100]!s:100}  [{got['rule']}]")
    if result.empty:
        click.echo("selectors that found nothing: " + ", ".join(result.empty))
    for i, post in enumerate(result.posts, 1):
        f = post["fields"]
        click.echo(f"post {i}: {f.get('seller', '')} {f.get('posted', '')} "
                   f"price={f.get('price', '')} {f.get('currency', '')} "
                   f"{f.get('item_url', '')}")
        click.echo(f"    {post['text'][:120]}")
        for ident in post["identifiers"]:
            click.echo(f"    {ident['kind']}: {ident['value']}")
    if not result.posts:
        for ident in result.identifiers:
            click.echo(f"  {ident['kind']}: {ident['value']}")


COMMANDS = [profile]
