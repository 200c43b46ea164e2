"""``wildtrace evidence verify``: re-hash everything and report every difference.

Checks, in order: each blob still hashes to its name; the custody chain is unbroken
and the JSONL mirror holds the same entries in the same order
(:mod:`wildtrace.preserve.custody_index`); every capture, artefact, listing taken from a
capture, tip and imported file matches the custody entry that logged it, and every
entry still has its row and blob (:mod:`wildtrace.preserve.bindings`); each WARC file
still hashes to its sealed hash, its seal is logged under its name, and every record's
block and payload digests hold; no WARC file is unregistered; no blob is named by
nothing; every trusted timestamp token
still covers a head in the chain (:func:`wildtrace.preserve.timestamp.check_timestamps`).

The answer is the same from any machine of a team that shares the database and a
shared blob store (setting ``blob_store``): blobs are re-hashed from that store, a sealed
WARC file missing from this machine's ``evidence/warc`` is read from its blob, and this
machine's custody mirror is compared as far as it goes (it may be missing) while the
chain itself is checked in the database, the log of record. On the embedded default
(SQLite and the local folder) every check is as strict as ever.
"""

from __future__ import annotations

from collections.abc import Set
from pathlib import Path
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator

from wildtrace.blobstore import sha256_file
from wildtrace.errors import EvidenceError
from wildtrace.preserve import bindings
from wildtrace.preserve.custody_index import CustodyIndex, read_custody
from wildtrace.preserve.session import CUSTODY_FILE
from wildtrace.preserve.timestamp import check_timestamps
from wildtrace.store.evidence import WarcFile
from wildtrace.workspace import Workspace


def _problem(kind: str, subject: str, detail: str) -> dict[str, str]:
    return {"kind": kind, "subject": subject, "detail": detail}


def check_warc_records(path: Path, ids: set[str] | None = None) -> tuple[int, list[str]]:
    """Records read and digest problems of one WARC file (``ids`` collects the ids of
    its response records)."""
    return check_warc_stream(path.open("rb"), ids)


def check_warc_stream(stream: IO[bytes], ids: set[str] | None = None
                      ) -> tuple[int, list[str]]:
    """:func:`check_warc_records` of a WARC file read from ``stream`` (closed after): a
    local file, or a sealed file streamed from a shared blob store."""
    n = 0
    problems: list[str] = []
    try:
        with stream as fh:
            it = ArchiveIterator(fh, check_digests=True)
            for record in it:
                record.content_stream().read()
                it.read_to_end(record)
                n += 1
                if ids is not None and record.rec_type == "response":
                    ids.add(str(record.rec_headers.get_header("WARC-Record-ID")))
                d = record.digest_checker
                if d.passed is False:
                    rid = record.rec_headers.get_header("WARC-Record-ID")
                    problems.append(f"record {rid}: {'; '.join(map(str, d.problems))}")
    except Exception as exc:  # noqa: BLE001 - corrupt gzip/WARC raises many kinds
        problems.append(f"unreadable after {n} records: {type(exc).__name__}: {exc}"[:300])
    return n, problems


def _missing_records(named: list[tuple[int, str, str, list[str]]],
                     in_file: dict[str, set[str]]) -> list[dict[str, str]]:
    """Captures naming WARC records that no registered WARC file holds. The last record
    (the final response) must be in the file the capture names; redirect hops may sit
    in the file before it when the WARC rolled over between them. Imported pages name
    the imported file, which is checked as a blob, not here."""
    everywhere = set().union(*in_file.values()) if in_file else set()
    out = []
    for cid, url, name, records in named:
        if name not in in_file or not records:
            continue
        for rid in records[:-1]:
            if rid not in everywhere:
                out.append(_problem("capture", f"capture {cid} {url}",
                                    f"names WARC record {rid}, which no WARC file holds"))
        if records[-1] not in in_file[name]:
            out.append(_problem("capture", f"capture {cid} {url}",
                                f"names WARC record {records[-1]}, which is not in {name}"))
    return out


def _check_seal(index: CustodyIndex, name: str, sha: str,
                sealed: bool) -> list[dict[str, str]]:
    """A registered WARC file's seal against the custody entry that logged it."""
    logged = index.sealed.pop(name, None)
    if logged is None:
        return [_problem("warc", name, "seal not in the custody log")] if sealed else []
    if not sealed:
        return [_problem("warc", name, f"custody entry {logged[0]} sealed it as "
                         f"{logged[1]}, table warc_files says it was never sealed")]
    if logged[1] != sha:
        return [_problem("warc", name, f"custody entry {logged[0]} sealed it as "
                         f"{logged[1]}, table warc_files says {sha}")]
    return []


