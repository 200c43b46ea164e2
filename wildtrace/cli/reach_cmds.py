"""``wildtrace revisit`` (do adverts come down?) and ``wildtrace venues`` (new venues).

Thin over :mod:`wildtrace.app.revisit`: fetch the adverts due for a revisit (the
``revisit_after`` ages), record gone / changed / still up with the date, and show
takedown persistence per platform; meant for a scheduled job (cron, a systemd timer)
run daily. And over :mod:`wildtrace.app.venues`: list the candidate venues crawled
pages point to, promote one into the watch, dismiss one.
"""

from __future__ import annotations

import click

from wildtrace.cli.base import AppContext, echo_json, pass_context


@click.command()
@click.option("--allow-domain", "allow", multiple=True,
              help="A site that may be at an internal address (as crawl --allow-domain). "
                   "Repeatable.")
@click.option("--limit", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Adverts revisited at most in this run (the rest stay due).")
@click.option("--report", is_flag=True,
              help="Only show takedown persistence per platform; fetch nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_context
def revisit(app: AppContext, allow: tuple[str, ...], limit: int, report: bool,
            as_json: bool) -> None:
    """Fetch the captured adverts that are due again (a day, a week, a month after
    capture: the revisit_after setting) and record whether each is gone (404/410,
    removal notice, redirect to the index or a login), changed (text or price) or still
    up; then show per platform how many came down, how fast, whether they stayed down
    and whether the same seller reposted."""
    from wildtrace.app.revisit import persistence, rebound
    from wildtrace.app.revisit import revisit as run_revisit

    ws = app.ws
    result = None if report else run_revisit(ws, allow=allow, limit=limit)
    table, waves = persistence(ws), rebound(ws)
    if as_json:
        echo_json({**(result.as_dict() if result is not None else {}), "platforms": table,
                   "rebound": waves})
        return
    if result is not None:
        c = result.counts()
        click.echo(f"revisited {len(result.revisits)} of {result.due} due adverts: "
                   f"{c['gone']} gone, {c['changed']} changed, {c['up']} still up, "
                   f"{c['failed']} failed (due again)")
        for r in result.revisits:
            if r.outcome in ("gone", "failed"):
                click.echo(f"  {r.outcome} {r.url}: {r.reason}",
                           err=r.outcome == "failed")
    if not table:
        click.echo("no advert has been revisited yet (they are due revisit_after their "
                   "capture)")
    for p in table:
        days = p["median_days_to_down"]
        click.echo(f"{p['platform']}: {p['revisited']} revisited, {p['gone']} came down "
                   f"({p['takedown_rate']:.0%}"
                   f"{f', median {days} days after capture' if days is not None else ''}), "
                   f"{p['stayed_down']} stayed down, {p['came_back']} came back, "
                   f"{p['reposted']} reposted by the same seller")
    for w in waves:
        after = w["new_per_week_after"]
        ratio = f" (rebound x{w['rebound']})" if w["rebound"] is not None else ""
        click.echo(f"{w['platform']}: {w['removed_in_wave']} adverts came down in the week "
                   f"of {w['wave_week']}; new adverts per week {w['new_per_week_before']} "
                   f"before, {after if after is not None else '(too early)'} after{ratio}")


@click.group(invoke_without_command=True)
@click.option("--new", "state", flag_value="new", default=True,
              help="List the new candidates (the default).")
@click.option("--promoted", "state", flag_value="promoted", help="List the promoted ones.")
@click.option("--dismissed", "state", flag_value="dismissed", help="List the dismissed ones.")
@click.option("--kind", default=None,
              help="Only candidates of this kind: telegram, whatsapp, whatsapp-contact, "
                   "wechat, line, zalo, facebook-group, website.")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the candidates as JSON.")
@pass_context
@click.pass_context
def venues(ctx: click.Context, app: AppContext, state: str, kind: str | None, limit: int,
           as_json: bool) -> None:
    """Candidate venues: sites, Telegram channels, WhatsApp/LINE/Zalo groups, WeChat
    IDs and Facebook groups that crawled pages point to outside the crawl, with how
    often, how relevant the pointing pages were, language and first/last seen. Promote
    one into the watch ('crawl --venues' crawls the promoted ones) or dismiss it."""
    if ctx.invoked_subcommand is not None:
        return
    from wildtrace.app.audit import cli_user
    from wildtrace.app.venues import candidate_venues

    ws = app.ws
    found = candidate_venues(ws, cli_user(ws), state=state, kind=kind, limit=limit)
    if as_json:
        echo_json({"state": found.state, "counts": found.counts,
                   "candidates": [c.as_dict() for c in found.candidates]})
        return
    if not found.candidates:
        click.echo(f"no {state} candidate venues ({found.counts['new']} new, "
                   f"{found.counts['promoted']} promoted, {found.counts['dismissed']} "
                   "dismissed)")
        return
    for c in found.candidates:
        click.echo(f"{c.id:>5}  {c.kind:<16} {c.key[:60]:<60} {c.mentions:>4} pages "
                   f"({c.relevant} relevant, mean relevance {c.relevance:.2f})  "
                   f"{c.language or '-':<3} {c.first_seen:%Y-%m-%d}..{c.last_seen:%Y-%m-%d}")


def _decide(app: AppContext, candidate_id: int, decision: str, as_json: bool) -> None:
    from wildtrace.app.audit import cli_user
    from wildtrace.app.venues import crawlable_url, decide_venue

    ws = app.ws
    done = decide_venue(ws, candidate_id, decision, cli_user(ws))
    if as_json:
        echo_json(done.as_dict())
        return
    click.echo(f"{done.state} {done.kind} {done.key}")
    if decision == "promote":
        url = crawlable_url(done)
        click.echo(f"crawled by 'wildtrace crawl --venues' from {url}" if url else
                   "no public page to crawl: kept on the watch list to follow up by hand")


@venues.command("promote")
@click.argument("candidate_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@pass_context
def promote(app: AppContext, candidate_id: int, as_json: bool) -> None:
    """Promote candidate CANDIDATE_ID into the watch."""
    _decide(app, candidate_id, "promote", as_json)


@venues.command("dismiss")
@click.argument("candidate_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@pass_context
def dismiss(app: AppContext, candidate_id: int, as_json: bool) -> None:
    """Dismiss candidate CANDIDATE_ID (it keeps counting, but no longer shows as new)."""
    _decide(app, candidate_id, "dismiss", as_json)


COMMANDS = [revisit, venues]
