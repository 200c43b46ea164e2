"""The account network: sellers' accounts joined by what the link stage found between
them, drawn on the dashboard.

It is the account–identifier graph of :mod:`wildtrace.link.graph`, under a stored link
run, projected onto the named accounts: two accounts are joined when their listings
show the same contact identifier (phone, messenger ID, e-mail, wallet, profile URL), or
when the run linked their listings by a near-identical photo or advert text or by the
same distinctive name on two platforms. Only accounts with at least one such join are
kept.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from itertools import combinations
from typing import Any

import networkx as nx

from wildtrace.link.graph import build_graph
from wildtrace.link.resolver import LinkInput
from wildtrace.records import StoredLink

MAX_SHARING = 50  # an identifier shown by more accounts than this is noise, not a link
MAX_NODES = 300  # a drawing of more is unreadable


@dataclass(frozen=True, slots=True)
class AccountNode:
    """A named account: its label, platform, how many of the listings it posted, and
    the seller (the link run's seller id) it was resolved to."""

    id: str
    listings: int
    platform: str
    seller: int


@dataclass(frozen=True, slots=True)
class AccountEdge:
    """Two accounts joined: ``weight`` shared identifiers or direct links, ``via`` their
    kinds (``phone``, ``whatsapp``…, ``text``, ``image``, ``handle``)."""

    source: str
    target: str
    weight: int
    via: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AccountNetwork:
    """Accounts (nodes) and the joins between them (edges), under link run ``run_id``."""

    run_id: int | None
    nodes: tuple[AccountNode, ...]
    edges: tuple[AccountEdge, ...]

    def as_dict(self) -> dict[str, list[dict[str, Any]]]:
        """The JSON shape: ``{"nodes": [...], "edges": [...]}``."""
        return {"nodes": [asdict(n) for n in self.nodes],
                "edges": [{**asdict(e), "via": list(e.via)} for e in self.edges]}


def _accounts(g: nx.Graph) -> dict[str, dict[str, Any]]:
    return {n: d for n, d in g.nodes(data=True)
            if d.get("kind") == "account" and str(n).startswith("acct:")}


def _labels(accounts: dict[str, dict[str, Any]]) -> dict[str, str]:
    """A readable, unique id per account: its name, with the platform where two
    platforms have an account of the same name."""
    names = Counter(str(d["label"]) for d in accounts.values())
    return {n: str(d["label"]) if names[str(d["label"])] == 1
            else f"{d['label']} ({d['platform']})" for n, d in accounts.items()}


def account_network(inputs: Iterable[LinkInput], seller_of: dict[int, int],
                    links: Iterable[StoredLink], run_id: int | None = None,
                    max_nodes: int = MAX_NODES) -> AccountNetwork:
    """The account network of ``inputs`` under a link run's ``seller_of`` and
    ``links`` (see the module's docstring); the ``max_nodes`` accounts with the most
    listings are kept."""
    g = build_graph(inputs, seller_of, links)
    accounts = _accounts(g)
    weight: Counter[tuple[str, str]] = Counter()
    via: dict[tuple[str, str], set[str]] = defaultdict(set)
    for node, data in g.nodes(data=True):
        if data.get("kind") == "account":
            continue
        holders = sorted(n for n in g.neighbors(node) if n in accounts)
        if 1 < len(holders) <= MAX_SHARING:
            for pair in combinations(holders, 2):
                weight[pair] += 1
                via[pair].add(str(data["kind"]))
    for a, b, data in g.edges(data=True):
        if a in accounts and b in accounts:
            pair = (a, b) if a < b else (b, a)
            weight[pair] += int(data.get("weight", 1))
            via[pair].add(str(data.get("kind", "")))
    linked = {n for pair in weight for n in pair}
    keep = sorted(linked, key=lambda n: (-int(accounts[n]["listings"]), n))[:max_nodes]
    ids = _labels({n: accounts[n] for n in keep})
    nodes = tuple(sorted((AccountNode(ids[n], int(accounts[n]["listings"]),
                                      str(accounts[n]["platform"]), int(accounts[n]["seller"]))
                          for n in keep), key=lambda x: x.id))
    edges = []
    for (a, b), w in weight.items():
        if a in ids and b in ids:
            source, target = sorted((ids[a], ids[b]))
            edges.append(AccountEdge(source, target, w, tuple(sorted(via[(a, b)]))))
    return AccountNetwork(run_id=run_id, nodes=nodes,
                          edges=tuple(sorted(edges, key=lambda e: (e.source, e.target))))
