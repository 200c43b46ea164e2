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

A shared file is another team's, or anyone's who can write one, so it is read as hostile:
the whole file is parsed and checked before anything is stored (NaN, Infinity and
nesting deeper than any export are refused with the file named, whatever the format
asked for); an advert URL that is not http(s) is dropped and counted (a ``javascript:``
link must not become a listing's link), numbers must be finite, evidence hashes hex,
and the producer's name is cut to one printable line (it becomes the listings' source
and is printed on terminals).
"""

from __future__ import annotations

import json
import math
import unicodedata
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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
MAX_IDENTIFIERS = 200  # per imported listing
MAX_EVIDENCE = 200  # evidence hashes per imported listing
HEX = frozenset("0123456789abcdef")


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
    dropped_urls: int = 0

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


def _parse(text: str, where: str | None = None) -> Any:
    """The JSON of a shared file, strictly: FormatError for what is not JSON, for NaN
    and Infinity (not JSON, and not numbers the store or the libraries can write back)
    and for nesting deeper than any real export."""
    def refuse(name: str) -> Any:
        raise FormatError(f"{name} is not a JSON number", file=where)

    try:
        return json.loads(text, parse_constant=refuse)
    except json.JSONDecodeError as exc:
        raise FormatError(f"not JSON ({exc.msg} at line {exc.lineno})", file=where,
                          hint="a STIX 2.1 bundle or a MISP event is a JSON file") from exc
    except (ValueError, RecursionError) as exc:  # nesting deeper than any real export
        raise FormatError("not JSON that can be read (nested too deep)", file=where) from exc


def _kind(doc: Any, where: str | None = None) -> str:
    if isinstance(doc, dict) and doc.get("type") == "bundle":
        return "stix"
    if isinstance(doc, dict) and ("Event" in doc or {"info", "uuid"} <= set(doc)):
        return "misp"
    raise FormatError("neither a STIX 2.1 bundle nor a MISP event", file=where,
                      hint="export files of wildtrace intel export are either")


def sniff(text: str) -> str:
    """``stix`` or ``misp`` from a file's top-level JSON object, else FormatError."""
    return _kind(_parse(text))


def read_package(path: Path, fmt: str = "auto") -> tuple[str, IntelPackage]:
    """The package a shared file holds, with the format it was in."""
    if fmt not in (*FORMATS, "auto"):
        raise InputError(f"unknown intelligence format {fmt!r}", hint="use stix, misp or auto")
    if not path.is_file():  # a pipe or a device has no size to check
        raise InputError(f"{path}: not a regular file")
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)  # bounded even if the file grows meanwhile
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise FormatError(f"more than {MAX_FILE_BYTES} bytes", file=str(path))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(f"not UTF-8 text (byte {exc.start})", file=str(path)) from exc
    del raw
    doc = _parse(text, str(path))  # checked whatever format is asked for
    kind = _kind(doc, str(path)) if fmt == "auto" else fmt
    try:
        if kind == "stix":
            return kind, read_bundle(text, str(path))
        return kind, read_event(text, str(path))
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        # what a library lets through on a shape it did not expect
        raise FormatError(f"not a {kind} file that can be read: {type(exc).__name__}: "
                          f"{str(exc)[:200]}", file=str(path)) from exc


def _producer(name: str) -> str:
    """A producer's name as one printable line (it is the listings' source)."""
    shown = "".join(c if unicodedata.category(c)[0] != "C" else " " for c in name)
    return " ".join(shown.split())[:100] or "unknown"


def _number(value: float | None) -> float | None:
    """A finite number, else None (a bool is not a price)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _page_url(url: str) -> str:
    """The advert's URL if it is one a browser may open as a page (http or https)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else ""


def _draft(item: IntelListing, producer: str, fmt: str) -> tuple[ListingDraft, int, int]:
    """A listing draft for one shared listing, with (kept, dropped) identifier counts."""
    idents: list[Identifier] = []
    dropped = 0
    for kind, value in item.identifiers:
        if len(idents) >= MAX_IDENTIFIERS:  # more than any advert shows: the rest dropped
            dropped += 1
            continue
        try:
            idents.append(Identifier(kind, normalise(kind, value)))
        except InputError:
            dropped += 1
    extra: dict[str, Any] = {"intel_producer": producer, "intel_ref": item.ref,
                             "intel_format": fmt}
    said = {"taxa": list(item.taxa), "cites": item.cites, "flags": list(item.flags),
            "score": _number(item.score), "platform": item.platform}
    extra["intel_assessment"] = {k: v for k, v in said.items() if v not in (None, "", [])}
    evidence = [asdict(e) for e in item.evidence
                if len(e.sha256) == 64 and all(c in HEX for c in e.sha256.lower())]
    if evidence:
        extra["intel_evidence"] = evidence[:MAX_EVIDENCE]
    draft = ListingDraft(source=f"intel:{producer}"[:200], title=item.title,
                         description=item.description, url=_page_url(item.url),
                         price=_number(item.price),
                         currency=item.currency, seller=item.seller, location=item.location,
                         posted=item.posted, language=item.language,
                         identifiers=tuple(dict.fromkeys(idents)), extra=extra,
                         origin=f"{fmt}:{producer}:{item.ref}"[:500])
    return draft, len(idents), dropped


def import_intel(ws: Workspace, user: str, path: Path, fmt: str = "auto") -> IntelImport:
    """Import a STIX bundle or MISP event as listings (audited); see the module docs."""
    kind, package = read_package(path, fmt)
    producer = _producer(package.producer)
    drafts = []
    kept = dropped = hashes = urls = 0
    for item in package.listings:
        draft, k, d = _draft(item, producer, kind)
        kept, dropped = kept + k, dropped + d
        hashes += len(draft.extra.get("intel_evidence", []))
        urls += int(bool(item.url.strip()) and not draft.url)
        basis = {"producer": producer, "ref": item.ref, "url": item.url,
                 "title": item.title, "description": item.description}
        drafts.append((draft, content_key(draft, basis)))
    inserted, duplicates = ws.store.add_listings(drafts)
    ws.store.audit.record(user, "import", "intel", path.name[:200],
                          {"format": kind, "producer": producer, "listings": len(drafts),
                           "imported": inserted, "dropped_urls": urls})
    return IntelImport(producer, kind, inserted, duplicates, kept, dropped, hashes, urls)
