"""Cases: listings and sellers an investigator gathers for a case file and takedowns."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wildtrace.errors import InputError
from wildtrace.records import Case, CaseItem
from wildtrace.store import tables as t
from wildtrace.store import utcnow
from wildtrace.store.tables.act import case_items, cases
from wildtrace.store.tables.link import same_seller

# A "seller_of" item is the seller behind a listing (ref: the listing id) as the link
# stage resolved it; a "seller" item is a seller name, matched exactly on every platform.
ITEM_KINDS = ("listing", "seller", "seller_of")
MAX_LISTINGS = 5000
MAX_TITLE = 300


class CaseBook:
    """Create cases, add and remove items, and read them back."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self, title: str, user: str, notes: str = "") -> int:
        """A new open case; returns its id."""
        title = title.strip()
        if not title:
            raise InputError("a case needs a title")
        with self.engine.begin() as conn:
            res = conn.execute(cases.insert().values(
                title=title[:MAX_TITLE], notes=notes[:20_000], status="open",
                created_by=user, created_at=utcnow()))
            pk = res.inserted_primary_key
            assert pk is not None
            return int(pk[0])

    def add(self, case_id: int, kind: str, ref: str, user: str, note: str = "") -> bool:
        """Add a listing (by id), the seller behind a listing (``seller_of``, by the
        listing's id) or a seller name; False if it was already there."""
        if kind not in ITEM_KINDS:
            raise InputError(f"unknown case item kind {kind[:20]!r}",
                             hint="use listing, seller_of or seller")
        ref = ref.strip()[:500]
        if not ref:
            raise InputError("a case item needs a reference (listing id or seller name)")
        with self.engine.begin() as conn:
            if conn.execute(sa.select(cases.c.id).where(cases.c.id == case_id)).first() is None:
                raise InputError(f"no case {case_id}")
            if kind in ("listing", "seller_of"):
                numeric = ref.isascii() and ref.isdigit() and len(ref) <= 10
                if not numeric or conn.execute(sa.select(t.listings.c.id).where(
                        t.listings.c.id == int(ref))).first() is None:
                    raise InputError(f"no listing {ref[:40]!r}")
            exists = conn.execute(sa.select(case_items.c.id).where(
                case_items.c.case_id == case_id, case_items.c.kind == kind,
                case_items.c.ref == ref)).first()
            if exists is not None:
                return False
            conn.execute(case_items.insert().values(
                case_id=case_id, kind=kind, ref=ref, note=note[:5000], added_by=user,
                added_at=utcnow()))
        return True

    def remove(self, case_id: int, kind: str, ref: str) -> bool:
        """Take an item out of a case; False if it was not there."""
        with self.engine.begin() as conn:
            res = conn.execute(case_items.delete().where(
                case_items.c.case_id == case_id, case_items.c.kind == kind,
                case_items.c.ref == ref))
            return bool(res.rowcount)

    def get(self, case_id: int) -> Case | None:
        """One case with its items, or None."""
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
        """Cases, newest first, with how many items each holds."""
        n = (sa.select(sa.func.count()).where(case_items.c.case_id == cases.c.id)
             .scalar_subquery())
        q = (sa.select(cases, n.label("n_items")).order_by(cases.c.id.desc()).limit(limit))
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def listing_ids(self, case: Case) -> list[int]:
        """The case's listings: those added directly plus every listing of its sellers."""
        ids = [int(i.ref) for i in case.items if i.kind == "listing"]
        for item in case.items:
            if item.kind == "seller_of":
                ids += seller_listing_ids(self.engine, int(item.ref))
        sellers = [i.ref for i in case.items if i.kind == "seller"]
        if sellers:
            with self.engine.connect() as conn:
                ids += [int(x) for x in conn.execute(
                    sa.select(t.listings.c.id).where(t.listings.c.seller.in_(sellers))
                    .order_by(t.listings.c.id).limit(MAX_LISTINGS)).scalars()]
        seen: set[int] = set()
        unique = [i for i in ids if not (i in seen or seen.add(i))]  # type: ignore[func-returns-value]
        return unique[:MAX_LISTINGS]  # a case file of more would not be read anyway


def seller_listing_ids(engine: Engine, listing_id: int, limit: int = MAX_LISTINGS,
                       newest_first: bool = False) -> list[int]:
    """Every listing of the seller behind ``listing_id``, itself included.

    The seller is the one the link stage resolved (the newest link run: shared phone,
    messenger, e-mail or wallet, same account, near-identical text or photos), across
    platforms and names. Before a link run covers the listing, it is the listings with
    the same seller name on the same platform (a name alone is not a person: two
    "Minh"s on two sites stay apart).
    """
    resolved = same_seller(engine, listing_id, limit=limit, newest_first=newest_first)
    if resolved is not None:
        return resolved
    lst = t.listings.c
    with engine.connect() as conn:
        row = conn.execute(sa.select(lst.seller, lst.source).where(lst.id == listing_id)).first()
        if row is None:
            return []
        if not row.seller:
            return [listing_id]
        order = lst.id.desc() if newest_first else lst.id
        return [int(x) for x in conn.execute(
            sa.select(lst.id).where(lst.seller == row.seller, lst.source == row.source)
            .order_by(order).limit(limit)).scalars()]
