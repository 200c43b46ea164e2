"""Link and measure commands: ``recapture``, ``sellers``, ``market`` and the ``graph``,
``prices`` and ``volume`` exporters."""

from __future__ import annotations

from pathlib import Path

import click

from wildtrace.cli import main
from wildtrace.cli.base import AppContext, echo_json, pass_context
from wildtrace.cli.export_cmds import register as export_register
from wildtrace.errors import InputError
from wildtrace.workspace import Workspace


@main.command()
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
    histories are the workspace's resolved sellers seen per platform or period (--by).
    """
    from wildtrace.measure.recapture import closed_population, summary, table
    from wildtrace.measure.recapture_classic import extras

    if file is None:
        if by is None:
            raise InputError("give a capture-history FILE, or --by platform|month|week|run "
                             "to use the workspace's sellers")
        from wildtrace.measure.seller_histories import workspace_histories

        data = workspace_histories(app.ws, by)
    else:
        from wildtrace.measure.histories import read_histories

        data = read_histories(file, freq=freq)
    pairs: list[tuple[int, int]] = []
    for spec in interactions:
        a, _, b = spec.partition(":")
        if not (a.isdigit() and b.isdigit()):
            raise InputError(f"--interaction {spec!r} is not I:J", hint="e.g. --interaction 1:3")
        pairs.append((int(a), int(b)))
    ci = want_ci if want_ci is not None else data.t <= 10
    results = closed_population(data, ci=ci, interactions=tuple(pairs))
    doc = summary(data, results)
    classic = extras(data)
    doc["classic"] = classic
    if as_json:
        echo_json(doc)
        return
    click.echo(table(data, results))
    for name, est in classic.items():
        if name == "error":
            click.echo(f"classic estimators not computed: {est}")
        elif isinstance(est, dict) and "abundance" in est:
            click.echo(f"{name:<17}{est['abundance']:>10.1f}{est['stderr']:>8.1f}")


@main.command()
@click.option("--top", default=10, show_default=True, help="How many brokers and "
              "cross-platform sellers to list.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_context
def sellers(app: AppContext, top: int, as_json: bool) -> None:
    """Resolve sellers across listings and platforms (a new link run) and analyse the
    network: components, communities, brokers, cross-platform sellers."""
    from wildtrace.link.graph import analyse, build_graph
    from wildtrace.link.sellers import link_inputs, run_link

    ws = app.ws
    run_id, res, summary = run_link(ws.store, ws.blobs)
    g = build_graph(link_inputs(ws.store, ws.blobs), res.seller_of,
                    [(x.a, x.b, x.kind, x.evidence, x.confidence) for x in res.links])
    doc = {"run_id": run_id, **summary, "network": analyse(g, top=top)}
    if as_json:
        echo_json(doc)
        return
    click.echo(f"link run {run_id}: {summary['listings']} listings, {summary['sellers']} "
               f"sellers ({summary['multi_listing_sellers']} with several listings, "
               f"{summary['cross_platform_sellers']} on several platforms)")
    click.echo("links: " + ", ".join(f"{k} {v}" for k, v in summary["links"].items()))
    net = doc["network"]
    click.echo(f"network: {net['nodes']} nodes, {net['edges']} edges, {net['components']} "
               f"components, {net['communities']} communities")
    for b in net["brokers"]:
        click.echo(f"  broker {b['kind']:<10} {b['label'][:60]:<60} {b['betweenness']:.4f}")


main.add_command(sellers, name="link")  # the same command under the stage's name


@export_register("graph", ("gexf", "graphml", "csv"),
                 "Seller network: accounts and contact identifiers (Gephi: gexf, graphml).")
def _export_graph(ws: Workspace, fmt: str, path: Path) -> int:
    from wildtrace.link.graph import analyse, write_graph
    from wildtrace.link.sellers import workspace_graph

    g = workspace_graph(ws.store, ws.blobs)
    analyse(g)
    return write_graph(g, fmt, path)


@main.command()
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
    """Prices, volume over time and change points (displacement, rebound)."""
    from wildtrace.measure.market import summary
    from wildtrace.measure.rates import currencies

    if currency.upper() not in currencies():
        raise InputError(f"no bundled exchange rates for {currency!r}",
                         hint="known: " + ", ".join(currencies()))
    doc = summary(app.ws, currency, period)
    if plot is not None:
        from wildtrace.measure.plots import save_plot

        plot.parent.mkdir(parents=True, exist_ok=True)
        save_plot(doc, plot, dimension)
    if as_json:
        echo_json(doc)
        return
    click.echo(f"{doc['listings']} listings, {doc['priced']} priced in {doc['currency']}")
    for row in doc["prices_by_taxon"][:10]:
        click.echo(f"  {row['taxon'][:40]:<40} n={row['n']:<5} median {row['median']}")
    for ch in doc["changes"]:
        click.echo(f"  change {ch['dimension']}={ch['key']} at {ch['period']}: "
                   f"{ch['before']} -> {ch['after']} per {period}")
    for note in doc["notes"]:
        click.echo(f"  {note['kind']}: {note['text']}")
    if plot is not None:
        click.echo(f"chart written to {plot}")


def _write_table(rows: list[dict[str, object]], fmt: str, path: Path) -> int:
    import csv

    if fmt == "parquet":
        from wildtrace.extras import require

        pa = require("pyarrow", "market", "Parquet export")
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(rows), path)
        return len(rows)
    with path.open("w", newline="", encoding="utf-8") as fh:
        if rows:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            for r in rows:
                w.writerow({k: ("'" + v if isinstance(v, str) and v[:1] in "=+-@" else v)
                            for k, v in r.items()})
    return len(rows)


@export_register("prices", ("csv", "parquet"),
                 "Listing prices converted to EUR at each year's rate, with taxon and product.")
def _export_prices(ws: Workspace, fmt: str, path: Path) -> int:
    from dataclasses import asdict

    from wildtrace.measure.market import market_rows

    return _write_table([asdict(r) for r in market_rows(ws)], fmt, path)


@export_register("volume", ("csv", "parquet"),
                 "Listings per month by platform, taxon and language, with change points.")
def _export_volume(ws: Workspace, fmt: str, path: Path) -> int:
    from wildtrace.measure.market import summary

    doc = summary(ws)
    vol = doc["volume"]
    periods = vol["all"].get("periods", [])
    starts = {(c["dimension"], c["key"], c["period"]) for c in doc["changes"]}
    rows: list[dict[str, object]] = []
    for dim, series in vol.items():
        for key, counts in series.items():
            if key == "periods":
                continue
            for p, n in zip(periods, counts, strict=True):
                rows.append({"period": p, "dimension": dim, "key": key, "listings": n,
                             "change_point": int((dim, key, p) in starts)})
    return _write_table(rows, fmt, path)
