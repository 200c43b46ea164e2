"""Union–find over listing ids (sparse), whose sets are named by their smallest id.

The incremental link run merges a few thousand listings and owners out of millions, so
it needs union–find on a dict, not on the dense arrays of
:class:`wildtrace.link.resolver.UnionFind`; naming each set by its smallest id is what
makes a seller's id the same whichever way it was reached (full or incremental run).
"""

from __future__ import annotations


class Regroup:
    """Disjoint sets of ints; :meth:`find` gives the smallest member of a set."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        """The smallest member of ``x``'s set (``x`` alone when never joined)."""
        parent = self.parent
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while x != root:  # path compression
            parent[x], x = root, parent.get(x, x)
        return root

    def union(self, a: int, b: int) -> None:
        """Join the sets of ``a`` and ``b``."""
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            lo, hi = (ra, rb) if ra < rb else (rb, ra)
            self.parent[hi] = lo
