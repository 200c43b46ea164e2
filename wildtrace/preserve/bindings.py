"""Rows against the custody log, both ways, for ``evidence verify``.

Every capture, artefact, listing taken from a capture, imported file and tip must match
the custody entry that logged it, and every entry must still have its row: a row with no
entry was added or rewritten behind the log's back, an entry with no row names evidence
that was deleted. What binds a row to its entry is a hash the entry recorded: the capture
record's hash and its id; the artefact's blob and the capture it was stored for (so a
screenshot moved to another capture is caught); the capture's body and robots hashes (so
a body row pointed at another blob is caught); the hash of the listing extracted from
the page (so an edited title or price is caught). Rows are streamed; per capture only
its id and a few hashes are kept.
"""

from __future__ import annotations

import json
from collections.abc import Set
from dataclasses import asdict, dataclass, field

from wildtrace.preserve.capture import (
    LISTING_FIELDS,
    capture_fields,
    extracted_hash,
    record_hash,
)
from wildtrace.preserve.custody_index import CustodyIndex, Problem, problem
from wildtrace.workspace import Workspace

IMPORTED = "imported:"  # the warc_file of a page read from an imported file


@dataclass(frozen=True, slots=True)
class CaptureFacts:
    """What the later checks need of one capture row."""

    body: str
    robots: str
    extracted: str | None  # the listing hash its custody entry recorded


@dataclass
class Captures:
    """The capture rows checked, by id, and what the other checks take from them."""

    facts: dict[int, CaptureFacts] = field(default_factory=dict)
    named: list[tuple[int, str, str, list[str]]] = field(default_factory=list)
    tip_pages: dict[int, tuple[int, str]] = field(default_factory=dict)  # tip -> capture
    referenced: set[str] = field(default_factory=set)  # blobs the rows name


def _present(ws: Workspace, stored: Set[str] | None, sha: str) -> bool:
    """Whether a blob is stored: from the listing verify already made (one listing of
    an object store rather than a request per blob), else asked of the store."""
    return sha in stored if stored is not None else ws.blobs.exists(sha)


def check_captures(ws: Workspace, idx: CustodyIndex, out: list[Problem],
                   stored: Set[str] | None = None) -> Captures:
    """Each capture row against its hash and its ``captured`` entry, and each entry
    against its row (``stored``: the digests of every stored blob, when known)."""
    caps = Captures()
    for row in ws.store.evidence.iter_captures():
        where = f"capture {row.id} {row.final_url}"
        caps.named.append((row.id, row.final_url, row.warc_file,
                           json.loads(row.warc_record_ids or "[]")))
        logged = idx.captured.pop(row.id, None)
        caps.facts[row.id] = CaptureFacts(row.body_sha256, row.robots_sha256,
                                          logged.extracted if logged else None)
        caps.referenced.update(s for s in (row.body_sha256, row.robots_sha256) if s)
        if record_hash(capture_fields(asdict(row))) != row.record_sha256:
            out.append(problem("capture", where, "capture record was changed after it "
                               "was logged"))
        elif logged is None:
            out.append(problem("capture", where, "no custody entry for this capture "
                               f"(record {row.record_sha256})"))
        elif logged.record_sha256 != row.record_sha256:
            out.append(problem("capture", where, f"custody entry {logged.seq} logged "
                               f"record {logged.record_sha256}, the row holds "
                               f"{row.record_sha256} (replaced or renumbered?)"))
        if logged is not None and logged.tip_id is not None:
            caps.tip_pages[logged.tip_id] = (row.id, row.body_sha256)
        if row.warc_file.startswith(IMPORTED):
            _check_imported_page(ws, idx, where, row.warc_file[len(IMPORTED):], out,
                                 stored)
    for cid, logged in sorted(idx.captured.items()):
        out.append(problem("capture", f"capture {cid}", f"custody entry {logged.seq} "
                           f"names this capture (record {logged.record_sha256}), which is "
                           "gone from table captures (deleted?)"))
    return caps


