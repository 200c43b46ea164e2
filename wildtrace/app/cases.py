"""Cases as investigators work them: open a case, add and remove listings and sellers,
move it through its statuses and keep its notes, look at what it gathers, and export it
(PDF case file, evidence ZIP with the WARC files of its captures, takedown CSVs).

Every change and every export is written to the audit log, exports with the listings
they held, so it can be shown later who handed out which sellers' data.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wildtrace.act.casefile import render_pdf
from wildtrace.act.cases import STATUSES, CaseBook
from wildtrace.act.evidence_pack import write_evidence_zip
from wildtrace.act.material import CaseMaterial, gather
from wildtrace.act.takedown import by_platform, takedown_csv
from wildtrace.app.photos import listing_photos
from wildtrace.errors import InputError
from wildtrace.preserve.handover import HandoverProof, evidence_proof
from wildtrace.records import Case, CustodyEntry
from wildtrace.workspace import Workspace

CASE_STATUSES = STATUSES
# The WARC files of a case's captures travel in its evidence ZIP up to this size in all;
# beyond it (a crawl's files hold thousands of other pages) each listing still names its
# WARC file and record ids, and the files are handed over from evidence/warc/.
MAX_WARC_BYTES = 200_000_000


@dataclass(frozen=True, slots=True)
class CaseView:
    """A case, what it gathers (listings, their evidence, sellers) and the platforms
    its listings are on (one takedown report each)."""

    case: Case
    material: CaseMaterial
    platforms: tuple[str, ...]


def case_view(ws: Workspace, case_id: int) -> CaseView | None:
    """One case with everything gathered for it; None when there is no such case."""
    case = CaseBook(ws.store).get(case_id)
    if case is None:
        return None
    material = gather(ws.store, ws.blobs, case)
    return CaseView(case=case, material=material, platforms=tuple(sorted(by_platform(material))))


def case_summaries(ws: Workspace, limit: int = 200) -> list[dict[str, Any]]:
    """Cases, newest first: id, title, notes, status, who opened it and when, and how
    many items it holds (``n_items``)."""
    return ws.store.cases.summaries(limit)


def open_case(ws: Workspace, title: str, user: str, notes: str = "") -> int:
    """Open a new case (audited); returns its id."""
    case_id = CaseBook(ws.store).create(title, user, notes)
    ws.store.audit.record(user, "create", "case", case_id)
    return case_id


def add_to_case(ws: Workspace, case_id: int, kind: str, ref: str, user: str,
                note: str = "") -> bool:
    """Add a listing, the seller behind a listing or a seller name to a case (audited);
    False when the case held it already."""
    added = CaseBook(ws.store).add(case_id, kind, ref, user, note)
    ws.store.audit.record(user, "add", "case", case_id, {"kind": kind, "ref": ref})
    return added


def remove_from_case(ws: Workspace, case_id: int, kind: str, ref: str, user: str) -> bool:
    """Take an item out of a case (audited); False when it was not there."""
    removed = CaseBook(ws.store).remove(case_id, kind, ref.strip())
    ws.store.audit.record(user, "remove", "case", case_id, {"kind": kind, "ref": ref})
    return removed


def update_case(ws: Workspace, case_id: int, user: str, *, status: str | None = None,
                notes: str | None = None) -> Case:
    """Change a case's status (one of :data:`CASE_STATUSES`) and/or its notes (audited,
    with the status it had); returns the case as it now is. InputError for an unknown
    status or case."""
    book = CaseBook(ws.store)
    before = book.get(case_id)
    if before is None:
        raise InputError(f"no case {case_id}")
    book.update(case_id, status=status, notes=notes)
    detail: dict[str, Any] = {}
    if status is not None:
        detail.update({"status": status, "was": before.status})
    if notes is not None:
        detail["notes_changed"] = notes != before.notes
    ws.store.audit.record(user, "update", "case", case_id, detail)
    after = book.get(case_id)
    assert after is not None
    return after


def _exported(ws: Workspace, case_id: int, user: str, what: str) -> CaseMaterial | None:
    """What a case gathers, with the export (and the listings it holds) audited first."""
    case = CaseBook(ws.store).get(case_id)
    if case is None:
        return None
    material = gather(ws.store, ws.blobs, case)
    ws.store.audit.record(user, "export", "case", case_id, {
        "format": what, "listings": [c.row["id"] for c in material.listings]})
    return material


def _proof(ws: Workspace, material: CaseMaterial) -> HandoverProof:
    """The custody head, the custody entries of the case's evidence and the trusted
    timestamps covering them."""
    entries: dict[int, CustodyEntry] = {}
    for item in material.listings:
        for entry in item.custody:  # gathered with the listing (material.gather)
            entries[entry.seq] = entry
    return evidence_proof(ws.store, ws.blobs, entries.values())


def _photos(ws: Workspace, material: CaseMaterial) -> dict[int, list[dict[str, Any]]]:
    """The kept photos of the case's listings, by listing id (for the case file)."""
    ids = [int(item.row["id"]) for item in material.listings if item.row.get("id")]
    return {i: listing_photos(ws, i) for i in ids}


def _warcs(ws: Workspace, material: CaseMaterial) -> dict[str, Path]:
    """The sealed WARC files the case's captures are in, while they fit the size cap
    (smallest first, so as many as possible travel)."""
    names = {item.capture.warc_file for item in material.listings
             if item.capture is not None and item.capture.warc_file}
    sealed = sorted((w.size, w.name) for w in ws.store.evidence.warc_files()
                    if w.name in names and w.sealed_at is not None)
    out: dict[str, Path] = {}
    total = 0
    for size, name in sealed:
        path = ws.evidence_dir / "warc" / name
        if "/" in name or "\\" in name or not path.is_file() or total + size > MAX_WARC_BYTES:
            continue
        out[name] = path
        total += size
    return out


def casefile_export(ws: Workspace, case_id: int, user: str) -> bytes | None:
    """The case file as PDF (needs the ``[pdf]`` extra), ending with the custody head
    and trusted timestamps; None when there is no such case."""
    material = _exported(ws, case_id, user, "pdf")
    if material is None:
        return None
    return render_pdf(material, ws.blobs, user, _proof(ws, material), _photos(ws, material))


def evidence_export(ws: Workspace, case_id: int, user: str,
                    with_casefile: bool = False) -> bytes | None:
    """The evidence ZIP with its SHA-256 manifest, the custody head and the trusted
    timestamps covering its evidence (and the case file PDF when asked); None when there
    is no such case."""
    material = _exported(ws, case_id, user, "zip")
    if material is None:
        return None
    buf = io.BytesIO()
    proof = _proof(ws, material)
    pdf = render_pdf(material, ws.blobs, user, proof, _photos(ws, material)) \
        if with_casefile else None
    write_evidence_zip(material, ws.blobs, buf, exported_by=user, pdf=pdf, proof=proof,
                       warcs=_warcs(ws, material))
    return buf.getvalue()


def takedown_export(ws: Workspace, case_id: int, user: str, platform: str) -> str | None:
    """The takedown report (CSV) for one platform of a case; None when there is no such
    case."""
    material = _exported(ws, case_id, user, f"takedown:{platform}")
    if material is None:
        return None
    down = ws.store.revisits.gone_dates(int(i.row["id"]) for i in material.listings
                                        if i.row.get("id") is not None)
    return takedown_csv(material, platform, down)