def _check_warc(ws: Workspace, index: CustodyIndex, wf: WarcFile, stored: Set[str],
                in_file: dict[str, set[str]], checked: dict[str, int],
                referenced: set[str]) -> list[dict[str, str]]:
    """One registered WARC file: its seal, its bytes (here, or its blob in a shared
    store) and every record's digests."""
    path = ws.evidence_dir / "warc" / wf.name
    sealed = wf.sealed_at is not None
    problems = _check_seal(index, wf.name, wf.sha256, sealed)
    shared_copy = ws.blobs.shared and sealed and wf.sha256 in stored
    if shared_copy:
        referenced.add(wf.sha256)  # the blob is named by the seal's custody entry
    if path.exists():
        if not sealed:
            problems.append(_problem("warc", wf.name, "never sealed (a run is going on, "
                                     "or crashed: the next crawl or capture seals it)"))
        elif sha256_file(path) != wf.sha256:
            problems.append(_problem("warc", wf.name, "file no longer matches its sealed "
                                     "SHA-256"))
        stream: IO[bytes] = path.open("rb")
    elif shared_copy:
        # Its hash was checked with the other blobs; here its records are.
        stream = ws.blobs.open(wf.sha256)
    else:
        if not ws.blobs.shared:
            detail = "file is missing"
        elif sealed:
            detail = f"file is missing here and from the blob store {ws.blobs.where}"
        else:
            detail = ("never sealed, and not on this machine: a crawl on another machine "
                      "is still writing it, or died (its next run there seals and shares "
                      "it)")
        problems.append(_problem("warc", wf.name, detail))
        return problems
    n, bad = check_warc_stream(stream, in_file.setdefault(wf.name, set()))
    checked["warc_records"] += n
    problems.extend(_problem("warc", wf.name, b) for b in bad)
    return problems


def verify(ws: Workspace) -> dict[str, Any]:
    """The verification report: ``{"ok", "checked", "problems", "head"}``."""
    evidence = ws.store.evidence
    problems: list[dict[str, str]] = []
    checked = {"blobs": 0, "artefacts": 0, "captures": 0, "warc_files": 0,
               "warc_records": 0, "custody_entries": 0}
    stored: set[str] = set()
    for sha in ws.blobs:
        checked["blobs"] += 1
        stored.add(sha)
        try:
            ok = ws.blobs.verify(sha)
        except (OSError, EvidenceError) as exc:
            problems.append(_problem("blob", sha, f"unreadable: {exc}"))
            continue
        if not ok:
            problems.append(_problem("blob", sha, "content no longer matches its SHA-256"))
    # One pass over the custody log and its mirror; the rows are then checked against
    # what it names, both ways (wildtrace.preserve.bindings).
    # On a database server several machines share, the database is the log of record
    # and this machine's mirror holds what it has synced (see custody_index).
    index = read_custody(ws.store, ws.evidence_dir / CUSTODY_FILE,
                         partial=evidence.shared)
    caps = bindings.check_captures(ws, index, problems, stored)
    checked["captures"] = len(caps.facts)
    checked["artefacts"] = bindings.check_artefacts(ws, index, caps, problems, stored)
    checked["listings"], checked["listings_unhashed"] = bindings.check_listings(
        ws, caps, problems)
    checked["tips"] = bindings.check_tips(ws, index, caps, problems, stored)
    checked["imported_files"] = bindings.check_imported(ws, index, caps, problems, stored)
    named = caps.named
    warc_dir = ws.evidence_dir / "warc"
    in_file: dict[str, set[str]] = {}  # WARC file -> its response record ids
    known = set()
    for wf in evidence.warc_files():
        known.add(wf.name)
        checked["warc_files"] += 1
        problems.extend(_check_warc(ws, index, wf, stored, in_file, checked,
                                    caps.referenced))
    problems.extend(_missing_records(named, in_file))
    if warc_dir.exists():
        for path in sorted(warc_dir.glob("*.warc.gz")):
            if path.name not in known:
                problems.append(_problem("warc", path.name, "file is not registered"))
    for name, (seq, sha) in sorted(index.sealed.items()):
        caps.referenced.add(sha)  # its blob, in a shared store, is not a stray
        problems.append(_problem("warc", name, f"custody entry {seq} sealed this file "
                                 f"({sha}), which table warc_files no longer registers"
                                 + ("" if (warc_dir / name).exists()
                                    or sha in stored else
                                    " and which is gone from evidence/warc")))
    checked["custody_entries"] = index.entries
    checked["custody_mirror_lines"] = index.mirror_lines
    problems.extend(index.problems)
    caps.referenced |= index.blobs
    bindings.check_unreferenced(stored, caps, problems)
    # Trusted timestamps: each token still over a head in the chain (and signed, when
    # tsa_ca_file is set); see wildtrace.preserve.timestamp. It streams the log once more.
    stamps = check_timestamps(ws.store, ws.blobs, ws.store.evidence.iter_custody(),
                              ws.settings.tsa_ca_file)
    checked["timestamps"] = len(stamps.tokens)
    problems.extend(stamps.problems)
    return {"ok": not problems, "checked": checked, "problems": problems,
            "head": index.head, "timestamps": stamps}
