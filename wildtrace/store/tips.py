"""Citizen tips in the database: as submitted, how their page capture went, and triage.

A tip row is written at once when a citizen submits it; the capture of the reported
page is recorded on it afterwards. Evidence blobs that come with a tip (its screenshot,
the captured page) are indexed in the same transaction as the row that names them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wildtrace.store.blob_index import index_blob
from wildtrace.store.core import utcnow
from wildtrace.store.tables.act import tips

# (sha256, size, media type) of an evidence blob already in the blob store
BlobRef = tuple[str, int, str]
MAX_PAGE = 500


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
