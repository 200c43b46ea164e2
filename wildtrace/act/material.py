"""What a case holds, gathered once for the case file, the evidence ZIP and takedowns.

For every listing of a case: the stored fields, contact identifiers, the newest
assessment, and the evidence blobs that back it (the listing's capture and anything the
preserve stage recorded for it), each with its SHA-256. The listing page shows a
listing's evidence and reasons the same way, through :func:`evidence_for` and
:func:`reasons_of`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from wildtrace.act.cases import CaseBook
from wildtrace.blobstore import BlobStore
from wildtrace.records import Case
from wildtrace.store import Store


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """One evidence blob behind a listing."""

    sha256: str
    role: str  # capture, screenshot, warc, ...
    media_type: str
    size: int
    present: bool  # the bytes are in the blob store


@dataclass
class CaseListing:
    """A listing of a case with what backs it."""

    row: dict[str, Any]
    identifiers: list[dict[str, str]]
    assessment: dict[str, Any] | None
    evidence: list[EvidenceItem] = field(default_factory=list)

    @property
    def platform(self) -> str:
        """The platform a takedown goes to: the URL's host, else the listing source."""
        return platform_of(str(self.row.get("url") or ""), str(self.row.get("source") or ""))


@dataclass
class CaseMaterial:
    """A case and everything gathered for it."""

    case: Case
    listings: list[CaseListing]
    sellers: list[str]


def platform_of(url: str, source: str) -> str:
    """The platform of a listing URL (host without www.), else its source name."""
    host = (urlsplit(url or "").hostname or "").removeprefix("www.")
    return host or source or "unknown"


def _json(value: object, default: Any) -> Any:
    """A JSON column's value; ``default`` when it is empty or not JSON (imported data)."""
    if not isinstance(value, str):  # already decoded, or absent
        return default if value is None else value
    if not value:
        return default
    try:
        return json.loads(value)
    except ValueError:
        return default


def reasons_of(assessment: dict[str, Any] | None) -> list[str]:
    """The reasons an assessment recorded (its ``reasons`` JSON column), as text lines."""
    if not assessment:
        return []
    value = _json(assessment.get("reasons"), [])
    return [str(v) for v in value] if isinstance(value, list) else []


def identifiers_of(listing: dict[str, Any]) -> list[dict[str, str]]:
    """The contact identifiers stored with a listing row (``{"kind", "value"}`` each)."""
    value = _json(listing.get("identifiers"), [])
    return [i for i in value if isinstance(i, dict)] if isinstance(value, list) else []


def extra_of(listing: dict[str, Any]) -> dict[str, Any]:
    """The extra fields stored with a listing row; {} when there are none or they are
    not a JSON object."""
    value = _json(listing.get("extra"), {})
    return value if isinstance(value, dict) else {}


def evidence_for(store: Store, blobs: BlobStore, listing: dict[str, Any]) -> list[EvidenceItem]:
    """The evidence blobs that back one listing row: the preserve stage's artefacts of
    its capture, then the capture, screenshot and WARC named in the row itself."""
    capture = str(listing.get("capture_sha256") or "")
    wanted: list[tuple[str, str]] = [(capture, "capture")] if capture else []
    extra = extra_of(listing)
    for key in ("screenshot_sha256", "warc_sha256"):
        value = extra.get(key)
        if isinstance(value, str) and len(value) == 64:
            wanted.append((value, key.removesuffix("_sha256")))
    items: list[EvidenceItem] = []
    seen: set[str] = set()
    for art in store.evidence.artefacts_for(capture):
        if art.sha256 in seen:
            continue
        seen.add(art.sha256)
        present = blobs.exists(art.sha256)
        size = blobs.size(art.sha256) if present else 0
        items.append(EvidenceItem(sha256=art.sha256,
                                  role="capture" if art.kind == "body" else art.kind,
                                  media_type=art.media_type or "application/octet-stream",
                                  size=size, present=present))
    indexed = store.blob_index.entries([sha for sha, _ in wanted if sha not in seen])
    for sha, role in wanted:
        if sha in seen:
            continue
        seen.add(sha)
        entry = indexed.get(sha)
        try:
            present = blobs.exists(sha)
        except Exception:  # a malformed digest in imported data is just "absent"
            present = False
        items.append(EvidenceItem(
            sha256=sha, role=role,
            media_type=entry.media_type if entry else "application/octet-stream",
            size=entry.size if entry else 0, present=present))
    return items


def gather(store: Store, blobs: BlobStore, case: Case) -> CaseMaterial:
    """Collect every listing of ``case`` with its identifiers, assessment and evidence."""
    ids = CaseBook(store).listing_ids(case)
    rows = store.cases.listing_rows(ids)
    out: list[CaseListing] = []
    for lid in ids:
        row = rows.get(lid)
        if row is None:
            continue
        out.append(CaseListing(row=row, identifiers=identifiers_of(row),
                               assessment=store.review.latest_assessment(lid),
                               evidence=evidence_for(store, blobs, row)))
    sellers = sorted({i.ref for i in case.items if i.kind == "seller"}
                     | {str(c.row["seller"]) for c in out if c.row.get("seller")})
    sellers += [f"the seller behind listing {i.ref} (as linked)" for i in case.items
                if i.kind == "seller_of"]
    return CaseMaterial(case=case, listings=out, sellers=sellers)
