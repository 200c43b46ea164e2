"""What a case holds, gathered once for the case file, the evidence ZIP and takedowns.

For every listing of a case: the stored fields, contact identifiers, the newest
assessment, and the evidence blobs that back it (the listing's capture and anything the
preserve stage recorded for it), each with its SHA-256.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wildtrace.act.cases import CaseBook
from wildtrace.blobstore import BlobStore
from wildtrace.records import Case
from wildtrace.store import tables as t
from wildtrace.store.tables.preserve import artefacts, captures


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


def evidence_for(engine: Engine, blobs: BlobStore, listing: dict[str, Any]) -> list[EvidenceItem]:
    """The evidence blobs that back one listing, known to the blob index."""
    wanted: list[tuple[str, str]] = []
    if listing.get("capture_sha256"):
        wanted.append((listing["capture_sha256"], "capture"))
    extra = listing.get("extra") or {}
    if isinstance(extra, str):
        try:
            extra = json.loads(extra)
        except ValueError:
            extra = {}
    for key in ("screenshot_sha256", "warc_sha256"):
        value = extra.get(key) if isinstance(extra, dict) else None
        if isinstance(value, str) and len(value) == 64:
            wanted.append((value, key.removesuffix("_sha256")))
    items: list[EvidenceItem] = []
    seen: set[str] = set()
    preserved = _preserved(engine, str(listing.get("capture_sha256") or ""))
    with engine.connect() as conn:
        for sha, role, media in preserved:
            if sha in seen:
                continue
            seen.add(sha)
            present = blobs.exists(sha)
            size = blobs.path(sha).stat().st_size if present else 0
            items.append(EvidenceItem(sha256=sha, role=role, media_type=media or
                                      "application/octet-stream", size=size, present=present))
        for sha, role in wanted:
            if sha in seen:
                continue
            seen.add(sha)
            row = conn.execute(sa.select(t.blobs).where(t.blobs.c.sha256 == sha)).first()
            try:
                present = blobs.exists(sha)
            except Exception:  # a malformed digest in imported data is just "absent"
                present = False
            items.append(EvidenceItem(
                sha256=sha, role=role,
                media_type=row.media_type if row else "application/octet-stream",
                size=int(row.size) if row else 0, present=present))
    return items


def _preserved(engine: Engine, body_sha256: str) -> list[tuple[str, str, str]]:
    """(sha256, kind, media type) of the preserve stage's artefacts behind a capture body.

    The newest capture whose body is ``body_sha256`` counts; its artefacts are the body,
    the robots.txt copy, screenshots and rendered DOM.
    """
    if not body_sha256:
        return []
    q = (sa.select(artefacts.c.sha256, artefacts.c.kind, artefacts.c.media_type)
         .where(artefacts.c.capture_id == sa.select(sa.func.max(captures.c.id)).where(
             captures.c.body_sha256 == body_sha256).scalar_subquery())
         .order_by(artefacts.c.id))
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    return [(str(r.sha256), "capture" if r.kind == "body" else str(r.kind),
             str(r.media_type or "")) for r in rows]


def media_type_of(engine: Engine, sha256: str) -> str | None:
    """The media type recorded for a blob (blob index or preserve artefacts), or None."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(t.blobs.c.media_type).where(
            t.blobs.c.sha256 == sha256)).first()
        if row is not None:
            return str(row.media_type)
        found = conn.execute(sa.select(artefacts.c.media_type).where(
            artefacts.c.sha256 == sha256).limit(1)).first()
    return str(found.media_type or "application/octet-stream") if found else None


def latest_assessment(engine: Engine, listing_id: int) -> dict[str, Any] | None:
    """The newest assessment of a listing, or None."""
    q = (sa.select(t.assessments).where(t.assessments.c.listing_id == listing_id)
         .order_by(t.assessments.c.id.desc()).limit(1))
    with engine.connect() as conn:
        row = conn.execute(q).first()
    return dict(row._mapping) if row else None


def gather(engine: Engine, blobs: BlobStore, case: Case) -> CaseMaterial:
    """Collect every listing of ``case`` with its identifiers, assessment and evidence."""
    ids = CaseBook(engine).listing_ids(case)
    rows: dict[int, dict[str, Any]] = {}
    with engine.connect() as conn:
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            for r in conn.execute(sa.select(t.listings).where(t.listings.c.id.in_(chunk))):
                rows[r.id] = dict(r._mapping)
    out: list[CaseListing] = []
    for lid in ids:
        row = rows.get(lid)
        if row is None:
            continue
        try:
            idents = json.loads(row.get("identifiers") or "[]")
        except ValueError:
            idents = []
        out.append(CaseListing(row=row, identifiers=idents if isinstance(idents, list) else [],
                               assessment=latest_assessment(engine, lid),
                               evidence=evidence_for(engine, blobs, row)))
    sellers = sorted({i.ref for i in case.items if i.kind == "seller"}
                     | {str(c.row["seller"]) for c in out if c.row.get("seller")})
    sellers += [f"the seller behind listing {i.ref} (as linked)" for i in case.items
                if i.kind == "seller_of"]
    return CaseMaterial(case=case, listings=out, sellers=sellers)
