"""Anticipate and share: ``terms``, ``rising``, ``alerts``, ``watch`` and ``intel``.

Thin over :mod:`wildtrace.app.emerging`, :mod:`wildtrace.app.alerts`,
:mod:`wildtrace.app.watch` and :mod:`wildtrace.app.intel`.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

import click

from wildtrace.cli.base import AppContext, echo_json, pass_context
from wildtrace.errors import InputError


def _user(app: AppContext) -> str:
    from wildtrace.app.audit import cli_user

    return cli_user(app.ws)


# ------------------------------------------------------------------------------ terms

@click.group()
def terms() -> None:
    """Candidate code words from confirmed and high-risk listings; accept or reject."""


@terms.command("suggest")
@click.option("--limit", default=30, show_default=True, help="How many candidates.")
@click.option("--json", "as_json", is_flag=True, help="Print the candidates as JSON.")
@pass_context
def terms_suggest(app: AppContext, limit: int, as_json: bool) -> None:
    """Propose terms over-represented in confirmed/high-risk listings, with evidence."""
    from wildtrace.app.emerging import suggest_terms

    found = suggest_terms(app.ws, limit=limit)
    if as_json:
        echo_json([asdict(c) for c in found])
        return
    if not found:
        click.echo("no candidates: confirm listings in the review queue, or process more")
        return
    click.echo(f"{'term':<28} {'score':>6} {'fg':>4} {'bg':>4} {'sell':>4} {'burst':>6} "
               f"{'with known':>10}  first seen  evidence")
    for c in found:
        seen = c.first_seen.date().isoformat() if c.first_seen else "-"
        click.echo(f"{c.term[:28]:<28} {c.score:>6.2f} {c.foreground:>4} {c.background:>4} "
                   f"{c.sellers:>4} {c.burst_z:>6.2f} {c.cooccurrence:>10.0%}  {seen:<10}  "
                   + ",".join(map(str, c.evidence[:5])))


@terms.command("accept")
@click.argument("term")
@click.option("--taxon", required=True, help="Scientific name it stands for (Elephantidae).")
@click.option("--kind", type=click.Choice(["code_word", "product", "name"]),
              default="code_word", show_default=True)
@click.option("--lang", default="", help="Language code of the term (vi, zh...).")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def terms_accept(app: AppContext, term: str, taxon: str, kind: str, lang: str,
                 as_json: bool) -> None:
    """Add TERM to the workspace lexicon; the next process matches it."""
    from wildtrace.app.emerging import accept_term

    done = accept_term(app.ws, term, taxon, _user(app), kind=kind, lang=lang)
    if as_json:
        echo_json(asdict(done))
        return
    click.echo(f"accepted {done.term!r} as a {done.kind} for {done.taxon} into {done.lexicon}"
               f" (evidence: {len(done.evidence)} listings); run wildtrace process to "
               "apply it")


@terms.command("reject")
@click.argument("term")
@click.option("--note", default="", help="Why (kept with the decision).")
@pass_context
def terms_reject(app: AppContext, term: str, note: str) -> None:
    """Remember that TERM is not a code word; it is not proposed again."""
    from wildtrace.app.emerging import reject_term

    done = reject_term(app.ws, term, _user(app), note)
    click.echo(f"rejected {done.term!r}")


@terms.command("decisions")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def terms_decisions(app: AppContext, as_json: bool) -> None:
    """Every accepted and rejected term, with who and when."""
    from wildtrace.app.emerging import decisions

    rows = decisions(app.ws)
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        click.echo(f"{r['status']:<9} {r['term']:<30} {r['taxon'] or '-':<24} "
                   f"{r['decided_by']} {r['decided_at']:%Y-%m-%d}")


# ------------------------------------------------------------------------------ rising

@click.command()
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD",
              help="The last day of the period looked at (default: the newest listing's).")
@click.option("--days", "period_days", default=7, show_default=True,
              help="Length of a period.")
@click.option("--baseline", default=8, show_default=True, help="Periods of history.")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def rising(app: AppContext, as_of: str | None, period_days: int, baseline: int,
           as_json: bool) -> None:
    """Taxa, product terms and venues above their own baseline, per platform and language."""
    from wildtrace.app.emerging import what_is_rising

    try:
        today = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise InputError(f"--as-of {as_of!r} is not YYYY-MM-DD") from None
    found = what_is_rising(app.ws, today=today, period_days=period_days, baseline=baseline)
    if as_json:
        echo_json([asdict(r) for r in found])
        return
    if not found:
        click.echo("nothing above its baseline")
    for r in found:
        click.echo(f"{r.kind:<8} {r.key[:30]:<30} {r.platform[:24]:<24} {r.language or '-':<4} "
                   f"seen {r.seen:>4}  expected {r.expected:>6.1f}  z {r.z:>5.1f}"
                   + ("  step up" if r.step_up else ""))


# ------------------------------------------------------------------------------ alerts

@click.group()
def alerts() -> None:
    """Alert rules delivered by e-mail or webhook, rate-limited, with unsubscribe."""


@alerts.command("add")
@click.argument("name")
@click.option("--rule", type=click.Choice(["appendix_i", "seller_new_platform", "burst",
                                           "reposted", "repeated_text"]), required=True)
@click.option("--email", "email", default=None, help="Deliver to this address.")
@click.option("--webhook", "webhook", default=None, help="POST JSON to this URL.")
@click.option("--taxon", "taxa", multiple=True, help="Only these taxa (repeatable).")
@click.option("--platform", "platforms", multiple=True, help="Only these platforms.")
@click.option("--min-interval", "min_interval", default=3600, show_default=True,
              help="Seconds between two messages.")
@click.option("--max-per-day", default=24, show_default=True)
@click.option("--include-history", is_flag=True,
              help="Also alert on listings stored before now.")
@pass_context
def alerts_add(app: AppContext, name: str, rule: str, email: str | None,
               webhook: str | None, taxa: tuple[str, ...], platforms: tuple[str, ...],
               min_interval: int, max_per_day: int, include_history: bool) -> None:
    """Subscribe an address or a webhook to a rule."""
    from wildtrace.app.alerts import subscribe

    if bool(email) == bool(webhook):
        raise InputError("give one of --email or --webhook")
    params: dict[str, Any] = {}
    if taxa:
        params["taxa"] = list(taxa)
    if platforms:
        params["platforms"] = list(platforms)
    sub_id, token = subscribe(app.ws, _user(app), name=name, rule=rule,
                              channel="email" if email else "webhook",
                              target=str(email or webhook), min_interval_s=min_interval,
                              max_per_day=max_per_day, params=params,
                              from_now=not include_history)
    click.echo(f"alert {sub_id} created; unsubscribe token: {token}")


@alerts.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def alerts_list(app: AppContext, as_json: bool) -> None:
    """The subscriptions."""
    from wildtrace.app.alerts import subscriptions

    rows = subscriptions(app.ws)
    if as_json:
        echo_json(rows)
        return
    for s in rows:
        state = "active" if s["active"] else "stopped"
        click.echo(f"{s['id']:>4} {state:<8} {s['rule']:<20} {s['channel']:<8} "
                   f"{s['target']}  ({s['name']})")


@alerts.command("run")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def alerts_run(app: AppContext, as_json: bool) -> None:
    """Run every active subscription now (watch run does this after each crawl)."""
    from wildtrace.app.alerts import run_alerts

    done = run_alerts(app.ws)
    if as_json:
        echo_json([vars(r) for r in done])
        return
    for r in done:
        click.echo(f"{r.id:>4} {r.name[:30]:<30} new {r.new_events}, sent {r.sent}, "
                   f"held {r.held}, failed {r.failed}" + (f": {r.error}" if r.error else ""))


@alerts.command("unsubscribe")
@click.argument("token")
@pass_context
def alerts_unsubscribe(app: AppContext, token: str) -> None:
    """Stop the subscription of TOKEN."""
    from wildtrace.app.alerts import unsubscribe

    if not unsubscribe(app.ws, token, _user(app)):
        raise InputError("no subscription has that token")
    click.echo("unsubscribed")


# ------------------------------------------------------------------------------ watch

@click.group()
def watch() -> None:
    """Scheduled runs: crawl, process, alert, record a baseline."""


@watch.command("run")
@click.argument("watch_file", required=False,
                type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--name", default="", help="Name in the history (default: the file's stem).")
@click.option("--max-pages", type=int, default=None)
@click.option("--no-crawl", is_flag=True, help="Process and alert only (imported data).")
@click.option("--no-alerts", is_flag=True)
@click.option("--every", "interval", default="1d", show_default=True,
              help="How often the run is scheduled (30m, 6h, 1d): how missed runs are told.")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def watch_run(app: AppContext, watch_file: Path | None, name: str, max_pages: int | None,
              no_crawl: bool, no_alerts: bool, interval: str, as_json: bool) -> None:
    """Run WATCH_FILE once (what the systemd timer or cron line calls)."""
    from wildtrace.app.watch import run_watch

    done = run_watch(app.ws, watch_file, name=name, max_pages=max_pages,
                     crawl_first=not no_crawl, alerts=not no_alerts,
                     interval_s=_seconds(interval))
    if as_json:
        echo_json(asdict(done))
        return
    b = done.detail.get("baseline", {})
    click.echo(f"watch {done.watch}: run {done.id} ok; {b.get('new', 0)} new listings, "
               f"{b.get('new_relevant', 0)} relevant, {b.get('new_appendix_i', 0)} Appendix I")


def _seconds(text: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    t = text.strip().lower()
    if len(t) < 2 or t[-1] not in units or not t[:-1].isdigit() or int(t[:-1]) <= 0:
        raise InputError(f"--every {text!r} is not like 30m, 6h or 1d")
    return int(t[:-1]) * units[t[-1]]


@watch.command("history")
@click.option("--name", default=None)
@click.option("--limit", default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_context
def watch_history(app: AppContext, name: str | None, limit: int, as_json: bool) -> None:
    """Recent runs with their status, and each watch's missed runs."""
    from wildtrace.app.watch import health, history

    runs = history(app.ws, name, limit)
    checks = health(app.ws)
    if as_json:
        echo_json({"runs": runs, "health": [asdict(h) for h in checks]})
        return
    for h in checks:
        click.echo(f"{h.watch}: {h.runs} runs, {h.ok} ok, {h.failed} failed, {h.missed} "
                   f"missed{', OVERDUE' if h.overdue else ''}; last {h.last_status}")
    for r in runs:
        started = f"{r['started_at']:%Y-%m-%d %H:%M}"
        click.echo(f"  {r['id']:>4} {r['watch']:<20} {r['status']:<8} {started} "
                   f"{r['error'][:80]}")


