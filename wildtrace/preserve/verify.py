"""``wildtrace evidence verify``: re-hash everything and report every difference.

Checks, in order: each blob still hashes to its name; each artefact's blob exists; each
capture record still hashes to the hash it was logged with, and the custody log holds
that hash; each WARC file still hashes to its sealed hash and every record's block and
payload digests hold; no WARC file is unregistered; the custody chain is unbroken and the
JSONL mirror agrees with the database, entry by entry.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from wildtrace.blobstore import sha256_file
from wildtrace.preserve.capture import capture_fields, record_hash
from wildtrace.preserve.custody import check_chain, read_mirror
from wildtrace.preserve.session import CUSTODY_FILE, custody_log
from wildtrace.workspace import Workspace


def _problem(kind: str, subject: str, detail: str) -> dict[str, str]:
    return {"kind": kind, "subject": subject, "detail": detail}


def check_warc_records(path: Path, ids: set[str] | None = None) -> tuple[int, list[str]]:
    """Records read and digest problems of one WARC file (``ids`` collects the ids of
    its response records)."""
    n = 0
    problems: list[str] = []
    try:
        with path.open("rb") as fh:
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


def verify(ws: Workspace) -> dict[str, Any]:
    """The verification report: ``{"ok", "checked", "problems", "head"}``."""
    evidence = ws.store.evidence
    problems: list[dict[str, str]] = []
    checked = {"blobs": 0, "artefacts": 0, "captures": 0, "warc_files": 0,
               "warc_records": 0, "custody_entries": 0}
    for sha in ws.blobs:
        checked["blobs"] += 1
        try:
            ok = ws.blobs.verify(sha)
        except OSError as exc:
            problems.append(_problem("blob", sha, f"unreadable: {exc}"))
            continue
        if not ok:
            problems.append(_problem("blob", sha, "content no longer matches its SHA-256"))
    custody = custody_log(ws.evidence_dir, ws.store, "verify")
    entries = custody.entries()
    logged = {(e.action, e.sha256) for e in entries}
    logged_hashes = {e.sha256 for e in entries}
    for art in evidence.iter_artefacts():
        checked["artefacts"] += 1
        if not ws.blobs.exists(art.sha256):
            problems.append(_problem("artefact", f"capture {art.capture_id} {art.kind}",
                                     f"blob {art.sha256} is missing"))
        elif art.kind in ("screenshot", "dom") and art.sha256 not in logged_hashes:
            problems.append(_problem("artefact", f"capture {art.capture_id} {art.kind}",
                                     "not in the custody log"))
    named: list[tuple[int, str, str, list[str]]] = []  # capture, url, file, records
    for row in evidence.iter_captures():
        checked["captures"] += 1
        named.append((row.id, row.final_url, row.warc_file,
                      json.loads(row.warc_record_ids or "[]")))
        digest = record_hash(capture_fields(asdict(row)))
        if digest != row.record_sha256:
            problems.append(_problem("capture", f"capture {row.id} {row.final_url}",
                                     "capture record was changed after it was logged"))
        elif ("captured", digest) not in logged:
            problems.append(_problem("capture", f"capture {row.id} {row.final_url}",
                                     "no custody entry for this capture"))
    warc_dir = ws.evidence_dir / "warc"
    in_file: dict[str, set[str]] = {}  # WARC file -> its response record ids
    known = set()
    for wf in evidence.warc_files():
        known.add(wf.name)
        path = warc_dir / wf.name
        checked["warc_files"] += 1
        if not path.exists():
            problems.append(_problem("warc", wf.name, "file is missing"))
            continue
        if wf.sealed_at is None:
            problems.append(_problem("warc", wf.name, "never sealed (a run is going on, "
                                     "or crashed: the next crawl or capture seals it)"))
        elif sha256_file(path) != wf.sha256:
            problems.append(_problem("warc", wf.name, "file no longer matches its sealed "
                                     "SHA-256"))
        elif ("warc_sealed", wf.sha256) not in logged:
            problems.append(_problem("warc", wf.name, "seal not in the custody log"))
        ids = in_file.setdefault(wf.name, set())
        n, bad = check_warc_records(path, ids)
        checked["warc_records"] += n
        problems.extend(_problem("warc", wf.name, b) for b in bad)
    problems.extend(_missing_records(named, in_file))
    if warc_dir.exists():
        for path in sorted(warc_dir.glob("*.warc.gz")):
            if path.name not in known:
                problems.append(_problem("warc", path.name, "file is not registered"))
    checked["custody_entries"] = len(entries)
    problems.extend(_problem("custody", "database", p) for p in check_chain(entries))
    mirror = ws.evidence_dir / CUSTODY_FILE
    if entries and not mirror.exists():
        problems.append(_problem("custody", CUSTODY_FILE, "the mirror file is missing"))
    elif mirror.exists():
        lines = read_mirror(mirror)
        db = {e.seq: e.as_dict() for e in entries}
        seen = set()
        for item in lines:
            if "_bad" in item:
                problems.append(_problem("custody", CUSTODY_FILE,
                                         f"line {item['_bad']} is not valid JSON"))
                continue
            seq = int(item.get("seq", 0))
            seen.add(seq)
            if seq not in db:
                problems.append(_problem("custody", CUSTODY_FILE, f"entry {seq} is missing "
                                         "from the database (deleted?)"))
            elif json.dumps(db[seq], sort_keys=True) != json.dumps(item, sort_keys=True):
                problems.append(_problem("custody", CUSTODY_FILE, f"entry {seq} differs "
                                         "between the database and the mirror (edited?)"))
        for seq in sorted(set(db) - seen):
            problems.append(_problem("custody", CUSTODY_FILE, f"entry {seq} is missing "
                                     "from the mirror (deleted?)"))
    return {"ok": not problems, "checked": checked, "problems": problems,
            "head": entries[-1].entry_hash if entries else ""}
