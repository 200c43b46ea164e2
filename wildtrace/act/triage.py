"""The tip triage queue: citizen reports waiting for an analyst.

Tips are stored as submitted (validated) and their page is captured afterwards, so
the citizen gets an answer at once; the capture outcome (stored, refused, failed) is
recorded beside the tip for the analyst.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from wildtrace.blobstore import BlobStore
from wildtrace.errors import InputError
from wildtrace.records import TipDraft
from wildtrace.store import tables as t
from wildtrace.store import utcnow
from wildtrace.store.tables.act import tips

STATUSES = ("new", "triaged", "dismissed")


def index_blob(conn: Connection, sha256: str, size: int, media_type: str) -> None:
    """Record a stored blob in the blob index once."""
    if conn.execute(sa.select(t.blobs.c.sha256).where(t.blobs.c.sha256 == sha256)).first():
        return
    conn.execute(t.blobs.insert().values(sha256=sha256, size=size, media_type=media_type,
                                         created_at=utcnow()))


class TipBook:
    """Store tips, record their captures, and list them for triage."""

    def __init__(self, engine: Engine, blobs: BlobStore) -> None:
        self.engine = engine
        self.blobs = blobs

    def add(self, draft: TipDraft) -> int:
        """Store a validated tip (and its screenshot as evidence); returns its id."""
        shot = ""
        if draft.screenshot:
            shot = self.blobs.put(draft.screenshot)
        with self.engine.begin() as conn:
            if shot:
                index_blob(conn, shot, len(draft.screenshot), draft.screenshot_type)
            res = conn.execute(tips.insert().values(
                url=draft.url, description=draft.description, language=draft.language,
                screenshot_sha256=shot, capture_status="pending", status="new",
                created_at=utcnow()))
            pk = res.inserted_primary_key
            assert pk is not None
            return int(pk[0])

    def record_capture(self, tip_id: int, status: str, detail: str, body: bytes = b"",
                       media_type: str = "") -> str:
        """Keep the fetched page (if any) as evidence and note how the capture went."""
        sha = ""
        if body:
            sha = self.blobs.put(body)
        with self.engine.begin() as conn:
            if sha:
                index_blob(conn, sha, len(body), media_type or "application/octet-stream")
            conn.execute(tips.update().where(tips.c.id == tip_id).values(
                capture_status=status[:20], capture_detail=detail[:2000],
                capture_sha256=sha))
        return sha

    def set_status(self, tip_id: int, status: str) -> None:
        """Move a tip through triage (new → triaged or dismissed)."""
        if status not in STATUSES:
            raise InputError(f"unknown tip status {status[:20]!r}",
                             hint="use " + ", ".join(STATUSES))
        with self.engine.begin() as conn:
            res = conn.execute(tips.update().where(tips.c.id == tip_id).values(status=status))
            if not res.rowcount:
                raise InputError(f"no tip {tip_id}")

    def get(self, tip_id: int) -> dict[str, Any] | None:
        """One tip, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(tips).where(tips.c.id == tip_id)).first()
        return dict(row._mapping) if row else None

    def recent(self, status: str = "new", limit: int = 100,
             before: int | None = None) -> list[dict[str, Any]]:
        """Tips with a status, newest first, keyset-paginated by ``before``."""
        q = sa.select(tips).order_by(tips.c.id.desc()).limit(min(limit, 500))
        if status:
            q = q.where(tips.c.status == status)
        if before is not None:
            q = q.where(tips.c.id < before)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]
