"""The ``graph`` export: the seller network as GEXF 1.2 or GraphML (both open in Gephi)
or CSV (the edges, plus a nodes file beside them).

The graph itself is built and analysed by :mod:`wildtrace.link.graph`; this module only
writes it down, in the shapes those formats accept.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from wildtrace.act.exports.safecsv import SafeWriter
from wildtrace.errors import InputError

if TYPE_CHECKING:
    import networkx as nx


def _clean(g: nx.Graph) -> nx.Graph:
    """A copy whose attributes are all str/int/float (what GEXF and GraphML accept), and
    whose text is stripped of control characters that XML cannot carry."""
    import networkx as nx

    def fix(v: Any) -> Any:
        if isinstance(v, bool):
            return int(v)
        if isinstance(v, int | float):
            return v
        s = str(v)
        return "".join(ch for ch in s if ch in "\t\n\r" or ord(ch) >= 0x20)[:500]
    h = nx.Graph()
    for n, d in g.nodes(data=True):
        h.add_node(fix(n), **{k: fix(v) for k, v in d.items()})
    for a, b, d in g.edges(data=True):
        h.add_edge(fix(a), fix(b), **{k: fix(v) for k, v in d.items()})
    return h


def _write_csv(h: nx.Graph, path: Path) -> None:
    node_path = path.with_name(path.stem + ".nodes.csv")
    keys = sorted({k for _, d in h.nodes(data=True) for k in d})
    with node_path.open("w", newline="", encoding="utf-8") as fh:
        w = SafeWriter(fh)
        w.writerow(["id", *keys])
        for n, d in h.nodes(data=True):
            w.writerow([n, *(d.get(k, "") for k in keys)])
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = SafeWriter(fh)
        w.writerow(["source", "target", "kind", "weight"])
        for a, b, d in h.edges(data=True):
            w.writerow([a, b, d.get("kind", ""), d.get("weight", 1)])


def write_graph(g: nx.Graph, fmt: str, path: Path) -> int:
    """Write ``g`` as ``gexf``, ``graphml`` or ``csv``; returns the number of nodes.

    CSV writes the edges to ``path`` and the nodes beside it (``<stem>.nodes.csv``).
    """
    import networkx as nx

    if fmt not in ("gexf", "graphml", "csv"):
        raise InputError(f"unknown graph format {fmt!r}", hint="gexf, graphml or csv")
    h = _clean(g)
    if fmt == "gexf":
        nx.write_gexf(h, path, version="1.2draft")
    elif fmt == "graphml":
        nx.write_graphml(h, path)
    else:
        _write_csv(h, path)
    return int(h.number_of_nodes())