def _check_imported_page(ws: Workspace, idx: CustodyIndex, where: str, sha: str,
                         out: list[Problem], stored: Set[str] | None) -> None:
    if sha not in idx.imported:
        out.append(problem("capture", where, f"read from imported file {sha}, which the "
                           "custody log does not register"))
    elif not _present(ws, stored, sha):
        out.append(problem("capture", where, f"read from imported file "
                           f"{idx.imported[sha][1]}, whose blob {sha} is missing"))


def check_artefacts(ws: Workspace, idx: CustodyIndex, caps: Captures,
                    out: list[Problem], stored: Set[str] | None = None) -> int:
    """Each artefact row against its capture and its custody entry, then each logged
    artefact against its row; returns the rows read."""
    n = 0
    bodies: set[int] = set()
    robots: set[int] = set()
    for art in ws.store.evidence.iter_artefact_rows():
        n += 1
        where = f"artefact {art.id} (capture {art.capture_id} {art.kind})"
        caps.referenced.add(art.sha256)
        if not _present(ws, stored, art.sha256):
            out.append(problem("artefact", where, f"blob {art.sha256} is missing"))
        cap = caps.facts.get(art.capture_id)
        if cap is None:
            out.append(problem("artefact", where, f"names capture {art.capture_id}, "
                               "which is not in table captures"))
        elif art.kind in ("body", "robots"):
            seen, want = (bodies, cap.body) if art.kind == "body" else (robots, cap.robots)
            if art.sha256 != want:
                out.append(problem("artefact", where, f"blob {art.sha256} is not the "
                                   f"{art.kind} the capture record names ({want or 'none'})"
                                   ": pointed at another blob?"))
            elif art.capture_id in seen:
                out.append(problem("artefact", where, f"a second {art.kind} row for "
                                   "this capture"))
            seen.add(art.capture_id)
        else:
            _match_logged(idx, art.capture_id, art.kind, art.sha256, where, out)
    for cid, cap in sorted(caps.facts.items()):
        if cid not in bodies:
            out.append(problem("artefact", f"capture {cid} body", f"no artefact row holds "
                               f"its body {cap.body} (deleted?)"))
        if cap.robots and cid not in robots:
            out.append(problem("artefact", f"capture {cid} robots", "no artefact row holds "
                               f"its robots.txt copy {cap.robots} (deleted?)"))
    for (cid, kind, sha), seqs in sorted(idx.artefacts.items()):
        caps.referenced.add(sha)
        for seq in seqs:
            out.append(problem("artefact", f"capture {cid} {kind}", f"custody entry {seq} "
                               f"stored {kind} {sha} for this capture, and no artefact row "
                               "holds it (deleted or moved?)"))
    return n


def _match_logged(idx: CustodyIndex, cid: int, kind: str, sha: str, where: str,
                  out: list[Problem]) -> None:
    """Consume the custody entry that stored this artefact for this capture."""
    seqs = idx.artefacts.get((cid, kind, sha))
    if seqs:
        seqs.pop()
        if not seqs:
            del idx.artefacts[(cid, kind, sha)]
        return
    owner = idx.owner_of(kind, sha)
    if owner is not None:
        out.append(problem("artefact", where, f"blob {sha} was logged as the {kind} of "
                           f"capture {owner}, not of capture {cid} (moved or swapped?)"))
    else:
        out.append(problem("artefact", where, f"blob {sha} is not in the custody log"))


