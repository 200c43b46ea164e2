"""Turn a fetched page into evidence: blobs, a capture record, custody.

For each page the :class:`Preserver` stores the body and the robots.txt copy in force
as content-addressed blobs, writes a capture record (requested and final URL, redirect
chain, status, headers, server IP, UTC start and end, tool versions, User-Agent,
operator, and the WARC records behind it), hashes that record, and logs it in the
custody chain, all in one transaction. Screenshots and rendered DOMs from the browser
are added to a capture as further evidentiary artefacts.
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wildtrace import __version__
from wildtrace.blobstore import BlobStore, sha256_bytes
from wildtrace.preserve.custody import CustodyLog
from wildtrace.records import Artefact, Capture, Listing, ListingDraft, Page
from wildtrace.store import Store, utcnow
from wildtrace.store.evidence import EvidenceWriter

SYNC_EVERY = 5.0  # seconds between batched fsyncs in crawl mode


def tool_versions(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Versions of the software that made the evidence."""
    versions = {"wildtrace": __version__, "python": platform.python_version()}
    for name in ("scrapy", "warcio", "twisted", "lxml", "playwright"):
        try:
            from importlib.metadata import version

            versions[name] = version(name)
        except Exception:  # noqa: BLE001 - an absent optional tool is simply not listed
            continue
    versions.update(extra or {})
    return versions


def record_hash(fields: dict[str, Any]) -> str:
    """SHA-256 of a capture record's canonical JSON: what custody and verify check."""
    blob = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()


HASHED_FIELDS = ("url_key", "requested_url", "final_url", "redirects", "status", "headers",
                 "server_ip", "started_at", "ended_at", "body_sha256", "media_type",
                 "warc_file", "warc_record_ids", "robots_url", "robots_sha256", "user_agent",
                 "operator", "tools", "method")


def capture_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    """The hashed fields of a capture record (everything but its id and its own hash)."""
    return {k: record[k] for k in HASHED_FIELDS}


# What a listing extracted from a page says, as custody records it (identifiers are
# left out: ``process`` fills them in later, legitimately).
LISTING_FIELDS = ("url", "title", "description", "price", "currency", "seller",
                  "location", "posted", "language")


def extracted_hash(listing: ListingDraft | Listing | Mapping[str, Any]) -> str:
    """SHA-256 of what was extracted from a page: the capture's custody entry keeps it
    as ``detail.extracted``, so a listing edited after capture no longer matches."""
    if isinstance(listing, Mapping):
        fields = {k: listing[k] for k in LISTING_FIELDS}
    else:
        fields = {k: getattr(listing, k) for k in LISTING_FIELDS}
    if fields["price"] is not None:
        fields["price"] = float(fields["price"])  # a database may hand back an int
    return record_hash(fields)


@dataclass
class Preserved:
    """A page's capture, and the URL of an earlier capture with the same body if any."""

    capture: Capture
    duplicate_of: str = ""


