"""Corrupt, truncated or random WARC/HTML files are refused with file:offset before
anything is kept as evidence; a readable file beside them is still imported."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from wildtrace.app.imports import request, run_import
from wildtrace.collect.archivecheck import check_warc
from wildtrace.errors import FormatError
from wildtrace.workspace import Workspace


def _warc(path: Path, pages: int = 2) -> bytes:
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    for i in range(pages):
        head = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        body = f"<html><body><h1>Carved ivory bangle {i}</h1><p>old stock, 300 USD</p>" \
            "</body></html>".encode()
        # a given length spares warcio a temporary file (left open, a ResourceWarning)
        writer.write_record(writer.create_warc_record(
            f"https://shop.example/{i}", "response", http_headers=head,
            payload=io.BytesIO(body), length=len(body)))
    path.write_bytes(buf.getvalue())
    return buf.getvalue()


def _offsets(data: bytes) -> list[int]:
    it = ArchiveIterator(io.BytesIO(data), no_record_parse=True)
    found = []
    for record in it:
        record.raw_stream.read()
        found.append(it.get_record_offset())
    return found


def _blobs(ws: Workspace) -> list[Path]:
    return [p for p in (ws.root / "evidence" / "blobs").rglob("*") if p.is_file()]


@pytest.mark.parametrize("damage", ["random", "truncated", "garbage-after"])
def test_an_unreadable_warc_is_refused_and_not_kept(ws: Workspace, tmp_path: Path,
                                                    damage: str) -> None:
    f = tmp_path / "seized.warc.gz"
    good = _warc(f)
    if damage == "random":
        f.write_bytes(random.Random(3).randbytes(4000))
    elif damage == "truncated":
        f.write_bytes(good[:-30])
    else:
        f.write_bytes(good + b"garbage garbage\r\n\r\n")
    with pytest.raises(FormatError, match="unreadable WARC record at byte offset") as err:
        run_import(ws, request((f,), "warc"))
    # the first record is whole: a truncated file fails at the second one
    offset = {"random": 0, "truncated": _offsets(good)[1], "garbage-after": len(good)}[damage]
    assert f"{f}:{offset}:" in str(err.value)
    assert _blobs(ws) == [] and ws.store.count_listings() == 0


def test_a_random_html_file_is_refused(ws: Workspace, tmp_path: Path) -> None:
    f = tmp_path / "page.html"
    f.write_bytes(bytes(range(256)) * 16)
    with pytest.raises(FormatError, match="not an HTML file"):
        run_import(ws, request((f,), "html"))
    assert _blobs(ws) == []


def test_one_bad_file_among_several_is_reported_the_rest_imported(ws: Workspace,
                                                                  tmp_path: Path) -> None:
    good, bad = tmp_path / "good.warc.gz", tmp_path / "bad.warc.gz"
    _warc(good)
    bad.write_bytes(random.Random(4).randbytes(3000))
    result = run_import(ws, request((good, bad), "warc"))
    assert result.pages == 2
    assert [e.file for e in result.errors] == [f"{bad}:0"]
    assert check_warc(good) == 2
