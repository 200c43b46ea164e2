"""Import pages others collected: WARC files (their HTML responses) and saved HTML
files. The file itself is kept as an evidentiary blob and logged in custody; each page
in it then goes through the same preserve → extract path as a crawled page.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from warcio.archiveiterator import ArchiveIterator

from wildtrace.errors import WildtraceError
from wildtrace.preserve.session import EvidenceSession
from wildtrace.records import Page, PageOutcome

MAX_FILE_BYTES = 4_000_000_000
MAX_PAGE_BYTES = 20_000_000


class _Processor(Protocol):
    """What the importer hands pages to (the extract stage's PageProcessor)."""

    def __call__(self, page: Page) -> PageOutcome: ...

    def error(self, where: str, reason: str) -> None: ...


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _register_file(session: EvidenceSession, path: Path, fmt: str) -> str:
    data = path.read_bytes()
    sha = session.preserver.blobs.put(data, durable=True)
    session.custody.record("imported_file", str(path), sha, {"format": fmt,
                                                            "size": len(data)})
    return sha


def import_warc(session: EvidenceSession, processor: _Processor, path: Path) -> int:
    """Process each HTML response of a WARC file; returns pages processed."""
    file_sha = _register_file(session, path, "warc")
    n = 0
    with path.open("rb") as fh:
        try:
            for record in ArchiveIterator(fh):
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI") or ""
                ctype = record.http_headers.get_header("Content-Type") or ""
                if "html" not in ctype.lower():
                    continue
                body = record.content_stream().read(MAX_PAGE_BYTES + 1)
                if len(body) > MAX_PAGE_BYTES:
                    processor.error(f"{path}:{url}", "page larger than 20 MB, skipped")
                    continue
                date = record.rec_headers.get_header("WARC-Date") or ""
                page = Page(
                    requested_url=url, url=url, redirects=(),
                    status=int(record.http_headers.get_statuscode() or 0),
                    headers=tuple(record.http_headers.headers), body=body,
                    media_type=ctype.split(";")[0].strip().lower(),
                    server_ip=record.rec_headers.get_header("WARC-IP-Address") or "",
                    started=date, ended=date, user_agent="",
                    exchanges=(record.rec_headers.get_header("WARC-Record-ID") or "",),
                    warc_file=f"imported:{file_sha}", method="import")
                try:
                    processor(page)
                except WildtraceError as exc:
                    processor.error(f"{path}:{url}", str(exc))
                    continue
                n += 1
        except Exception as exc:  # noqa: BLE001 - a damaged archive: keep what was read
            processor.error(str(path), f"WARC unreadable after {n} pages: "
                                       f"{type(exc).__name__}: {exc}"[:300])
    return n


def import_html(session: EvidenceSession, processor: _Processor, path: Path) -> int:
    """Process one saved HTML file; returns 1 when it was used."""
    data = path.read_bytes()
    if len(data) > MAX_PAGE_BYTES:
        processor.error(str(path), "file larger than 20 MB, skipped")
        return 0
    file_sha = _register_file(session, path, "html")
    page = Page(requested_url=path.resolve().as_uri(), url=path.resolve().as_uri(),
                redirects=(), status=200, headers=(), body=data, media_type="text/html",
                server_ip="", started=_now(), ended=_now(), user_agent="",
                warc_file=f"imported:{file_sha}", method="import")
    processor(page)
    return 1


def import_files(session: EvidenceSession, processor: _Processor, files: tuple[Path, ...],
                 fmt: str) -> int:
    """Import every file; unreadable ones are reported and skipped."""
    total = 0
    for path in files:
        if not path.is_file():
            processor.error(str(path), "no such file")
            continue
        if path.stat().st_size > MAX_FILE_BYTES:
            processor.error(str(path), "file larger than 4 GB, skipped")
            continue
        kind = fmt
        if kind == "auto":
            kind = "warc" if path.name.lower().endswith((".warc", ".warc.gz")) else "html"
        try:
            total += (import_warc if kind == "warc" else import_html)(session, processor, path)
        except OSError as exc:
            processor.error(str(path), f"cannot read: {exc.strerror}")
    return total
