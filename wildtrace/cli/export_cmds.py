"""``wildtrace export KIND [--format FORMAT] -o PATH``: one command, every kind of the
export registry (:mod:`wildtrace.act.exports`, reached through :mod:`wildtrace.app`).

As in Datasette and Scrapy's feed exports, the format follows from the file's extension
(``-o sellers.gexf``), ``-o -`` writes to standard output for a pipe, and the command says
what it wrote in words (``37 nodes, 7 edges``) on stderr, so stdout stays the file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from wildtrace.app.output import is_stream
from wildtrace.cli.base import AppContext, pass_context
from wildtrace.cli.progress import Progress

EXAMPLES = """\b
Examples:
  wildtrace export listings -o listings.csv
  wildtrace export graph -o sellers.gexf       # open in Gephi
  wildtrace export listings --format jsonl -o - | jq .title
"""


@click.command(epilog=EXAMPLES)
@click.argument("kind")
@click.option("--format", "fmt", default=None,
              help="Output format; default: from the extension of -o (.jsonl, .csv, "
                   ".parquet, .gexf, .graphml, .wacz).")
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path),
              help="File to write, or - for standard output.")
@pass_context
def export(app: AppContext, kind: str, fmt: str | None, output: Path) -> None:
    """Export KIND (listings, venues, evidence, graph, prices, volume) to a file.

    \b
    listings  jsonl, csv             every listing with its latest assessment
    venues    csv, jsonl             domains met while crawling
    evidence  wacz                   WARCs, index, pages and custody log
    graph     gexf, graphml, csv     the seller network (csv: edges and nodes files)
    prices    csv, parquet           prices converted to EUR, with taxon and product
    volume    csv, parquet           listings per month by platform, taxon, language
    """
    from wildtrace.app import exports

    chosen = exports.infer_format(kind, fmt, output)
    exports.check(kind, chosen)  # before the workspace is opened, as a typo needs none
    # Gathering the seller graph or a big listing table takes a while: say it is alive.
    with Progress(f"exporting {kind}", None):
        result = exports.export(app.ws, kind, chosen, output, stdout=sys.stdout.buffer)
    where = "standard output" if str(output) == "-" else str(output)
    # Written into a stream, the file is on stdout: the summary must not join it.
    click.echo(f"wrote {result.summary} ({chosen}) to {where}", err=is_stream(output))


COMMANDS: tuple[click.Command, ...] = (export,)
