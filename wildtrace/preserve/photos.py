"""Keeping a fetched photo as evidence: the bytes as a content-addressed blob, the HTTP
exchange as WARC request/response records, and a custody entry naming the listing, the
page it was on, the WARC record and the blob's SHA-256.

The same photo shown by two listings is one blob (addressed by its SHA-256) with a
custody entry per listing, because each listing's showing of it is its own evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

from wildtrace.collect.netguard import Fetched
from wildtrace.preserve.session import EvidenceSession
from wildtrace.records import Exchange

ACTION = "photo"


@dataclass(frozen=True)
class KeptPhoto:
    """Where a kept photo is: its blob and its WARC record."""

    sha256: str
    warc_file: str
    warc_record: str


def keep_photo(session: EvidenceSession, *, listing_id: int, page_url: str,
               fetched: Fetched, started: str, ended: str, user_agent: str) -> KeptPhoto:
    """Store ``fetched`` as evidence of listing ``listing_id`` (see module doc)."""
    sha = session.preserver.blobs.put(fetched.body)
    exchange = Exchange(
        url=fetched.url, method="GET",
        request_headers=(("User-Agent", user_agent), ("Accept", "image/*"),
                         ("Referer", page_url[:2000])),
        status=fetched.status, reason="", protocol="HTTP/1.1",
        response_headers=(("Content-Type", fetched.media_type),
                          ("Content-Length", str(len(fetched.body)))),
        body=fetched.body, server_ip=fetched.address, started=started, ended=ended)
    record = session.recorder.record(exchange)
    session.recorder.flush()
    session.custody.record(ACTION, fetched.url[:2000], sha, {
        "listing_id": listing_id, "page": page_url[:2000], "warc_file": session.recorder.name,
        "warc_record": record, "media_type": fetched.media_type, "size": len(fetched.body),
        "redirects": list(fetched.redirects)[:5]})
    return KeptPhoto(sha, session.recorder.name, record)
