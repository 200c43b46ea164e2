"""Tables of the link stage and the queries on them.

Each resolution is a run (``runs.stage = 'link'``): its links (with evidence and
confidence) and the seller of every listing are stored under the run id, so a re-run
with better rules adds a version instead of overwriting the last one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import sqlalchemy as sa
from sqlalchemy import Column, Float, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.engine import Engine

from wildtrace.store.tables import listings, metadata, runs

seller_links = Table(
    "seller_links", metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False, index=True),
    Column("listing_a", Integer, nullable=False),
    Column("listing_b", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("evidence", Text, nullable=False, default=""),
    Column("confidence", Float, nullable=False),
)

seller_members = Table(
    "seller_members", metadata,
    Column("run_id", Integer, ForeignKey("runs.id"), primary_key=True),
    Column("listing_id", Integer, primary_key=True),
    Column("seller_id", Integer, nullable=False, index=True),
    Index("ix_seller_members_run_seller", "run_id", "seller_id"),  # migration 0008
)

CHUNK = 5000


def save(engine: Engine, run_id: int, seller_of: dict[int, int],
         links: Sequence[tuple[int, int, str, str, float]]) -> None:
    """Store one resolution (members and links) under ``run_id``, in one transaction."""
    with engine.begin() as conn:
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


def latest_run(engine: Engine) -> int | None:
    """Id of the newest finished link run, or None."""
    q = (sa.select(sa.func.max(runs.c.id)).where(runs.c.stage == "link")
         .where(runs.c.finished_at.is_not(None)))
    with engine.connect() as conn:
        value = conn.execute(q).scalar()
    return int(value) if value is not None else None


def members(engine: Engine, run_id: int) -> dict[int, int]:
    """``listing_id → seller_id`` of a run."""
    q = sa.select(seller_members.c.listing_id, seller_members.c.seller_id).where(
        seller_members.c.run_id == run_id)
    with engine.connect() as conn:
        return {int(a): int(b) for a, b in conn.execute(q)}


def same_seller(engine: Engine, listing_id: int, run_id: int | None = None,
                limit: int = 5000, newest_first: bool = False) -> list[int] | None:
    """Listings resolved to the same seller as ``listing_id`` in a link run (the newest
    by default), itself included, oldest first (or newest first); None when that run
    did not resolve it (no run yet, or the listing came after it)."""
    run = latest_run(engine) if run_id is None else run_id
    if run is None:
        return None
    m = seller_members.c
    with engine.connect() as conn:
        seller = conn.execute(sa.select(m.seller_id).where(
            m.run_id == run, m.listing_id == listing_id)).scalar()
        if seller is None:
            return None
        order = m.listing_id.desc() if newest_first else m.listing_id
        return [int(x) for x in conn.execute(
            sa.select(m.listing_id).where(m.run_id == run, m.seller_id == seller)
            .order_by(order).limit(limit)).scalars()]


def links(engine: Engine, run_id: int) -> Iterator[tuple[int, int, str, str, float]]:
    """The links of a run."""
    q = sa.select(seller_links.c.listing_a, seller_links.c.listing_b, seller_links.c.kind,
                  seller_links.c.evidence, seller_links.c.confidence).where(
        seller_links.c.run_id == run_id).order_by(seller_links.c.id)
    with engine.connect() as conn:
        for a, b, k, e, c in conn.execute(q):
            yield int(a), int(b), str(k), str(e), float(c)


def run_detail(engine: Engine, run_id: int) -> dict[str, object]:
    """The summary a link run recorded when it finished."""
    import json

    with engine.connect() as conn:
        raw = conn.execute(sa.select(runs.c.detail).where(runs.c.id == run_id)).scalar()
    detail = json.loads(raw or "{}")
    return detail if isinstance(detail, dict) else {}


def covers_all_listings(engine: Engine, run_id: int) -> bool:
    """True when run ``run_id`` resolved exactly the listings stored now (listings are
    only ever added, so equal count and equal largest id mean the same set)."""
    with engine.connect() as conn:
        now = conn.execute(sa.select(sa.func.count(), sa.func.max(listings.c.id))).one()
        then = conn.execute(sa.select(sa.func.count(), sa.func.max(seller_members.c.listing_id))
                            .where(seller_members.c.run_id == run_id)).one()
    return tuple(now) == tuple(then)
