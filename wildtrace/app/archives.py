"""Importing pages others collected (``import --format warc|html``): each file is kept
as an evidentiary blob and logged in custody, and each page in it (read by
:mod:`wildtrace.collect.archive`) goes through the same preserve → extract path as a
crawled page (:class:`~wildtrace.app.pages.PageProcessor`).

A bad file or page never stops the import: it is recorded with its reason, and a
damaged WARC file keeps the pages read before the damage.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from wildtrace.app.imports import ImportSummary
from wildtrace.app.pages import PageProcessor, evidence_session, page_processor
from wildtrace.collect.archive import (
    MAX_PAGE_BYTES,
    archive_format,
    html_page,
    unusable,
    warc_pages,
)
from wildtrace.collect.archivecheck import check_archive
from wildtrace.collect.watch import DEFAULT_TERMS, keyword_scorer
from wildtrace.errors import FormatError, WildtraceError
from wildtrace.preserve.session import EvidenceSession
from wildtrace.records import RowError
from wildtrace.workspace import Workspace


def import_archives(ws: Workspace, files: Sequence[Path], fmt: str,
                    source: str | None = None) -> ImportSummary:
    """Import WARC or HTML files (``fmt``: ``warc``, ``html`` or ``auto``, from each
    name): each page preserved, extracted, stored; the run recorded."""
    # Unreadable files are refused before anything is kept as evidence (issue 14): the
    # only file given is an error (exit 1, file:offset), one of several is reported.
    refused: list[RowError] = []
    readable = []
    for path in files:
        try:
            if not unusable(path):
                check_archive(path, archive_format(path, fmt))
            readable.append(path)
        except FormatError as exc:
            if len(files) == 1:
                raise
            refused.append(RowError(exc.file or str(path), None, exc.reason))
    files = readable
    session = evidence_session(ws, durable=True, purpose=f"wildtrace import --format {fmt}")
    processor = page_processor(ws, session, keyword_scorer(DEFAULT_TERMS), None, source or "")
    run_id = ws.store.start_run("import", "1", {"files": [str(f) for f in files],
                                                "format": fmt})
    processor.errors.extend(refused)
    try:
        pages = _import_files(session, processor, files, fmt)
    finally:
        session.close()
    ws.store.record_errors(run_id, processor.errors)
    result = ImportSummary(imported=processor.listings, duplicates=processor.duplicates,
                           errors=tuple(processor.errors), pages=pages)
    ws.store.finish_run(run_id, {"imported": processor.listings, "pages": pages})
    return result


def _import_files(session: EvidenceSession, processor: PageProcessor,
                  files: Sequence[Path], fmt: str) -> int:
    """Import every file; returns the pages used. Unreadable files are reported."""
    total = 0
    for path in files:
        why = unusable(path)
        if why:
            processor.error(str(path), why)
            continue
        kind = archive_format(path, fmt)
        try:
            if kind == "warc":
                total += _import_warc(session, processor, path)
            else:
                total += _import_html(session, processor, path)
        except OSError as exc:
            processor.error(str(path), f"cannot read: {exc.strerror}")
    return total


def _register_file(session: EvidenceSession, path: Path, fmt: str, data: bytes) -> str:
    """Keep the file as evidence and log it in custody; returns its SHA-256."""
    sha = session.preserver.blobs.put(data, durable=True)
    session.custody.record("imported_file", str(path), sha, {"format": fmt,
                                                            "size": len(data)})
    return sha


def _import_warc(session: EvidenceSession, processor: PageProcessor, path: Path) -> int:
    """Process each HTML response of a WARC file; returns pages processed."""
    file_sha = _register_file(session, path, "warc", path.read_bytes())
    n = 0
    with path.open("rb") as fh:
        try:
            for item in warc_pages(fh, path, file_sha):
                if isinstance(item, RowError):
                    processor.error(item.file, item.reason)
                    continue
                try:
                    processor(item)
                except WildtraceError as exc:
                    processor.error(f"{path}:{item.url}", str(exc))
                    continue
                n += 1
        except Exception as exc:  # noqa: BLE001 - a damaged archive: keep what was read
            processor.error(str(path), f"WARC unreadable after {n} pages: "
                                       f"{type(exc).__name__}: {exc}"[:300])
    return n


def _import_html(session: EvidenceSession, processor: PageProcessor, path: Path) -> int:
    """Process one saved HTML file; returns 1 when it was used."""
    data = path.read_bytes()
    if len(data) > MAX_PAGE_BYTES:
        processor.error(str(path), "file larger than 20 MB, skipped")
        return 0
    processor(html_page(path, data, _register_file(session, path, "html", data)))
    return 1
