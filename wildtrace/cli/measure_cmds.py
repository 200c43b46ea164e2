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
@click.option("--no-ci", is_flag=True, help="Skip profile-likelihood intervals (faster).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_context
def recapture(app: AppContext, file: Path | None, freq: bool, by: str | None, no_ci: bool,
              as_json: bool) -> None:
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
    results = closed_population(data, ci=not no_ci)
    doc = summary(data, results)
    doc["classic"] = extras(data)
    if as_json:
        echo_json(doc)
        return
    click.echo(table(data, results))
    for name, est in doc["classic"].items():
        if isinstance(est, dict) and "abundance" in est:
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


@export_register("graph", ("gexf", "graphml", "csv"),
                 "Seller network: accounts and contact identifiers (Gephi: gexf, graphml).")
def _export_graph(ws: Workspace, fmt: str, path: Path) -> int:
    from wildtrace.link.graph import analyse, write_graph
    from wildtrace.link.sellers import workspace_graph

    g = workspace_graph(ws.store, ws.blobs)
    analyse(g)
    return write_graph(g, fmt, path)
