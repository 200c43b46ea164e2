"""Read pages others collected: the HTML responses of WARC files, and saved HTML files,
as :class:`~wildtrace.records.Page` records (``method="import"``).

Each page names the evidence it came from as ``warc_file = "imported:<sha256>"``, the
SHA-256 of the whole file; storing that file as evidence is the caller's part.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator

from wildtrace.records import Page, RowError

MAX_FILE_BYTES = 4_000_000_000
MAX_PAGE_BYTES = 20_000_000
WARC_SUFFIXES = (".warc", ".warc.gz")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def archive_format(path: Path, fmt: str) -> str:
    """``warc`` or ``html``: ``fmt`` itself, or from the file name when it is ``auto``."""
    if fmt != "auto":
        return fmt
    return "warc" if path.name.lower().endswith(WARC_SUFFIXES) else "html"


def unusable(path: Path) -> str:
    """Why the file cannot be imported at all, or ``""``."""
    if not path.is_file():
        return "no such file"
    if path.stat().st_size > MAX_FILE_BYTES:
        return "file larger than 4 GB, skipped"
    return ""


def imported_from(file_sha256: str) -> str:
    """The ``warc_file`` of a page read from the file with this SHA-256."""
    return f"imported:{file_sha256}"


def warc_pages(stream: BinaryIO, path: Path, file_sha256: str) -> Iterator[Page | RowError]:
    """The HTML responses of the WARC file ``path`` open as ``stream``, in order; a page
    too large to keep comes as the error instead. A damaged archive raises (any
    exception: warcio's and zlib's vary) where it stops being readable."""
    for record in ArchiveIterator(stream):
        if record.rec_type != "response" or record.http_headers is None:
            continue
        url = record.rec_headers.get_header("WARC-Target-URI") or ""
        ctype = record.http_headers.get_header("Content-Type") or ""
        media_type = ctype.split(";")[0].strip().lower()
        # The media type decides, not a parameter that happens to say "html".
        if "html" not in media_type:
            continue
        body = record.content_stream().read(MAX_PAGE_BYTES + 1)
        if len(body) > MAX_PAGE_BYTES:
            yield RowError(f"{path}:{url}", None, "page larger than 20 MB, skipped")
            continue
        date = record.rec_headers.get_header("WARC-Date") or ""
        yield Page(
            requested_url=url, url=url, redirects=(),
            status=_status(record.http_headers.get_statuscode()),
            headers=tuple(record.http_headers.headers), body=body,
            media_type=media_type,
            server_ip=record.rec_headers.get_header("WARC-IP-Address") or "",
            started=date, ended=date, user_agent="",
            exchanges=(record.rec_headers.get_header("WARC-Record-ID") or "",),
            warc_file=imported_from(file_sha256), method="import")


def _status(code: str | None) -> int:
    """The HTTP status of an archived response, 0 when its status line is not a number
    (``HTTP/1.1 abc OK``): the page is kept, with its status unknown, and the pages after
    it are still read."""
    m = re.match(r"\s*([1-5][0-9]{2})(?![0-9])", code or "")
    return int(m.group(1)) if m else 0


def html_page(path: Path, body: bytes, file_sha256: str) -> Page:
    """A saved HTML file as a page at its ``file:`` URL."""
    url = path.resolve().as_uri()
    return Page(requested_url=url, url=url, redirects=(), status=200, headers=(),
                body=body, media_type="text/html", server_ip="", started=_now(),
                ended=_now(), user_agent="", warc_file=imported_from(file_sha256),
                method="import")
