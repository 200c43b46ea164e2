"""What a case holds, gathered once for the case file, the evidence ZIP and takedowns.

For every listing of a case: the stored fields, contact identifiers, the newest
assessment, the evidence blobs that back it (the listing's capture and anything the
preserve stage recorded for it), each with its SHA-256, and the capture record and
custody entries behind it (:mod:`wildtrace.act.provenance`). The listing page shows a
listing's evidence and reasons the same way, through :func:`evidence_for` and
:func:`reasons_of`. A site's robots.txt copy is evidence of the rules at capture time,
never the page: :attr:`EvidenceItem.is_page` is what a replay may show.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from wildtrace.act.cases import CaseBook
from wildtrace.act.provenance import CaptureFacts, capture_key, facts_for, first_of
from wildtrace.act.reason_sentence import reason_sentence
from wildtrace.blobstore import BlobStore
from wildtrace.extract.title import display_title
from wildtrace.records import Case, CustodyEntry
from wildtrace.store import Store

PAGE_ROLES = ("capture", "dom", "tip page")
# The extra field where a listing made from a citizen's tip names its captured page: not
# ``capture_sha256``, which means "extracted from this capture" to evidence verify.
TIP_PAGE = "tip_page_sha256"


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """One evidence blob behind a listing."""

    sha256: str
    role: str  # capture, screenshot, warc, ...
    media_type: str
    size: int
    present: bool  # the bytes are in the blob store

    @property
    def is_page(self) -> bool:
        """True for the captured page itself (its body or rendered DOM): what a replay
        may show. A robots.txt copy, a screenshot or a WARC file is not the page."""
        return self.role in PAGE_ROLES


@dataclass
class CaseListing:
    """A listing of a case with what backs it."""

    row: dict[str, Any]
    identifiers: list[dict[str, str]]
    assessment: dict[str, Any] | None
    evidence: list[EvidenceItem] = field(default_factory=list)
    capture: CaptureFacts | None = None
    custody: tuple[CustodyEntry, ...] = ()

    @property
    def reason(self) -> str:
        """Why the listing is in a takedown, in one plain sentence."""
        return reason_sentence(self.assessment)

    @property
    def platform(self) -> str:
        """The platform a takedown goes to: the URL's host, else the listing source."""
        return platform_of(str(self.row.get("url") or ""), str(self.row.get("source") or ""))

    @property
    def heading(self) -> str:
        """What a screen calls the listing: its title, else the start of its text."""
        return display_title(self.row.get("title"), self.row.get("description"))


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
    extra = extra_of(listing)
    capture = capture_body(listing, extra)
    role = "capture" if listing.get("capture_sha256") else "tip page"
    wanted: list[tuple[str, str]] = [(capture, role)] if capture else []
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
                                  role=role if art.kind == "body" else art.kind,
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


def capture_body(listing: dict[str, Any], extra: dict[str, Any] | None = None) -> str:
    """The body hash of the capture behind a listing: the one it was extracted from,
    else the page captured for the citizen's tip it was made from ("" for neither)."""
    tip_page = (extra if extra is not None else extra_of(listing)).get(TIP_PAGE)
    return first_of([str(listing.get("capture_sha256") or ""),
                     tip_page if isinstance(tip_page, str) else ""])


def gather(store: Store, blobs: BlobStore, case: Case) -> CaseMaterial:
    """Collect every listing of ``case`` with its identifiers, assessment, evidence,
    capture record and custody entries."""
    ids = CaseBook(store).listing_ids(case)
    rows = store.cases.listing_rows(ids)
    keys = {lid: capture_key(row, extra_of(row), capture_body(row))
            for lid, row in rows.items()}
    captured = store.cases.captures_of(
        [int(k[3:]) for k in keys.values() if k.startswith("id:")],
        [k for k in keys.values() if k and not k.startswith("id:")])
    out: list[CaseListing] = []
    for lid in ids:
        row = rows.get(lid)
        if row is None:
            continue
        evidence = evidence_for(store, blobs, row)
        custody = tuple(store.evidence.custody_of(
            [e.sha256 for e in evidence], capture_body(row), limit=10_000))
        out.append(CaseListing(row=row, identifiers=identifiers_of(row),
                               assessment=store.review.latest_assessment(lid),
                               evidence=evidence,
                               capture=facts_for(captured.get(keys[lid]), custody),
                               custody=custody))
    sellers = sorted({i.ref for i in case.items if i.kind == "seller"}
                     | {str(c.row["seller"]) for c in out if c.row.get("seller")})
    sellers += [f"the seller behind listing {i.ref} (as linked)" for i in case.items
                if i.kind == "seller_of"]
    return CaseMaterial(case=case, listings=out, sellers=sellers)
