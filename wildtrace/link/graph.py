"""The seller network: accounts, contact identifiers, and what analysts ask of them.

Nodes are **accounts** (a seller name on a platform; a listing without a name stands for
itself) and **identifiers** (phones, handles, wallets…). An account is joined to every
identifier its listings show, and to another account when their listings are
near-duplicates (text or photo). On this graph:

* components are candidate dealers or networks;
* communities (Louvain, seeded so results are repeatable) split large components;
* betweenness centrality finds **brokers**, accounts or numbers bridging groups;
* a resolved seller whose accounts span several platforms is **cross-platform**.

The network is written to files by :mod:`wildtrace.act.exports.graph`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

import networkx as nx

from wildtrace.link.resolver import LinkInput

BETWEENNESS_SAMPLE = 500  # above this many nodes betweenness is estimated from samples


def account_key(platform: str, account: str, listing_id: int) -> str:
    """Node id of the account behind a listing."""
    name = account.strip()
    return f"acct:{platform}:{name}" if name else f"listing:{listing_id}"


def build_graph(inputs: Iterable[LinkInput], seller_of: dict[int, int],
                links: Iterable[tuple[int, int, str, str, float]]) -> nx.Graph:
    """The account–identifier graph of ``inputs`` under a resolution."""
    g = nx.Graph()
    account_of: dict[int, str] = {}
    for item in inputs:
        lid = item.listing_id
        acct = account_key(item.platform, item.account, lid)
        account_of[lid] = acct
        seller = int(seller_of.get(lid, lid))
        if acct not in g:
            g.add_node(acct, kind="account", label=acct.split(":", 2)[-1],
                       platform=item.platform, listings=0, seller=seller)
        g.nodes[acct]["listings"] += 1
        for ident in item.identifiers:
            node = f"id:{ident.kind}:{ident.value}"
            if node not in g:
                g.add_node(node, kind=ident.kind, label=ident.value, platform="", listings=0,
                           seller=seller)
            g.nodes[node]["listings"] += 1
            if g.has_edge(acct, node):
                g[acct][node]["weight"] += 1
            else:
                g.add_edge(acct, node, kind="shows", weight=1)
    for a, b, kind, _evidence, conf in links:
        if kind not in ("text", "image", "handle"):
            continue  # identifier and account links are already edges through their nodes
        na, nb = account_of.get(a), account_of.get(b)
        if na and nb and na != nb:
            if g.has_edge(na, nb):
                g[na][nb]["weight"] += 1
            else:
                g.add_edge(na, nb, kind=kind, weight=1, confidence=conf)
    return g


def analyse(g: nx.Graph, *, top: int = 10, seed: int = 1) -> dict[str, Any]:
    """Components, communities, brokers and cross-platform sellers; also writes the
    ``community``, ``component`` and ``betweenness`` node attributes used by exports."""
    comps = sorted(nx.connected_components(g), key=len, reverse=True)
    for i, comp in enumerate(comps):
        for node in comp:
            g.nodes[node]["component"] = i
    communities = nx.community.louvain_communities(g, seed=seed) if g.number_of_edges() else \
        [{n} for n in g]
    for i, comm in enumerate(sorted(communities, key=len, reverse=True)):
        for node in comm:
            g.nodes[node]["community"] = i
    k = min(BETWEENNESS_SAMPLE, len(g)) if len(g) > BETWEENNESS_SAMPLE else None
    between = nx.betweenness_centrality(g, k=k, seed=seed) if len(g) > 2 else {}
    for node in g:
        g.nodes[node]["betweenness"] = round(float(between.get(node, 0.0)), 6)
    brokers = sorted((n for n in g if between.get(n, 0) > 0), key=lambda n: -between[n])[:top]
    platforms: dict[int, set[str]] = defaultdict(set)
    for _node, data in g.nodes(data=True):
        if data.get("kind") == "account" and data.get("platform"):
            platforms[int(data["seller"])].add(str(data["platform"]))
    cross = {s: sorted(p) for s, p in platforms.items() if len(p) > 1}
    kinds = Counter(str(d.get("kind")) for _, d in g.nodes(data=True))
    return {
        "nodes": g.number_of_nodes(), "edges": g.number_of_edges(), "node_kinds": dict(kinds),
        "components": len(comps), "largest_component": len(comps[0]) if comps else 0,
        "communities": len(communities),
        "brokers": [{"node": n, "label": g.nodes[n]["label"], "kind": g.nodes[n]["kind"],
                     "betweenness": round(between[n], 4)} for n in brokers],
        "cross_platform_sellers": len(cross),
        "cross_platform": [{"seller": s, "platforms": p}
                           for s, p in sorted(cross.items())[:top]],
    }
