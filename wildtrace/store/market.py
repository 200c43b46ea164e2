"""Storage of the measure stage: the listing facts market measures count.

The measure stage adds no tables of its own; it reads listings with their newest
assessment and the identify stage's product matches. Only the columns the measures use
are read (no titles or descriptions), so a pass over a million listings stays quick.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wildtrace.store.tables import assessments, listings, runs, taxon_matches


@dataclass(frozen=True, slots=True)
class MarketListing:
    """One listing as the market measures read it: where and when it was posted, its
    price, and its newest assessment (``relevant`` is None when it has none)."""

    listing_id: int
    platform: str
    language: str
    posted: str
    created_at: str  # when it was stored, as ISO-like text
    price: float | None
    currency: str
    location: str
    url: str
    relevant: bool | None
    taxa: str  # ";"-joined, most specific first


def _newest_assessment() -> sa.ScalarSelect[Any]:
    """The id of the newest assessment of the listing in the enclosing query: one index
    lookup per listing, where a grouped subquery would aggregate every assessment."""
    newer = assessments.alias("newer")
    return (sa.select(sa.func.max(newer.c.id)).where(newer.c.listing_id == listings.c.id)
            .correlate(listings).scalar_subquery())


class MarketStore:
    """Read-only queries of the market measures and the dashboard figures."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def listings(self, *, relevant_only: bool = False,
                 batch: int = 5000) -> Iterator[MarketListing]:
        """Every listing (id order) with its newest assessment, if any; with
        ``relevant_only``, only those whose newest assessment found them relevant."""
        a, lst = assessments.c, listings.c
        # Times as text: the measures need only their date, and parsing a million
        # datetimes would take longer than the query.
        created = sa.cast(lst.created_at, sa.String).label("created")
        base = (sa.select(lst.id, lst.source, lst.language, lst.posted, created, lst.price,
                          lst.currency, lst.location, lst.url, a.relevant, a.taxa)
                .select_from(listings.outerjoin(assessments, a.id == _newest_assessment())))
        if relevant_only:
            base = base.where(a.relevant.is_(True))
        last = 0
        while True:
            q = base.where(lst.id > last).order_by(lst.id).limit(batch)
            with self.engine.connect() as conn:
                rows = conn.execute(q).all()
            if not rows:
                return
            for (lid, source, language, posted, created_at, price, currency, location, url,
                 relevant, taxa) in rows:
                yield MarketListing(
                    listing_id=lid, platform=source or "", language=language or "",
                    posted=posted or "", created_at=created_at or "",
                    price=float(price) if price is not None else None,
                    currency=currency or "", location=location or "", url=url or "",
                    relevant=bool(relevant) if relevant is not None else None,
                    taxa=taxa or "")
            last = int(rows[-1][0])

    def top_listing_ids(self, limit: int, *, relevant_only: bool) -> list[int]:
        """Ids of up to ``limit`` listings, highest newest-assessment score first: only
        relevant ones with ``relevant_only``, else any (the newest when none is
        assessed)."""
        a, lst = assessments.c, listings.c
        q = sa.select(lst.id).select_from(
            listings.outerjoin(assessments, a.id == _newest_assessment()))
        if relevant_only:
            q = q.where(a.relevant.is_(True))
        q = q.order_by(sa.func.coalesce(a.score, -1.0).desc(), lst.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [int(x) for x in conn.execute(q).scalars()]

    def any_assessed(self) -> bool:
        """Whether any listing has been assessed."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(assessments.c.id).limit(1)).first() is not None

    def products(self) -> dict[int, str]:
        """``listing_id → product`` (``ivory``, ``horn``…) from the newest product matches."""
        m = taxon_matches.c
        q = sa.select(m.listing_id, m.rule).where(m.kind == "product").order_by(m.id)
        out: dict[int, str] = {}
        with self.engine.connect() as conn:
            for listing_id, rule in conn.execute(q):
                out[int(listing_id)] = str(rule).split(":", 1)[-1]
        return out

    def version(self) -> tuple[int, ...]:
        """Changes whenever a figure could: the newest listing, assessment, match and
        finished link run ids (listings and results are only ever added)."""
        finished_link = sa.select(sa.func.max(runs.c.id)).where(
            runs.c.stage == "link", runs.c.finished_at.is_not(None)).scalar_subquery()
        q = sa.select(sa.select(sa.func.max(listings.c.id)).scalar_subquery(),
                      sa.select(sa.func.max(assessments.c.id)).scalar_subquery(),
                      sa.select(sa.func.max(taxon_matches.c.id)).scalar_subquery(),
                      finished_link)
        with self.engine.connect() as conn:
            row = conn.execute(q).one()
        return tuple(int(v or 0) for v in row)
