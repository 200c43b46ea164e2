"""Value-chain positions of the stored listings: read once per listing, then counted.

``process`` calls :func:`read_positions` so that every listing gets its product form
and seller role (:mod:`wildtrace.extract.valuechain`) stored beside it; the market
summary, the dashboard, the listing view and the exports read them from the store.
"""

from __future__ import annotations

from wildtrace.extract.valuechain import VERSION, position
from wildtrace.store.core import Store
from wildtrace.store.valuechain import StoredPosition

BATCH = 2000


def read_positions(store: Store) -> int:
    """Read and store the position of every listing not read yet; returns how many."""
    n = 0
    while batch := store.valuechain.unread(BATCH):
        rows = []
        for listing_id, text in batch:
            p = position(text)
            rows.append(StoredPosition(listing_id, p.form, p.role, p.cues))
        store.valuechain.put(rows, VERSION)
        n += len(rows)
    return n


def position_counts(store: Store, ids: list[int] | None = None) -> dict[str, dict[str, int]]:
    """Listings per product form and per seller role (of ``ids`` when given), reading
    any listing not read yet first; ``""`` counts the listings no cue placed."""
    read_positions(store)
    return store.valuechain.counts(ids)
