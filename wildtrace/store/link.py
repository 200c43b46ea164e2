"""Storage of the link stage: each resolution of sellers as a versioned run.

A link run (``runs.stage = 'link'``) stores the seller of every listing it saw
(``seller_members``) and the evidence linking listings (``seller_links``), so a re-run
with better rules adds a version instead of overwriting the last one. Readers take the
newest *finished* run; nothing here resolves anything.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from wildtrace.records import LinkRun, StoredLink
from wildtrace.store.link_index import (
    IndexDelta,
    LinkIndex,
    LinkIndexStore,
    bulk_in,
    write_delta,
    write_full,
)
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

    @functools.cached_property
    def index(self) -> LinkIndexStore:
        """The link index that incremental runs look up."""
        return LinkIndexStore(self.engine)

    def save(self, run_id: int, seller_of: dict[int, int],
             links: Sequence[StoredLink], index: LinkIndex | None = None) -> None:
        """Store one resolution (members and links) under ``run_id``, in one transaction;
        with ``index``, the link index is replaced by it (describing this run)."""
        with self.engine.begin() as conn:
            if index is not None:
                write_full(conn, run_id, index)
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

    def save_incremental(self, run_id: int, parent: int, changed: dict[int, int],
                         removed: Collection[tuple[int, int, str]],
                         added: Sequence[StoredLink], delta: IndexDelta) -> bool:
        """Store run ``run_id`` as run ``parent`` with ``changed`` memberships (listing →
        seller, new listings included), without the ``removed`` links ``(a, b, kind)``
        and with the ``added`` ones, and move the index on by ``delta``; all in one
        transaction. The parent's rows are copied in SQL, so the new run is complete
        (readers of it see every listing). False, with nothing written, when the index
        no longer describes ``parent`` (another run came first)."""
        m, sl = seller_members.c, seller_links.c
        with self.engine.begin() as conn:
            if not write_delta(conn, parent, run_id, delta):
                return False  # nothing was written: the state row did not match
            src = sa.select(sa.literal(run_id), m.listing_id, m.seller_id).where(
                m.run_id == parent)
            tmp = _changed_ids(conn, changed)
            src = src.where(m.listing_id.not_in(sa.select(tmp.c.listing_id)))
            conn.execute(seller_members.insert().from_select(
                ["run_id", "listing_id", "seller_id"], src))
            tmp.drop(conn)
            items = list(changed.items())
            for i in range(0, len(items), CHUNK):
                conn.execute(seller_members.insert(), [
                    {"run_id": run_id, "listing_id": lid, "seller_id": sid}
                    for lid, sid in items[i:i + CHUNK]])
            cols = ["run_id", "listing_a", "listing_b", "kind", "evidence", "confidence"]
            conn.execute(seller_links.insert().from_select(cols, sa.select(
                sa.literal(run_id), sl.listing_a, sl.listing_b, sl.kind, sl.evidence,
                sl.confidence).where(sl.run_id == parent).order_by(sl.id)))
            if removed:
                conn.execute(seller_links.delete().where(
                    sl.run_id == run_id, sl.listing_a == sa.bindparam("a"),
                    sl.listing_b == sa.bindparam("b"), sl.kind == sa.bindparam("k")),
                    [{"a": a, "b": b, "k": k} for a, b, k in removed])
            for i in range(0, len(added), CHUNK):
                conn.execute(seller_links.insert(), [
                    {"run_id": run_id, "listing_a": a, "listing_b": b, "kind": k,
                     "evidence": e[:1000], "confidence": c}
                    for a, b, k, e, c in added[i:i + CHUNK]])
        return True

    def sellers_members(self, run_id: int, sellers: Collection[int]) -> dict[int, int]:
        """``listing_id → seller_id`` of a run, for every listing of ``sellers``."""
        m = seller_members.c
        ids = sorted(set(sellers))
        out: dict[int, int] = {}
        with self.engine.connect() as conn:
            for cond in bulk_in(conn, m.seller_id, ids, sa.Integer()):
                q = sa.select(m.listing_id, m.seller_id).where(m.run_id == run_id, cond)
                out.update((int(a), int(b)) for a, b in conn.execute(q).all())
        return out

    def seller_counts(self, run_id: int) -> tuple[int, int, int]:
        """(listings, sellers, sellers with more than one listing) of a run."""
        m = seller_members.c
        per = (sa.select(m.seller_id, sa.func.count().label("n"))
               .where(m.run_id == run_id).group_by(m.seller_id).subquery())
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(per.c.n), 0),
                                         sa.func.count(),
                                         sa.func.count().filter(per.c.n > 1))).one()
        return int(row[0]), int(row[1]), int(row[2])

    def extent(self, run_id: int) -> tuple[int, int]:
        """(how many listings, the largest listing id) a run resolved."""
        m = seller_members.c
        with self.engine.connect() as conn:
            n, top = conn.execute(sa.select(sa.func.count(), sa.func.max(m.listing_id))
                                  .where(m.run_id == run_id)).one()
        return int(n or 0), int(top or 0)

    def sources(self, listing_ids: Collection[int]) -> dict[int, str]:
        """The platform (``listings.source``) of each of ``listing_ids``."""
        lst = listings.c
        ids = sorted(set(listing_ids))
        out: dict[int, str] = {}
        with self.engine.connect() as conn:
            for cond in bulk_in(conn, lst.id, ids, sa.Integer()):
                q = sa.select(lst.id, lst.source).where(cond)
                out.update((int(a), str(b)) for a, b in conn.execute(q).all())
        return out

    def cross_platform_sellers(self, run_id: int) -> int:
        """Sellers of a run whose listings come from more than one platform."""
        m, lst = seller_members.c, listings.c
        per = (sa.select(m.seller_id).join(listings, lst.id == m.listing_id)
               .where(m.run_id == run_id).group_by(m.seller_id)
               .having(sa.func.count(sa.distinct(lst.source)) > 1).subquery())
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(per)).scalar()
                       or 0)

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
            for cond in bulk_in(conn, m.listing_id, ids, sa.Integer()):
                q = sa.select(m.listing_id, m.seller_id).where(m.run_id == run_id, cond)
                out.update((int(a), int(b)) for a, b in conn.execute(q).all())
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

    def links_from(self, run_id: int, listing_ids: Collection[int]) -> list[StoredLink]:
        """The links of a run whose first (smaller) listing is among ``listing_ids``:
        for a set of whole sellers, every link among them."""
        sl = seller_links.c
        ids = sorted(set(listing_ids))
        out: list[StoredLink] = []
        with self.engine.connect() as conn:
            for cond in bulk_in(conn, sl.listing_a, ids, sa.Integer()):
                q = (sa.select(sl.listing_a, sl.listing_b, sl.kind, sl.evidence,
                               sl.confidence).where(sl.run_id == run_id, cond))
                out.extend((int(a), int(b), str(k), str(e), float(c))
                           for a, b, k, e, c in conn.execute(q).all())
        return out

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

    def resolved_seller(self, listing_id: int) -> tuple[int, int] | None:
        """``(run id, seller id)`` the newest finished link run put ``listing_id`` under,
        read in one query; None when no run has finished or the newest did not resolve
        the listing (it came after that run)."""
        m = seller_members.c
        newest = (sa.select(sa.func.max(runs.c.id)).where(runs.c.stage == "link")
                  .where(runs.c.finished_at.is_not(None)).scalar_subquery())
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(m.run_id, m.seller_id).where(
                m.run_id == newest, m.listing_id == listing_id)).first()
        return (int(row[0]), int(row[1])) if row else None

    def seller_rows(self, run_id: int, seller_id: int, *, besides: int,
                    limit: int) -> list[dict[str, Any]]:
        """The stored rows (every column, JSON columns as text) of up to ``limit`` of the
        seller's listings in run ``run_id`` other than ``besides``, newest first."""
        m, lst = seller_members.c, listings.c
        q = (sa.select(listings).join(seller_members, m.listing_id == lst.id)
             .where(m.run_id == run_id, m.seller_id == seller_id, lst.id != besides)
             .order_by(lst.id.desc()).limit(limit))
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def co_sellers(self, listing_id: int, resolved: tuple[int, int],
                   limit: int = 30) -> CoSellers:
        """Up to ``limit`` other listings (oldest first) of the seller ``resolved``
        (``(run id, seller id)``, see :meth:`resolved_seller`) that ``listing_id``
        belongs to, each with the link joining it to ``listing_id`` where there is a
        direct one."""
        run, seller = resolved
        m, sl, lst = seller_members.c, seller_links.c, listings.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(lst.id, lst.source, lst.seller, lst.url)
                .join(seller_members, m.listing_id == lst.id)
                .where(m.run_id == run, m.seller_id == seller, lst.id != listing_id)
                .order_by(lst.id).limit(limit)).all()
            direct = conn.execute(
                sa.select(sl.listing_a, sl.listing_b, sl.kind, sl.evidence, sl.confidence)
                .where(sl.run_id == run,
                       sa.or_(sl.listing_a == listing_id, sl.listing_b == listing_id))
                .limit(100)).all() if rows else []
        via: dict[int, StoredLink] = {}
        for a, b, k, e, c in direct:
            other = int(b) if int(a) == listing_id else int(a)
            via[other] = (int(a), int(b), str(k), str(e), float(c))
        return CoSellers(run_id=run, seller_id=int(seller), listings=tuple(
            CoListing(int(r.id), str(r.source), str(r.seller or ""), str(r.url or ""),
                      via.get(int(r.id))) for r in rows))


def _changed_ids(conn: Connection, changed: dict[int, int]) -> sa.Table:
    """The listings whose membership a run changes, in a temporary table (an IN list of
    thousands of ids is past some databases' parameter limits)."""
    tmp = sa.Table("tmp_link_changed", sa.MetaData(),
                   sa.Column("listing_id", sa.Integer, primary_key=True),
                   prefixes=["TEMPORARY"])
    tmp.create(conn, checkfirst=True)
    conn.execute(tmp.delete())
    ids = sorted(changed)
    for i in range(0, len(ids), CHUNK):
        conn.execute(tmp.insert(), [{"listing_id": x} for x in ids[i:i + CHUNK]])
    return tmp
