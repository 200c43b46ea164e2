"""Queries of the measure stage (it adds no tables of its own: it reads the others)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wildtrace.store.tables import taxon_matches


def products(engine: Engine) -> dict[int, str]:
    """``listing_id → product`` (``ivory``, ``horn``…) from the newest product matches."""
    q = (sa.select(taxon_matches.c.listing_id, taxon_matches.c.rule)
         .where(taxon_matches.c.kind == "product").order_by(taxon_matches.c.id))
    out: dict[int, str] = {}
    with engine.connect() as conn:
        for listing_id, rule in conn.execute(q):
            name = str(rule).split(":", 1)[-1]
            out[int(listing_id)] = name
    return out
