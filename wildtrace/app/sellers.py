"""Sellers: resolving them (a new link run) and reading the newest resolution.

``wildtrace sellers`` is the one command that runs the link stage on demand (``wildtrace
process`` runs it after assessment). Everything else, the report, the dashboard, the
market-size estimate and the ``graph`` export, reads the newest *stored* link run and
never resolves anything: where none exists yet, they say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wildtrace.link.graph import analyse, build_graph
from wildtrace.link.sellers import link_inputs, run_link
from wildtrace.records import LinkRun
from wildtrace.workspace import Workspace

if TYPE_CHECKING:
    import networkx as nx

NO_LINK_RUN = ("no link run yet: `wildtrace process` or `wildtrace sellers` resolves the "
               "sellers")


@dataclass(frozen=True)
class SellersResult:
    """What one ``wildtrace sellers`` run found: the new link run's summary (listings,
    sellers, links by kind, multi-listing and cross-platform sellers) and the analysis
    of its network (components, communities, brokers, cross-platform sellers)."""

    run_id: int
    summary: dict[str, Any]
    network: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``wildtrace sellers --json``."""
        return {"run_id": self.run_id, **self.summary, "network": self.network}


@dataclass(frozen=True)
class LinkStatus:
    """The newest stored link run (None when there is none) and how many listings were
    stored after it (not resolved until the next run)."""

    run: LinkRun | None
    unresolved: int

    @property
    def note(self) -> str:
        """One line for a reader: which run the sellers come from, or that none does."""
        if self.run is None:
            return NO_LINK_RUN
        note = f"sellers as resolved by link run {self.run.run_id}"
        if self.unresolved:
            note += (f"; {self.unresolved} newer listing(s) are not resolved until the next "
                     "`wildtrace process` or `wildtrace sellers`")
        return note


def resolve(ws: Workspace, top: int = 10) -> SellersResult:
    """Resolve sellers across every listing (a new, full link run, which also rebuilds
    the link index unless ``link_incremental`` is off) and analyse the network; ``top``
    brokers and cross-platform sellers are listed."""
    run_id, res, summary = run_link(ws.store, ws.blobs,
                                    index=ws.settings.link_incremental)
    # The graph needs no photo hashes: the run's image links already join the accounts.
    g = build_graph(link_inputs(ws.store.iter_listings()), res.seller_of,
                    [(x.a, x.b, x.kind, x.evidence, x.confidence) for x in res.links])
    return SellersResult(run_id=run_id, summary=summary, network=analyse(g, top=top))


def link_status(ws: Workspace) -> LinkStatus:
    """The newest stored link run, read only."""
    run = ws.store.link.newest()
    resolved = len(run.seller_of) if run is not None else 0
    return LinkStatus(run=run, unresolved=max(0, ws.store.count_listings() - resolved))


def seller_graph(ws: Workspace) -> nx.Graph:
    """The account–identifier graph of every listing under the newest stored link run
    (each listing its own seller where none exists), annotated with communities,
    components and betweenness: what the ``graph`` export writes."""
    run = ws.store.link.newest()
    g = build_graph(link_inputs(ws.store.iter_listings()), run.seller_of if run else {},
                    run.links if run else ())
    analyse(g)
    return g
