"""``wildtrace revisit``: do adverts come down?

Thin over :mod:`wildtrace.app.revisit`: fetch the adverts due for a revisit (the
``revisit_after`` ages), record gone / changed / still up with the date, and show
takedown persistence per platform. Meant for a scheduled job (cron, a systemd timer)
run daily.
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
    from wildtrace.app.revisit import persistence
    from wildtrace.app.revisit import revisit as run_revisit

    ws = app.ws
    result = None if report else run_revisit(ws, allow=allow, limit=limit)
    table = persistence(ws)
    if as_json:
        echo_json({**(result.as_dict() if result is not None else {}), "platforms": table})
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
    for p in table:
        days = p["median_days_to_down"]
        click.echo(f"{p['platform']}: {p['revisited']} revisited, {p['gone']} came down "
                   f"({p['takedown_rate']:.0%}"
                   f"{f', median {days} days after capture' if days is not None else ''}), "
                   f"{p['stayed_down']} stayed down, {p['came_back']} came back, "
                   f"{p['reposted']} reposted by the same seller")


COMMANDS = [revisit]