class Preserver:
    """Stores pages as evidence in one workspace."""

    def __init__(self, store: Store, blobs: BlobStore, custody: CustodyLog,
                 operator: str, *, durable: bool = True) -> None:
        self.evidence = store.evidence
        self.blobs = blobs
        self.custody = custody
        self.operator = operator
        self.durable = durable
        self.tools = json.dumps(tool_versions(), sort_keys=True)
        self._last_sync = time.monotonic()
        self._robots: dict[str, tuple[bytes, str]] = {}  # robots URL -> (body, blob)

    def preserve(self, page: Page, url_key: str, warc_file: str = "",
                 detail: Mapping[str, Any] | None = None) -> Preserved:
        """Store ``page``'s body and robots copy and its capture record; log custody
        (``detail`` as for :meth:`preserve_many`)."""
        return self.preserve_many([(page, url_key, warc_file)], [detail or {}])[0]

    def preserve_many(self, items: Sequence[tuple[Page, str, str]],
                      details: Sequence[Mapping[str, Any]] | None = None
                      ) -> list[Preserved]:
        """Preserve several pages, ``(page, url_key, warc_file)``, in one transaction.

        ``details`` (one per page) go into each capture's custody entry: ``extracted``,
        the :func:`extracted_hash` of the listing extracted from the page (``""`` when
        none; always written, so verification can tell a page with no listing from a
        capture logged before listings were hashed), and ``tip_id`` for a tip's page.

        A crawl hands over the pages that arrived while the previous group was being
        stored (group commit): one commit, one custody-chain run and one FTS flush per
        group instead of per page. All or none of the group's captures commit; the
        frontier still has every page of an uncommitted group active, so a crash means
        that group is fetched again, never that a captured page is lost or refetched.
        """
        prepared = []
        notes = list(details) if details is not None else [{} for _ in items]
        for page, url_key, warc_file in items:
            body_sha = self.blobs.put(page.body, durable=self.durable)
            robots_sha = ""
            if page.robots_body is not None:
                robots_sha = self._robots_blob(page.robots_url, page.robots_body)
            # Times as the database will give them back, so the record hash is stable.
            fields: dict[str, Any] = {
                "url_key": url_key, "requested_url": page.requested_url,
                "final_url": page.url,
                "redirects": json.dumps(list(page.redirects), ensure_ascii=False),
                "status": page.status,
                "headers": json.dumps([list(h) for h in page.headers], ensure_ascii=False),
                "server_ip": page.server_ip, "started_at": page.started or _now(),
                "ended_at": page.ended or _now(), "body_sha256": body_sha,
                "media_type": page.media_type[:200],
                "warc_file": warc_file or page.warc_file,
                "warc_record_ids": json.dumps(list(page.exchanges)),
                "robots_url": page.robots_url, "robots_sha256": robots_sha,
                "user_agent": page.user_agent, "operator": self.operator,
                "tools": self.tools, "method": page.method}
            prepared.append((page, url_key, fields, record_hash(fields), body_sha,
                             robots_sha))
        now = utcnow()
        try:
            with self.custody.lock, self.evidence.transaction() as tx:
                stored = [self._store(tx, fields, digest, body_sha, robots_sha, url_key,
                                      page, now, note)
                          for (page, url_key, fields, digest, body_sha, robots_sha), note
                          in zip(prepared, notes, strict=True)]
        except BaseException:
            self.custody.forget()
            raise
        if self.durable:
            self.custody.sync_mirror()
        self._maybe_sync()
        out = []
        for (page, _, fields, digest, body_sha, _), (cid, dup) in zip(prepared, stored,
                                                                       strict=True):
            capture = Capture(cid, page.requested_url, page.url, page.redirects,
                              page.status, page.server_ip, fields["started_at"],
                              fields["ended_at"], body_sha, page.media_type,
                              fields["warc_file"], page.method, digest)
            out.append(Preserved(capture, dup or ""))
        return out

    def repeats(self, items: Sequence[tuple[bytes, str]]) -> set[int]:
        """Indices of ``(body, url_key)`` items whose body was already captured under
        another URL, or comes earlier in ``items`` under another URL: pages that will be
        stored as duplicates (see :meth:`preserve_many`)."""
        shas = [sha256_bytes(body) for body, _ in items]
        known = self.evidence.url_keys_by_body(shas)
        out: set[int] = set()
        for i, (sha, (_, key)) in enumerate(zip(shas, items, strict=True)):
            if known.get(sha, {key}) - {key}:
                out.add(i)
            known.setdefault(sha, set()).add(key)
        return out

    def _robots_blob(self, url: str, body: bytes) -> str:
        # A site's robots.txt goes with every page of it: stored once, then recognised.
        known = self._robots.get(url)
        if known is not None and known[0] == body:
            return known[1]
        sha = self.blobs.put(body, durable=self.durable)
        if len(self._robots) > 10_000:
            self._robots.clear()
        self._robots[url] = (body, sha)
        return sha

    def _store(self, tx: EvidenceWriter, fields: dict[str, Any], digest: str,
               body_sha: str, robots_sha: str, url_key: str, page: Page,
               now: datetime, note: Mapping[str, Any]) -> tuple[int, str]:
        # Looked up before the insert, so a page never counts as a duplicate of itself.
        dup = tx.duplicate_of(body_sha, url_key)
        cid = tx.add_capture({**fields, "record_sha256": digest})
        items = [Artefact(cid, "body", body_sha, page.media_type[:200], now)]
        if robots_sha:
            items.append(Artefact(cid, "robots", robots_sha, "text/plain", now,
                                  {"url": page.robots_url}))
        tx.add_artefacts(items)
        # The capture id and the hashes of its body and robots copy bind the artefact
        # rows to this capture: a body row pointed at another blob no longer matches.
        self.custody.append(tx, "captured", page.url, digest, {
            "extracted": "", **note, "capture_id": cid, "body_sha256": body_sha,
            "robots_sha256": robots_sha, "method": page.method,
            "warc_file": fields["warc_file"],
            # Berkeley Protocol: a capture made logged in says so, and as whom.
            **({"logged_in_as": page.account} if page.account else {}),
            # Fetched through a SOCKS proxy (Tor): the server saw the proxy, not us.
            **({"proxy": page.proxy} if page.proxy else {})})
        return cid, dup

    def add_artefact(self, capture_id: int, kind: str, data: bytes, media_type: str,
                     detail: dict[str, Any] | None = None) -> str:
        """Store a further evidentiary artefact (screenshot, rendered DOM) of a capture."""
        sha = self.blobs.put(data, durable=True)
        try:
            with self.custody.lock, self.evidence.transaction() as tx:
                tx.add_artefacts([Artefact(capture_id, kind, sha, media_type, utcnow(),
                                           dict(detail or {}))])
                self.custody.append(tx, f"stored_{kind}", f"capture/{capture_id}", sha,
                                    {"media_type": media_type, **(detail or {})})
        except BaseException:
            self.custody.forget()
            raise
        self.custody.sync_mirror()
        return sha

    def _maybe_sync(self, force: bool = False) -> None:
        if self.durable:
            return
        if force or time.monotonic() - self._last_sync > SYNC_EVERY:
            # The mirror trails the database by at most this interval; a crash in
            # between is repaired when the next session opens (sync_mirror).
            self.custody.sync_mirror()
            self.blobs.sync()
            self._last_sync = time.monotonic()

    def close(self) -> None:
        """Make everything written so far durable."""
        self._maybe_sync(force=True)
        self.custody.sync_mirror(durable=True)


def _now() -> str:
    return utcnow().strftime("%Y-%m-%dT%H:%M:%S.%fZ")