def check_listings(ws: Workspace, caps: Captures, out: list[Problem]) -> tuple[int, int]:
    """Each listing extracted from a capture against the hash its capture's custody
    entry recorded; returns (listings checked, listings whose capture was logged before
    listings were hashed). Listings imported from CSV or JSONL have no capture."""
    n = legacy = 0
    for lst in ws.store.evidence.iter_captured_listings(LISTING_FIELDS):
        n += 1
        where = f"listing {lst.id}"
        ids = [lst.capture_id] if lst.capture_id is not None else \
            ws.store.evidence.captures_with_body(lst.capture_sha256)
        found = [(cid, caps.facts[cid]) for cid in ids if cid in caps.facts]
        if not found:
            out.append(problem("listing", where, f"names capture "
                               f"{ids[0] if ids else lst.capture_sha256}, which is not "
                               "in table captures"))
            continue
        cid, cap = found[0]
        if cap.body != lst.capture_sha256:
            out.append(problem("listing", where, f"names capture {cid}, whose body is "
                               f"{cap.body}, not {lst.capture_sha256} (pointed at another "
                               "capture?)"))
            continue
        logged = [c.extracted for _, c in found]
        if all(e is None for e in logged):
            legacy += 1
        elif extracted_hash(lst.fields) not in {h for e in logged if e
                                                for h in e.split(",")}:
            # A forum thread's capture logs one hash per post, comma-separated.
            said = "no listing" if logged == [""] else f"listing {logged[0]}"
            out.append(problem("listing", where, f"its {', '.join(LISTING_FIELDS)} are "
                               f"not what was extracted from capture {cid} (custody "
                               f"recorded {said}): edited after capture?"))
    return n, legacy


def check_tips(ws: Workspace, idx: CustodyIndex, caps: Captures,
               out: list[Problem], stored: Set[str] | None = None) -> int:
    """Each tip's screenshot and captured page against the custody log, both ways;
    returns the tips read."""
    n = 0
    for tip_id, shot, page in ws.store.tips.iter_evidence():
        n += 1
        where = f"tip {tip_id}"
        if shot:
            caps.referenced.add(shot)
            logged = idx.tip_shots.pop(tip_id, None)
            if not _present(ws, stored, shot):
                out.append(problem("tip", where, f"screenshot blob {shot} is missing"))
            if logged is None:
                out.append(problem("tip", where, f"screenshot {shot} is not in the "
                                   "custody log"))
            elif logged[1] != shot:
                out.append(problem("tip", where, f"screenshot {shot} is not the one "
                                   f"custody entry {logged[0]} logged ({logged[1]})"))
        if page:
            caps.referenced.add(page)
            cap = caps.tip_pages.pop(tip_id, None)
            if cap is None:
                out.append(problem("tip", where, f"page {page} has no capture logged "
                                   "for this tip in the custody log"))
            elif cap[1] != page:
                out.append(problem("tip", where, f"page {page} is not the body of "
                                   f"capture {cap[0]}, logged as this tip's ({cap[1]})"))
    for tip_id, (seq, sha) in sorted(idx.tip_shots.items()):
        caps.referenced.add(sha)
        out.append(problem("tip", f"tip {tip_id}", f"custody entry {seq} logged screenshot "
                           f"{sha} for this tip, which no tips row names (deleted?)"))
    for tip_id, (cid, body) in sorted(caps.tip_pages.items()):
        out.append(problem("tip", f"tip {tip_id}", f"custody logged capture {cid} "
                           f"(body {body}) as this tip's page, which no tips row names "
                           "(deleted?)"))
    return n


def check_imported(ws: Workspace, idx: CustodyIndex, caps: Captures,
                   out: list[Problem], stored: Set[str] | None = None) -> int:
    """Each imported file the custody log registers still has its blob; returns how
    many were registered."""
    for sha, (seq, subject) in sorted(idx.imported.items()):
        caps.referenced.add(sha)
        if not _present(ws, stored, sha):
            out.append(problem("imported_file", subject, f"blob {sha}, registered by "
                               f"custody entry {seq}, is missing"))
    return len(idx.imported)


def check_unreferenced(stored: set[str], caps: Captures, out: list[Problem]) -> None:
    """Blobs that no row or custody entry names: planted, or left by a run that
    crashed before its rows committed. Nothing relies on them, but the evidence store
    should hold only evidence."""
    for sha in sorted(stored - caps.referenced):
        out.append(problem("blob", sha, "not named by any capture, artefact, tip or "
                           "custody entry (planted, or left by an interrupted run)"))
