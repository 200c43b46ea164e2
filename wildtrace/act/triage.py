"""The tip triage queue: citizen reports waiting for an analyst.

Tips are stored as submitted (validated) and their page is captured afterwards, so
the citizen gets an answer at once; the capture outcome (stored, refused, failed) is
recorded beside the tip for the analyst. What a tip brings (its screenshot, the page)
goes into the append-only blob store as evidence before the row that names it.
"""

from __future__ import annotations

from typing import Any

from wildtrace.blobstore import BlobStore
from wildtrace.errors import InputError
from wildtrace.records import TipDraft
from wildtrace.store import Store

STATUSES = ("new", "triaged", "dismissed")


class TipBook:
    """Store tips, record their captures, and list them for triage."""

    def __init__(self, store: Store, blobs: BlobStore) -> None:
        self.tips = store.tips
        self.blobs = blobs

    def add(self, draft: TipDraft) -> int:
        """Store a validated tip (and its screenshot as evidence); returns its id."""
        shot = None
        if draft.screenshot:
            shot = (self.blobs.put(draft.screenshot), len(draft.screenshot),
                    draft.screenshot_type)
        return self.tips.add(draft.url, draft.description, draft.language, shot)

    def record_capture(self, tip_id: int, status: str, detail: str, body: bytes = b"",
                       media_type: str = "") -> str:
        """Keep the fetched page (if any) as evidence and note how the capture went;
        returns the page's SHA-256 ("" when nothing was kept)."""
        page = None
        if body:
            page = (self.blobs.put(body), len(body), media_type or "application/octet-stream")
        self.tips.set_capture(tip_id, status, detail, page)
        return page[0] if page else ""

    def set_status(self, tip_id: int, status: str) -> None:
        """Move a tip through triage (new → triaged or dismissed)."""
        if status not in STATUSES:
            raise InputError(f"unknown tip status {status[:20]!r}",
                             hint="use " + ", ".join(STATUSES))
        if not self.tips.set_status(tip_id, status):
            raise InputError(f"no tip {tip_id}")

    def get(self, tip_id: int) -> dict[str, Any] | None:
        """One tip, or None."""
        return self.tips.get(tip_id)

    def recent(self, status: str = "new", limit: int = 100,
               before: int | None = None) -> list[dict[str, Any]]:
        """Tips with a status, newest first, keyset-paginated by ``before``."""
        return self.tips.recent(status, limit, before)
