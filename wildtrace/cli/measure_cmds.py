"""Link and measure commands: ``recapture``, ``sellers`` (also ``link``) and ``market``."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import click

from wildtrace.cli.base import AppContext, echo_json, pass_context
from wildtrace.errors import InputError


def _pairs(specs: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    pairs: list[tuple[int, int]] = []
    for spec in specs:
        a, _, b = spec.partition(":")
        if not (a.isdigit() and b.isdigit()):
            raise InputError(f"--interaction {spec!r} is not I:J", hint="e.g. --interaction 1:3")
        pairs.append((int(a), int(b)))
    return tuple(pairs)


@click.command()
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--freq", is_flag=True,
              help="The last column counts the individuals sharing each row.")
@click.option("--by", "by", type=click.Choice(["platform", "month", "week", "run"]),
              default=None, help="Without FILE: occasions of the workspace's resolved sellers.")
@click.option("--ci/--no-ci", "want_ci", default=None,
              help="Profile-likelihood 95 percent intervals (default: on up to 10 occasions, where "
                   "they take seconds; beyond, pass --ci and expect minutes).")
@click.option("--interaction", "interactions", multiple=True, metavar="I:J",
              help="Dependence between occasions (lists) I and J, added to Mt and Mth. "
                   "Repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_context
def recapture(app: AppContext, file: Path | None, freq: bool, by: str | None,
              want_ci: bool | None, interactions: tuple[str, ...], as_json: bool) -> None:
    """Estimate how many individuals (sellers) exist from capture histories.

    FILE has one row per individual and one 0/1 column per occasion. Without FILE the
    histories are the workspace's sellers, as the newest link run resolved them, seen
    per platform or period (--by).
    """
    from wildtrace.app import recapture as rc

    if file is None and by is None:
        raise InputError("give a capture-history FILE, or --by platform|month|week|run "
                         "to use the workspace's sellers")
    pairs = _pairs(interactions)
    if file is None:
        assert by is not None
        result = rc.from_workspace(app.ws, by, ci=want_ci, interactions=pairs)
    else:
        result = rc.from_file(file, freq=freq, ci=want_ci, interactions=pairs)
    if as_json:
        echo_json(result.as_dict())
        return
    click.echo(_recapture_table(result))


def _number(x: float | None, digits: int = 1) -> str:
    if x is None:
        return ""
    return "inf" if math.isinf(x) else f"{x:,.{digits}f}"


def _recapture_table(result: Any) -> str:
    """The models and classic estimators in columns as wide as their widest value, a
    space between columns (``schnabel 448815.0179526.0`` ran two numbers together), and
    ``*`` on the model with the lowest AIC, the one to report."""
    fitted = [r for r in result.results if not r.error and r.aic is not None
              and math.isfinite(r.aic)]
    best = min(fitted, key=lambda r: r.aic).model if fitted else None
    head = ("model", "abundance", "stderr", "deviance", "df", "AIC", "95% CI")
    rows: list[tuple[str, ...]] = []
    notes: list[str] = []
    for r in result.results:
        if r.error:
            notes.append(f"{r.model}: not fitted: {r.error}")
            continue
        ci = f"{_number(r.ci_low)}–{_number(r.ci_high)}" if r.ci_low is not None else ""
        rows.append((r.model + (" *" if r.model == best else ""), _number(r.abundance),
                     _number(r.stderr), _number(r.deviance, 3), str(r.df),
                     _number(r.aic, 3), ci))
    for name, est in result.classic.items():
        if name == "error":
            notes.append(f"classic estimators not computed: {est}")
        elif isinstance(est, dict) and "abundance" in est:
            rows.append((name, _number(est["abundance"]), _number(est.get("stderr")),
                         "", "", "", ""))
    widths = [max(len(row[i]) for row in [head, *rows]) for i in range(len(head))]

    def line(cells: tuple[str, ...]) -> str:
        first = cells[0].ljust(widths[0])
        return "  ".join([first, *(c.rjust(w) for c, w in zip(cells[1:], widths[1:],
                                                                strict=True))]).rstrip()

    data = result.data
    out = [f"Number of captured units: {data.n} ({data.t} occasions)", "", line(head),
           *(line(r) for r in rows)]
    if best is not None:
        out += ["", f"* lowest AIC: {best}, the model to report"]
    return "\n".join(out + notes)


@click.command()
@click.option("--top", default=10, show_default=True, help="How many brokers and "
              "cross-platform sellers to list.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_context
def sellers(app: AppContext, top: int, as_json: bool) -> None:
    """Resolve sellers across listings and platforms (a new link run) and analyse the
    network: components, communities, brokers, cross-platform sellers."""
    from wildtrace.app.sellers import resolve

    result = resolve(app.ws, top=top)
    if as_json:
        echo_json(result.as_dict())
        return
    s = result.summary
    click.echo(f"link run {result.run_id}: {s['listings']} listings, {s['sellers']} "
               f"sellers ({s['multi_listing_sellers']} with several listings, "
               f"{s['cross_platform_sellers']} on several platforms)")
    click.echo("links: " + ", ".join(f"{k} {v}" for k, v in s["links"].items()))
    net = result.network
    click.echo(f"network: {net['nodes']} nodes, {net['edges']} edges, {net['components']} "
               f"components, {net['communities']} communities")
    for b in net["brokers"]:
        click.echo(f"  broker {b['kind']:<10} {b['label'][:60]:<60} {b['betweenness']:.4f}")


@click.command()
@click.option("--currency", default="EUR", show_default=True,
              help="Currency prices are converted to (bundled dated rates).")
@click.option("--period", type=click.Choice(["month", "week"]), default="month",
              show_default=True)
@click.option("--plot", "plot", type=click.Path(path_type=Path, dir_okay=False),
              default=None, help="Also draw the volume chart to this .png or .svg file.")
@click.option("--by", "dimension", type=click.Choice(["platform", "taxon", "language"]),
              default="platform", show_default=True, help="Series drawn by --plot.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_context
def market(app: AppContext, currency: str, period: str, plot: Path | None, dimension: str,
           as_json: bool) -> None:
    """Prices, volume over time and change points (displacement, rebound).

    Prices are converted to one currency at the posting year's rate; those in a
    currency without a bundled rate are listed apart. Listings without a posting date
    are counted but left out of the volume series and charts.

    \b
    Examples:
      wildtrace market --currency USD
      wildtrace market --period week --plot volume.svg --by taxon
    """
    from wildtrace import numbers
    from wildtrace.app.market import market_summary, write_plot

    summary = market_summary(app.ws.store, currency, period)
    if plot is not None:
        write_plot(summary, plot, dimension)
    if as_json:
        echo_json(summary.as_dict())
        return
    cur = summary.currency
    click.echo(f"{numbers.count(summary.listings)} listings: {numbers.count(summary.dated)} "
               f"dated, {numbers.count(summary.undated)} without a posting date (not in "
               "the volume series)")
    click.echo(f"{numbers.count(summary.priced)} prices converted to {cur}; "
               f"{numbers.count(summary.unconverted)} could not be")
    for row in summary.prices_by_taxon[:10]:
        spread = (f"{numbers.amount(row['min'])}–{numbers.amount(row['max'])}"
                  if row["n"] > 1 else "")
        click.echo(f"  {row['taxon'][:40]:<40} n={numbers.count(row['n']):<6} median "
                   f"{numbers.money(row['median'], cur):<16} {spread}".rstrip())
    for row in summary.unconverted_by:
        click.echo(f"  not converted: {numbers.count(row['n'])} in {row['currency']}, median "
                   f"{numbers.money(row['median'], row['currency'])}")
    for ch in summary.changes:
        click.echo(f"  change {ch.dimension}={ch.key} at {ch.period}: "
                   f"{numbers.amount(ch.before)} -> {numbers.amount(ch.after)} per {period}")
    for note in summary.notes:
        click.echo(f"  {note['kind']}: {note['text']}")
    if plot is not None:
        click.echo(f"chart written to {plot}")


COMMANDS: tuple[click.Command, ...] = (recapture, sellers, market)
