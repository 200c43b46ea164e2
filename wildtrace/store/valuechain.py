"""Storage of listings' value-chain positions (table in
:mod:`wildtrace.store.tables.valuechain`).

Listings are only ever added, so the listings still to read are those above the highest
id read (as for the browse page's countries); positions are written once per listing
and another worker that wrote one first wins (the same answer from the same text).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from wildtrace.store import tables as t
from wildtrace.store.tables.valuechain import listing_positions

IN_CHUNK = 500


@dataclass(frozen=True, slots=True)
class StoredPosition:
    """One listing's stored value-chain position."""

    listing_id: int
    product_form: str
    seller_role: str
    cues: tuple[str, ...]


class ValueChainStore:
    """Reads and writes ``listing_positions``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def unread(self, limit: int) -> list[tuple[int, str]]:
        """(id, title and description) of up to ``limit`` listings newer than any read."""
        done = sa.select(sa.func.coalesce(sa.func.max(listing_positions.c.listing_id), 0))
        q = (sa.select(t.listings.c.id, t.listings.c.title, t.listings.c.description)
             .where(t.listings.c.id > done.scalar_subquery())
             .order_by(t.listings.c.id).limit(limit))
        with self.engine.connect() as conn:
            return [(int(i), f"{title or ''}\n{desc or ''}") for i, title, desc in conn.execute(q)]

    def put(self, rows: Sequence[StoredPosition], version: str) -> None:
        """Store positions (a listing already stored keeps its row)."""
        if not rows:
            return
        values = [{"listing_id": r.listing_id, "product_form": r.product_form,
                   "seller_role": r.seller_role, "cues": json.dumps(list(r.cues),
                                                                   ensure_ascii=False),
                   "version": version} for r in rows]
        insert = (postgresql.insert(listing_positions)
                  if self.engine.dialect.name == "postgresql"
                  else sqlite.insert(listing_positions))
        with self.engine.begin() as conn:
            conn.execute(insert.on_conflict_do_nothing(), values)

    def of(self, ids: Iterable[int]) -> dict[int, StoredPosition]:
        """The stored positions of ``ids`` (listings not read yet are absent)."""
        wanted = list(dict.fromkeys(int(i) for i in ids))
        out: dict[int, StoredPosition] = {}
        with self.engine.connect() as conn:
            for k in range(0, len(wanted), IN_CHUNK):
                q = sa.select(listing_positions).where(
                    listing_positions.c.listing_id.in_(wanted[k:k + IN_CHUNK]))
                for r in conn.execute(q):
                    out[r.listing_id] = StoredPosition(
                        r.listing_id, r.product_form, r.seller_role,
                        tuple(json.loads(r.cues or "[]")))
        return out

    def counts(self, ids: Iterable[int] | None = None) -> dict[str, dict[str, int]]:
        """``{"form": {form: n}, "role": {role: n}}`` over the stored positions (of
        ``ids`` only, when given); listings with no cue count under ``""``."""
        out: dict[str, dict[str, int]] = {"form": {}, "role": {}}
        if ids is not None:
            for p in self.of(ids).values():
                out["form"][p.product_form] = out["form"].get(p.product_form, 0) + 1
                out["role"][p.seller_role] = out["role"].get(p.seller_role, 0) + 1
            return out
        c = listing_positions.c
        with self.engine.connect() as conn:
            for col, key in ((c.product_form, "form"), (c.seller_role, "role")):
                for value, n in conn.execute(sa.select(col, sa.func.count()).group_by(col)):
                    out[key][value or ""] = int(n)
        return out