# ------------------------------------------------------------------------------ intel

@click.group()
def intel() -> None:
    """Share intelligence: STIX 2.1 bundles and MISP events, out and in."""


@intel.command("export")
@click.option("--case", "case_id", type=int, default=None, help="The case to export.")
@click.option("--listing", "listings", type=int, multiple=True,
              help="Or these listings (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["stix", "misp"]), required=True)
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              required=True, help="The file to write (- for standard output).")
@pass_context
def intel_export(app: AppContext, case_id: int | None, listings: tuple[int, ...], fmt: str,
                 output: Path) -> None:
    """Export a case or listings as STIX 2.1 or MISP (audited)."""
    from wildtrace.app.intel import export_intel

    text, package = export_intel(app.ws, _user(app), fmt, case_id=case_id,
                                 listing_ids=listings)
    if str(output) == "-":
        click.echo(text)
        return
    output.write_text(text, encoding="utf-8")
    n_ids = sum(len(x.identifiers) for x in package.listings)
    click.echo(f"wrote {output}: {len(package.listings)} listings, {n_ids} identifiers "
               f"({fmt})", err=True)


@intel.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--format", "fmt", type=click.Choice(["auto", "stix", "misp"]), default="auto",
              show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_context
def intel_import(app: AppContext, file: Path, fmt: str, as_json: bool) -> None:
    """Import another team's STIX bundle or MISP event as listings (audited)."""
    from wildtrace.app.intel import import_intel

    done = import_intel(app.ws, _user(app), file, fmt)
    if as_json:
        click.echo(json.dumps(done.as_dict()))
        return
    click.echo(f"imported {done.imported} listings from {done.producer} ({done.format}), "
               f"{done.duplicates} already here; {done.identifiers} identifiers kept, "
               f"{done.dropped_identifiers} invalid ones dropped"
               + (f", {done.dropped_urls} non-http(s) advert URLs dropped"
                  if done.dropped_urls else "") + "; run wildtrace process")


COMMANDS: tuple[click.Command, ...] = (terms, rising, alerts, watch, intel)
