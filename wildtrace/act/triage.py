"""The tip triage queue: citizen reports waiting for an analyst.

Tips are stored as submitted (validated) and their page is captured afterwards, so
the citizen gets an answer at once; the capture outcome (stored, refused, failed) is
recorded beside the tip for the analyst. A tip's evidence is kept like any other: its
screenshot goes into the blob store and the custody log (``tip_screenshot``, subject
``tip/<id>``), and its page is written to a WARC file and preserved as a capture by the
preserve stage, whose custody entry names the tip (``detail.tip_id``), so that
``evidence verify`` checks both.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from wildtrace.blobstore import BlobStore
from wildtrace.collect.canonical import url_key
from wildtrace.collect.netguard import Fetched
from wildtrace.errors import InputError
from wildtrace.preserve.custody import CustodyLog
from wildtrace.preserve.session import EvidenceSession
from wildtrace.records import Exchange, Page, TipDraft
from wildtrace.store import Store

STATUSES = ("new", "triaged", "dismissed")


class TipBook:
    """Store tips, record their captures, and list them for triage."""

    def __init__(self, store: Store, blobs: BlobStore,
                 custody: CustodyLog | None = None) -> None:
        self.tips = store.tips
        self.blobs = blobs
        self.custody = custody

    def add(self, draft: TipDraft) -> int:
        """Store a validated tip (and its screenshot as evidence, logged in custody);
        returns its id."""
        shot = None
        if draft.screenshot:
            shot = (self.blobs.put(draft.screenshot), len(draft.screenshot),
                    draft.screenshot_type)
        tip_id = self.tips.add(draft.url, draft.description, draft.language, shot)
        if shot is not None and self.custody is not None:
            # After the row, since the entry names the tip: a crash in between leaves
            # a screenshot that `evidence verify` reports as not in the custody log.
            self.custody.record("tip_screenshot", f"tip/{tip_id}", shot[0],
                                {"media_type": shot[2], "size": shot[1],
                                 "url": draft.url})
        return tip_id

    def record_capture(self, tip_id: int, status: str, detail: str) -> None:
        """Note a capture that kept nothing (``refused`` or ``failed``) and why."""
        self.tips.set_capture(tip_id, status, detail)

    def record_page(self, tip_id: int, requested_url: str, fetched: Fetched,
                    session: EvidenceSession, *, started: str, ended: str,
                    user_agent: str) -> int:
        """Preserve a tip's fetched page as a capture (WARC record, body blob, capture
        record, custody entry naming the tip) and note it on the tip; returns the
        capture id."""
        ex = tip_exchange(fetched, started=started, ended=ended, user_agent=user_agent)
        record_id = session.recorder.record(ex)
        page = Page(requested_url=requested_url,
                    url=fetched.url, redirects=fetched.redirects, status=fetched.status,
                    headers=ex.response_headers, body=fetched.body,
                    media_type=fetched.media_type, server_ip=fetched.address,
                    started=started, ended=ended, user_agent=user_agent,
                    exchanges=(record_id,), method="tip")
        session.recorder.flush()
        kept = session.preserver.preserve(page, url_key(page.requested_url),
                                          session.recorder.name, {"tip_id": tip_id})
        cap = kept.capture
        self.tips.set_capture(tip_id, "captured", f"HTTP {fetched.status} from "
                              f"{fetched.address}; final URL {fetched.url}; capture {cap.id}",
                              (cap.body_sha256, len(fetched.body),
                               fetched.media_type or "application/octet-stream"))
        return cap.id

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


def tip_exchange(fetched: Fetched, *, started: str, ended: str,
                 user_agent: str) -> Exchange:
    """The final exchange of a guarded fetch as a WARC can hold it. The guard returns
    the body, status, address and Content-Type only, so the response record carries
    just that header (the WARC's warcinfo says so)."""
    host = urlsplit(fetched.url).netloc
    try:
        reason = HTTPStatus(fetched.status).phrase
    except ValueError:
        reason = ""
    return Exchange(url=fetched.url, method="GET",
                    request_headers=(("Host", host), ("User-Agent", user_agent),
                                     ("Accept", "*/*")),
                    status=fetched.status, reason=reason, protocol="HTTP/1.1",
                    response_headers=(("Content-Type", fetched.media_type),)
                    if fetched.media_type else (),
                    body=fetched.body, server_ip=fetched.address, started=started,
                    ended=ended)
