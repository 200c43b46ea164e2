"""Storage of the link stage: each resolution of sellers as a versioned run.

A link run (``runs.stage = 'link'``) stores the seller of every listing it saw
(``seller_members``) and the evidence linking listings (``seller_links``), so a re-run
with better rules adds a version instead of overwriting the last one. Readers take the
newest *finished* run; nothing here resolves anything.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wildtrace.records import LinkRun, StoredLink
from wildtrace.store.tables import listings, runs
from wildtrace.store.tables.link import seller_links, seller_members

CHUNK = 5000  # rows per INSERT
IN_CHUNK = 500  # values per IN (...) list, under every database's parameter limit


@dataclass(frozen=True, slots=True)
class CoListing:
    """Another listing resolved to the same seller, and the link that says so (if it is
    linked to the listing asked about directly)."""

    listing_id: int
    source: str
    seller: str
    url: str
    link: StoredLink | None


@dataclass(frozen=True, slots=True)
class CoSellers:
    """The seller a link run put a listing under, and that seller's other listings."""

    run_id: int
    seller_id: int
    listings: tuple[CoListing, ...]


class LinkStore:
    """Link runs: their members (listing → seller) and their links."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save(self, run_id: int, seller_of: dict[int, int],
             links: Sequence[StoredLink]) -> None:
        """Store one resolution (members and links) under ``run_id``, in one transaction."""
        with self.engine.begin() as conn:
            items = list(seller_of.items())
            for i in range(0, len(items), CHUNK):
                conn.execute(seller_members.insert(), [
                    {"run_id": run_id, "listing_id": lid, "seller_id": sid}
                    for lid, sid in items[i:i + CHUNK]])
            for i in range(0, len(links), CHUNK):
                conn.execute(seller_links.insert(), [
                    {"run_id": run_id, "listing_a": a, "listing_b": b, "kind": k,
                     "evidence": e[:1000], "confidence": c}
                    for a, b, k, e, c in links[i:i + CHUNK]])

    def latest_run(self) -> int | None:
        """Id of the newest finished link run, or None."""
        q = (sa.select(sa.func.max(runs.c.id)).where(runs.c.stage == "link")
             .where(runs.c.finished_at.is_not(None)))
        with self.engine.connect() as conn:
            value = conn.execute(q).scalar()
        return int(value) if value is not None else None

    def newest(self) -> LinkRun | None:
        """The newest finished link run, whole; None when no run has finished."""
        run_id = self.latest_run()
        if run_id is None:
            return None
        return LinkRun(run_id=run_id, seller_of=self.members(run_id),
                       links=tuple(self.links(run_id)), detail=self.run_detail(run_id))

    def members(self, run_id: int) -> dict[int, int]:
        """``listing_id → seller_id`` of a run."""
        q = sa.select(seller_members.c.listing_id, seller_members.c.seller_id).where(
            seller_members.c.run_id == run_id)
        with self.engine.connect() as conn:
            return {int(a): int(b) for a, b in conn.execute(q)}

    def members_of(self, run_id: int, listing_ids: Collection[int]) -> dict[int, int]:
        """``listing_id → seller_id`` of a run, for those of ``listing_ids`` it resolved."""
        m = seller_members.c
        ids = sorted(set(listing_ids))
        out: dict[int, int] = {}
        with self.engine.connect() as conn:
            for i in range(0, len(ids), IN_CHUNK):
                q = sa.select(m.listing_id, m.seller_id).where(
                    m.run_id == run_id, m.listing_id.in_(ids[i:i + IN_CHUNK]))
                out.update((int(a), int(b)) for a, b in conn.execute(q))
        return out

    def links(self, run_id: int) -> Iterator[StoredLink]:
        """The links of a run, in the order it found them."""
        sl = seller_links.c
        q = (sa.select(sl.listing_a, sl.listing_b, sl.kind, sl.evidence, sl.confidence)
             .where(sl.run_id == run_id).order_by(sl.id))
        with self.engine.connect() as conn:
            for a, b, k, e, c in conn.execute(q):
                yield int(a), int(b), str(k), str(e), float(c)

    def links_touching(self, run_id: int, listing_ids: Collection[int]) -> list[StoredLink]:
        """The links of a run with at least one end among ``listing_ids``."""
        sl = seller_links.c
        ids = sorted(set(listing_ids))
        found: dict[tuple[int, int, str, str], StoredLink] = {}
        with self.engine.connect() as conn:
            for i in range(0, len(ids), IN_CHUNK):
                chunk = ids[i:i + IN_CHUNK]
                q = (sa.select(sl.listing_a, sl.listing_b, sl.kind, sl.evidence,
                               sl.confidence)
                     .where(sl.run_id == run_id,
                            sa.or_(sl.listing_a.in_(chunk), sl.listing_b.in_(chunk)))
                     .order_by(sl.id))
                for a, b, k, e, c in conn.execute(q):
                    # A link with both ends in the set comes back with two chunks.
                    found.setdefault((int(a), int(b), str(k), str(e)),
                                     (int(a), int(b), str(k), str(e), float(c)))
        return list(found.values())

    def run_detail(self, run_id: int) -> dict[str, Any]:
        """The summary a link run recorded when it finished."""
        with self.engine.connect() as conn:
            raw = conn.execute(sa.select(runs.c.detail).where(runs.c.id == run_id)).scalar()
        detail = json.loads(raw or "{}")
        return detail if isinstance(detail, dict) else {}

    def covers_all_listings(self, run_id: int) -> bool:
        """True when run ``run_id`` resolved exactly the listings stored now (listings are
        only ever added, so equal count and equal largest id mean the same set)."""
        m = seller_members.c
        with self.engine.connect() as conn:
            now = conn.execute(sa.select(sa.func.count(), sa.func.max(listings.c.id))).one()
            then = conn.execute(sa.select(sa.func.count(), sa.func.max(m.listing_id))
                                .where(m.run_id == run_id)).one()
        return tuple(now) == tuple(then)

    def same_seller(self, listing_id: int, run_id: int | None = None, limit: int = 5000,
                    newest_first: bool = False) -> list[int] | None:
        """Listings resolved to the same seller as ``listing_id`` in a link run (the newest
        by default), itself included, oldest first (or newest first); None when that run
        did not resolve it (no run yet, or the listing came after it)."""
        run = self.latest_run() if run_id is None else run_id
        if run is None:
            return None
        m = seller_members.c
        with self.engine.connect() as conn:
            seller = conn.execute(sa.select(m.seller_id).where(
                m.run_id == run, m.listing_id == listing_id)).scalar()
            if seller is None:
                return None
            order = m.listing_id.desc() if newest_first else m.listing_id
            return [int(x) for x in conn.execute(
                sa.select(m.listing_id).where(m.run_id == run, m.seller_id == seller)
                .order_by(order).limit(limit)).scalars()]

    def co_sellers(self, listing_id: int, limit: int = 30) -> CoSellers | None:
        """The seller the newest link run put ``listing_id`` under and up to ``limit`` of
        that seller's other listings (oldest first), each with the link joining it to
        ``listing_id`` where there is a direct one; None when no run resolved it."""
        run = self.latest_run()
        if run is None:
            return None
        m, sl, lst = seller_members.c, seller_links.c, listings.c
        with self.engine.connect() as conn:
            seller = conn.execute(sa.select(m.seller_id).where(
                m.run_id == run, m.listing_id == listing_id)).scalar()
            if seller is None:
                return None
            rows = conn.execute(
                sa.select(lst.id, lst.source, lst.seller, lst.url)
                .join(seller_members, m.listing_id == lst.id)
                .where(m.run_id == run, m.seller_id == seller, lst.id != listing_id)
                .order_by(lst.id).limit(limit)).all()
            direct = conn.execute(
                sa.select(sl.listing_a, sl.listing_b, sl.kind, sl.evidence, sl.confidence)
                .where(sl.run_id == run,
                       sa.or_(sl.listing_a == listing_id, sl.listing_b == listing_id))
                .limit(100)).all()
        via: dict[int, StoredLink] = {}
        for a, b, k, e, c in direct:
            other = int(b) if int(a) == listing_id else int(a)
            via[other] = (int(a), int(b), str(k), str(e), float(c))
        return CoSellers(run_id=run, seller_id=int(seller), listings=tuple(
            CoListing(int(r.id), str(r.source), str(r.seller or ""), str(r.url or ""),
                      via.get(int(r.id))) for r in rows))
