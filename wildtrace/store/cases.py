"""Cases in the database: cases, their items, and the listings a case file gathers.

A case item names a listing (by id), the seller behind a listing (``seller_of``, by the
listing's id) or a seller name; :mod:`wildtrace.act.cases` decides what is valid and
which listings an item stands for, this module keeps and finds them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wildtrace.records import Case, CaseItem
from wildtrace.store import tables as t
from wildtrace.store.core import utcnow
from wildtrace.store.evidence import CaptureRow
from wildtrace.store.tables.act import case_items, cases
from wildtrace.store.tables.preserve import captures

_CHUNK = 500  # ids per IN (...) list, well under every database's parameter limit


class CaseStore:
    """Cases and case items of one workspace database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self, title: str, notes: str, user: str) -> int:
        """A new open case; returns its id."""
        with self.engine.begin() as conn:
            res = conn.execute(cases.insert().values(
                title=title, notes=notes, status="open", created_by=user,
                created_at=utcnow()))
            pk = res.inserted_primary_key
            assert pk is not None
            return int(pk[0])

    def exists(self, case_id: int) -> bool:
        """True when there is a case ``case_id``."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(cases.c.id).where(
                cases.c.id == case_id)).first() is not None

    def add_item(self, case_id: int, kind: str, ref: str, note: str, user: str) -> bool:
        """Add an item to a case; False when the case already holds it."""
        with self.engine.begin() as conn:
            exists = conn.execute(sa.select(case_items.c.id).where(
                case_items.c.case_id == case_id, case_items.c.kind == kind,
                case_items.c.ref == ref)).first()
            if exists is not None:
                return False
            conn.execute(case_items.insert().values(
                case_id=case_id, kind=kind, ref=ref, note=note, added_by=user,
                added_at=utcnow()))
        return True

    def remove_item(self, case_id: int, kind: str, ref: str) -> bool:
        """Take an item out of a case; False if it was not there."""
        with self.engine.begin() as conn:
            res = conn.execute(case_items.delete().where(
                case_items.c.case_id == case_id, case_items.c.kind == kind,
                case_items.c.ref == ref))
            return bool(res.rowcount)

    def update(self, case_id: int, *, status: str | None = None,
               notes: str | None = None) -> bool:
        """Change a case's status and/or notes; False when there is no such case."""
        values = {k: v for k, v in (("status", status), ("notes", notes)) if v is not None}
        if not values:
            return self.exists(case_id)
        with self.engine.begin() as conn:
            res = conn.execute(cases.update().where(cases.c.id == case_id).values(**values))
            return bool(res.rowcount)

    def get(self, case_id: int) -> Case | None:
        """One case with its items (in the order they were added), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(cases).where(cases.c.id == case_id)).first()
            if row is None:
                return None
            items = conn.execute(sa.select(case_items).where(case_items.c.case_id == case_id)
                                 .order_by(case_items.c.id)).all()
        return Case(id=row.id, title=row.title, notes=row.notes, status=row.status,
                    created_by=row.created_by,
                    items=tuple(CaseItem(kind=i.kind, ref=i.ref, note=i.note,
                                         added_by=i.added_by) for i in items))

    def summaries(self, limit: int = 200) -> list[dict[str, Any]]:
        """Cases, newest first, each with its columns and ``n_items`` (how many items)."""
        n = (sa.select(sa.func.count()).where(case_items.c.case_id == cases.c.id)
             .scalar_subquery())
        q = (sa.select(cases, n.label("n_items")).order_by(cases.c.id.desc()).limit(limit))
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    # -- the listings of a case -------------------------------------------------------
    def listing_rows(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """The stored rows (every column, JSON columns as text) of these listings, by id;
        ids with no listing are left out."""
        rows: dict[int, dict[str, Any]] = {}
        with self.engine.connect() as conn:
            for i in range(0, len(ids), _CHUNK):
                chunk = list(ids[i:i + _CHUNK])
                for r in conn.execute(sa.select(t.listings).where(t.listings.c.id.in_(chunk))):
                    rows[r.id] = dict(r._mapping)
        return rows

    def listings_named(self, sellers: Sequence[str], source: str | None = None,
                       limit: int = 5000, newest_first: bool = False) -> list[int]:
        """Ids of the listings whose seller name is one of ``sellers`` (on platform
        ``source`` only, when given), in id order (or newest first)."""
        if not sellers:
            return []
        lst = t.listings.c
        q = sa.select(lst.id).where(lst.seller.in_(list(sellers)))
        if source is not None:
            q = q.where(lst.source == source)
        q = q.order_by(lst.id.desc() if newest_first else lst.id).limit(limit)
        with self.engine.connect() as conn:
            return [int(x) for x in conn.execute(q).scalars()]

    def rows_named(self, seller: str, source: str, *, besides: int,
                   limit: int) -> list[dict[str, Any]]:
        """The stored rows of up to ``limit`` listings of seller name ``seller`` on
        platform ``source`` other than ``besides``, newest first (in one query, for the
        listing page)."""
        lst = t.listings.c
        q = (sa.select(t.listings).where(lst.seller == seller, lst.source == source,
                                         lst.id != besides)
             .order_by(lst.id.desc()).limit(limit))
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    # -- the captures behind a case's listings ------------------------------------------
    def captures_of(self, ids: Sequence[int], bodies: Sequence[str]) -> dict[str, CaptureRow]:
        """Capture records by id (key ``"id:<n>"``) and, for each body hash, the newest
        capture of it (key: the hash); ids and hashes never captured are left out."""
        out: dict[str, CaptureRow] = {}
        wanted = sorted({b for b in bodies if b})
        with self.engine.connect() as conn:
            for i in range(0, len(ids), _CHUNK):
                for r in conn.execute(sa.select(captures).where(
                        captures.c.id.in_(list(ids[i:i + _CHUNK])))):
                    out[f"id:{r.id}"] = CaptureRow(**r._mapping)
            for i in range(0, len(wanted), _CHUNK):
                # Ascending ids: a later capture of the same body overwrites an earlier.
                for r in conn.execute(sa.select(captures).where(
                        captures.c.body_sha256.in_(wanted[i:i + _CHUNK]))
                        .order_by(captures.c.id)):
                    out[str(r.body_sha256)] = CaptureRow(**r._mapping)
        return out
