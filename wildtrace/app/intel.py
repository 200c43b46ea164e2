"""Share intelligence with other teams: a case or a selection of listings exported as a
STIX 2.1 bundle or a MISP event, and such a file imported back as listings.

An export is audited before it is written, with the listings it holds (sellers'
identifiers are personal data: who handed out whose data must be answerable later). An
import adds each shared listing as a listing of source ``intel:<producer>``, with its
contact identifiers re-normalised by the extract stage (a value that is not a valid
phone, e-mail, handle or wallet is dropped and counted, never stored as if it were), and
the producer's assessment and evidence hashes kept beside it as what they said: the
receiving team's own ``process`` judges the listing afresh, and its link stage joins the
shared sellers to its own through the identifiers. Importing the same file twice adds
nothing.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wildtrace.act.cases import CaseBook
from wildtrace.act.exports.misp import read_event, to_event
from wildtrace.act.exports.stix import read_bundle, to_bundle
from wildtrace.act.intel import IntelListing, IntelPackage, package_of
from wildtrace.act.material import gather
from wildtrace.errors import FormatError, InputError
from wildtrace.extract.identifiers import normalise
from wildtrace.records import Case, CaseItem, Identifier, ListingDraft
from wildtrace.store import content_key
from wildtrace.workspace import Workspace

FORMATS = ("stix", "misp")
MEDIA_TYPES = {"stix": "application/stix+json;version=2.1", "misp": "application/json"}
MAX_SELECTION = 5000
MAX_FILE_BYTES = 200_000_000


@dataclass(frozen=True, slots=True)
class IntelImport:
    """What an import did."""

    producer: str
    format: str
    imported: int
    duplicates: int
    identifiers: int
    dropped_identifiers: int
    evidence_hashes: int

    def as_dict(self) -> dict[str, Any]:
        """The ``intel import --json`` shape."""
        return asdict(self)


def producer_of(ws: Workspace) -> str:
    """Who this workspace says it is when it shares: the ``operator`` setting."""
    return str(getattr(ws.settings, "operator", "") or "") or "wildtrace"


def build_package(ws: Workspace, *, case_id: int | None = None,
                  listing_ids: tuple[int, ...] = ()) -> IntelPackage:
    """The package for a case or a selection of listings; InputError when there is
    neither, or no such case."""
    if case_id is not None:
        case = CaseBook(ws.store).get(case_id)
        if case is None:
            raise InputError(f"no case {case_id}", hint="wildtrace case list shows them")
        title = case.title
    elif listing_ids:
        if len(listing_ids) > MAX_SELECTION:
            raise InputError(f"{len(listing_ids)} listings selected; at most {MAX_SELECTION}")
        title = f"{len(listing_ids)} selected listings"
        case = Case(id=0, title=title, notes="", status="open", created_by="",
                    items=tuple(CaseItem("listing", str(i)) for i in listing_ids))
    else:
        raise InputError("nothing to export", hint="name --case N or --listing ID")
    material = gather(ws.store, ws.blobs, case)
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return package_of(material, producer_of(ws), created, case_id)


def export_intel(ws: Workspace, user: str, fmt: str, *, case_id: int | None = None,
                 listing_ids: tuple[int, ...] = ()) -> tuple[str, IntelPackage]:
    """The text of the export and the package it holds; audited before it is returned."""
    if fmt not in FORMATS:
        raise InputError(f"unknown intelligence format {fmt!r}", hint="use stix or misp")
    package = build_package(ws, case_id=case_id, listing_ids=listing_ids)
    ws.store.audit.record(user, "export", "case" if case_id is not None else "listings",
                          case_id if case_id is not None else "",
                          {"format": fmt, "listings": [x.ref for x in package.listings],
                           "identifiers": sum(len(x.identifiers) for x in package.listings)})
    text = to_bundle(package) if fmt == "stix" else to_event(package)
    return text, package


def sniff(text: str) -> str:
    """``stix`` or ``misp`` from a file's top-level JSON object, else FormatError."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(f"not JSON ({exc.msg} at line {exc.lineno})",
                          hint="a STIX 2.1 bundle or a MISP event is a JSON file") from exc
    except (ValueError, RecursionError) as exc:  # nesting deeper than any real export
        raise FormatError("not JSON that can be read (nested too deep)") from exc
    if isinstance(doc, dict) and doc.get("type") == "bundle":
        return "stix"
    if isinstance(doc, dict) and ("Event" in doc or {"info", "uuid"} <= set(doc)):
        return "misp"
    raise FormatError("neither a STIX 2.1 bundle nor a MISP event",
                      hint="export files of wildtrace intel export are either")


def read_package(path: Path, fmt: str = "auto") -> tuple[str, IntelPackage]:
    """The package a shared file holds, with the format it was in."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from exc
    if size > MAX_FILE_BYTES:
        raise FormatError(f"{size} bytes, more than {MAX_FILE_BYTES}", file=str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError("not UTF-8 text", file=str(path)) from exc
    try:
        kind = sniff(text) if fmt == "auto" else fmt
    except FormatError as exc:
        raise FormatError(exc.reason, file=str(path), hint=exc.hint) from exc
    if kind == "stix":
        return kind, read_bundle(text, str(path))
    if kind == "misp":
        return kind, read_event(text, str(path))
    raise InputError(f"unknown intelligence format {fmt!r}", hint="use stix, misp or auto")


def _draft(item: IntelListing, producer: str, fmt: str) -> tuple[ListingDraft, int, int]:
    """A listing draft for one shared listing, with (kept, dropped) identifier counts."""
    idents: list[Identifier] = []
    dropped = 0
    for kind, value in item.identifiers:
        try:
            idents.append(Identifier(kind, normalise(kind, value)))
        except InputError:
            dropped += 1
    extra: dict[str, Any] = {"intel_producer": producer, "intel_ref": item.ref,
                             "intel_format": fmt}
    said = {"taxa": list(item.taxa), "cites": item.cites, "flags": list(item.flags),
            "score": item.score, "platform": item.platform}
    extra["intel_assessment"] = {k: v for k, v in said.items() if v not in (None, "", [])}
    if item.evidence:
        extra["intel_evidence"] = [asdict(e) for e in item.evidence]
    draft = ListingDraft(source=f"intel:{producer}"[:200], title=item.title,
                         description=item.description, url=item.url, price=item.price,
                         currency=item.currency, seller=item.seller, location=item.location,
                         posted=item.posted, language=item.language,
                         identifiers=tuple(dict.fromkeys(idents)), extra=extra,
                         origin=f"{fmt}:{producer}:{item.ref}"[:500])
    return draft, len(idents), dropped


def import_intel(ws: Workspace, user: str, path: Path, fmt: str = "auto") -> IntelImport:
    """Import a STIX bundle or MISP event as listings (audited); see the module docs."""
    kind, package = read_package(path, fmt)
    producer = package.producer or "unknown"
    drafts = []
    kept = dropped = hashes = 0
    for item in package.listings:
        draft, k, d = _draft(item, producer, kind)
        kept, dropped, hashes = kept + k, dropped + d, hashes + len(item.evidence)
        basis = {"producer": producer, "ref": item.ref, "url": item.url,
                 "title": item.title, "description": item.description}
        drafts.append((draft, content_key(draft, basis)))
    inserted, duplicates = ws.store.add_listings(drafts)
    ws.store.audit.record(user, "import", "intel", path.name[:200],
                          {"format": kind, "producer": producer, "listings": len(drafts),
                           "imported": inserted})
    return IntelImport(producer, kind, inserted, duplicates, kept, dropped, hashes)
