"""Citizen tips in the database: as submitted, how their page capture went, and triage.

A tip row is written at once when a citizen submits it; the capture of the reported
page is recorded on it afterwards, then the relevance scorer's judgement and, when an
analyst makes it into a case, the listing and case it became. Evidence blobs that come
with a tip (its screenshot, the captured page) are indexed in the same transaction as
the row that names them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wildtrace.store import tables as t
from wildtrace.store.blob_index import index_blob
from wildtrace.store.core import utcnow
from wildtrace.store.tables.act import tips

# (sha256, size, media type) of an evidence blob already in the blob store
BlobRef = tuple[str, int, str]
MAX_PAGE = 500


@dataclass(frozen=True, slots=True)
class TipScore:
    """The relevance scorer's judgement of one tip, as stored on it."""

    score: float
    relevant: bool
    taxa: str  # ;-joined scientific names
    cites: str
    flags: str  # ;-joined
    reasons: tuple[str, ...]
    model_version: str


class TipStore:
    """Tip rows of one workspace database (rows leave as dicts of the ``tips`` columns)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, url: str, description: str, language: str,
            screenshot: BlobRef | None = None) -> int:
        """Store a new tip (status ``new``, capture ``pending``); returns its id."""
        with self.engine.begin() as conn:
            if screenshot is not None:
                index_blob(conn, *screenshot)
            res = conn.execute(tips.insert().values(
                url=url, description=description, language=language,
                screenshot_sha256=screenshot[0] if screenshot else "",
                capture_status="pending", status="new", created_at=utcnow()))
            pk = res.inserted_primary_key
            assert pk is not None
            return int(pk[0])

    def set_capture(self, tip_id: int, status: str, detail: str,
                    page: BlobRef | None = None) -> None:
        """Record how the capture of a tip's page went, and the page kept (if any)."""
        with self.engine.begin() as conn:
            if page is not None:
                index_blob(conn, *page)
            conn.execute(tips.update().where(tips.c.id == tip_id).values(
                capture_status=status[:20], capture_detail=detail[:2000],
                capture_sha256=page[0] if page else ""))

    def set_status(self, tip_id: int, status: str) -> bool:
        """Set a tip's triage status; False when there is no such tip."""
        with self.engine.begin() as conn:
            res = conn.execute(tips.update().where(tips.c.id == tip_id).values(status=status))
            return bool(res.rowcount)

    def set_scores(self, scores: Sequence[tuple[int, TipScore]], at: datetime) -> None:
        """Store the scorer's judgement of these tips (a later scoring replaces it)."""
        with self.engine.begin() as conn:
            for tip_id, s in scores:
                conn.execute(tips.update().where(tips.c.id == tip_id).values(
                    score=s.score, relevant=s.relevant, taxa=s.taxa[:2000],
                    cites=s.cites[:3], flags=s.flags[:2000],
                    reasons=json.dumps(list(s.reasons), ensure_ascii=False),
                    scored_by=s.model_version[:80], scored_at=at))

    def unscored(self, ids: Sequence[int]) -> list[int]:
        """Those of these tips the scorer has not judged yet."""
        with self.engine.connect() as conn:
            return [int(i) for i in conn.execute(sa.select(tips.c.id).where(
                tips.c.id.in_(list(ids)[:MAX_PAGE]), tips.c.scored_at.is_(None)))
                .scalars()]

    def set_made(self, tip_id: int, listing_id: int, case_id: int) -> None:
        """Record the listing and case a tip became, and mark it triaged."""
        with self.engine.begin() as conn:
            conn.execute(tips.update().where(tips.c.id == tip_id).values(
                listing_id=listing_id, case_id=case_id, status="triaged"))

    def listing_with_key(self, content_sha256: str) -> int | None:
        """The id of the listing stored under this content key, if any (the listing a
        tip became is found by the key it was stored under)."""
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(t.listings.c.id).where(
                t.listings.c.content_sha256 == content_sha256)).scalar()
        return int(found) if found is not None else None

    def get(self, tip_id: int) -> dict[str, Any] | None:
        """One tip, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(tips).where(tips.c.id == tip_id)).first()
        return dict(row._mapping) if row else None

    def iter_evidence(self, batch: int = 5000) -> Iterator[tuple[int, str, str]]:
        """``(id, screenshot_sha256, capture_sha256)`` of every tip that holds evidence,
        in id order (what ``evidence verify`` checks against the custody log)."""
        q = sa.select(tips.c.id, tips.c.screenshot_sha256, tips.c.capture_sha256).where(
            sa.or_(tips.c.screenshot_sha256 != "", tips.c.capture_sha256 != ""))
        last = 0
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(q.where(tips.c.id > last).order_by(tips.c.id)
                                    .limit(batch)).all()
            if not rows:
                return
            for r in rows:
                yield int(r.id), str(r.screenshot_sha256), str(r.capture_sha256)
            last = int(rows[-1].id)

    def recent(self, status: str = "new", limit: int = 100,
               before: int | None = None) -> list[dict[str, Any]]:
        """Tips with a status (any when empty), newest first, keyset-paginated by
        ``before`` (a tip id)."""
        q = sa.select(tips).order_by(tips.c.id.desc()).limit(min(limit, MAX_PAGE))
        if status:
            q = q.where(tips.c.status == status)
        if before is not None:
            q = q.where(tips.c.id < before)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]
