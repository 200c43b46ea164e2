"""The export registry: every kind of file ``wildtrace export`` and ``/api/exports`` write.

A kind maps to the formats it can write, one line of help, and its writer. A writer takes
the rows of its kind and a path, and returns how many things it wrote; it knows neither
the workspace nor the command line, so the CLI and the web app reach the same writers
through :mod:`wildtrace.app.exports`, which gathers the rows. One module per writer:

========  ==================  ===============================================
kind      formats             writer
========  ==================  ===============================================
listings  jsonl, csv          :mod:`wildtrace.act.exports.listings`
venues    csv, jsonl          :mod:`wildtrace.act.exports.venues`
evidence  wacz                :mod:`wildtrace.act.exports.evidence`
graph     gexf, graphml, csv  :mod:`wildtrace.act.exports.graph`
prices    csv, parquet        :mod:`wildtrace.act.exports.prices`
volume    csv, parquet        :mod:`wildtrace.act.exports.volume`
========  ==================  ===============================================
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from wildtrace.act.exports.evidence import EvidenceArchive, write_evidence
from wildtrace.act.exports.graph import write_graph
from wildtrace.act.exports.listings import write_listings
from wildtrace.act.exports.prices import write_prices
from wildtrace.act.exports.venues import write_venues
from wildtrace.act.exports.volume import write_volume
from wildtrace.errors import InputError
from wildtrace.measure.market import MarketRow, MarketSummary
from wildtrace.records import Venue

if TYPE_CHECKING:
    import networkx as nx

T = TypeVar("T")

MEDIA_TYPES = {
    "jsonl": "application/x-ndjson",
    "csv": "text/csv",
    "parquet": "application/vnd.apache.parquet",
    "gexf": "application/xml",
    "graphml": "application/xml",
    "wacz": "application/wacz",
}


@dataclass(frozen=True)
class Exporter(Generic[T]):
    """One kind of export: the formats it writes and its writer ``(rows, format, path)``."""

    kind: str
    formats: tuple[str, ...]
    help: str
    write: Callable[[T, str, Path], int]


LISTINGS: Exporter[Iterable[Mapping[str, Any]]] = Exporter(
    "listings", ("jsonl", "csv"), "every listing with its latest assessment", write_listings)
VENUES: Exporter[Sequence[Venue]] = Exporter(
    "venues", ("csv", "jsonl"), "domains met while crawling: kind, language, country, "
    "listings", write_venues)
EVIDENCE: Exporter[EvidenceArchive] = Exporter(
    "evidence", ("wacz",), "WARCs, index, pages, custody log as a WACZ 1.1 package",
    write_evidence)
GRAPH: Exporter[nx.Graph] = Exporter(
    "graph", ("gexf", "graphml", "csv"),
    "Seller network: accounts and contact identifiers (Gephi: gexf, graphml).", write_graph)
PRICES: Exporter[Iterable[MarketRow]] = Exporter(
    "prices", ("csv", "parquet"),
    "Listing prices converted to EUR at each year's rate, with taxon and product.",
    write_prices)
VOLUME: Exporter[MarketSummary] = Exporter(
    "volume", ("csv", "parquet"),
    "Listings per month by platform, taxon and language, with change points.", write_volume)

EXPORTERS: dict[str, Exporter[Any]] = {
    e.kind: e for e in (LISTINGS, VENUES, EVIDENCE, GRAPH, PRICES, VOLUME)}


def exporter(kind: str, fmt: str) -> Exporter[Any]:
    """The exporter of ``kind``, checked to write ``fmt``; InputError naming the choices."""
    found = EXPORTERS.get(kind)
    if found is None:
        raise InputError(f"unknown export kind {kind!r}",
                         hint="kinds: " + ", ".join(sorted(EXPORTERS)))
    if fmt not in found.formats:
        raise InputError(f"export {kind} cannot write format {fmt!r}",
                         hint="formats: " + ", ".join(found.formats))
    return found


def media_type(fmt: str) -> str:
    """The media type a file of format ``fmt`` is served as."""
    return MEDIA_TYPES.get(fmt, "application/octet-stream")
