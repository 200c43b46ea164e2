"""WARC writing: SHA-256 digests, warcinfo, request/response pairs, sealing, and
recovery of a file a crashed run left with a torn last record."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from warcio.archiveiterator import ArchiveIterator

from wildtrace.preserve.custody import CustodyLog, check_chain
from wildtrace.preserve.warc import WarcRecorder, complete_length, recover, warcinfo
from wildtrace.records import Exchange
from wildtrace.store.tables.preserve import warc_files
from wildtrace.workspace import open_workspace


def _ex(i: int) -> Exchange:
    return Exchange(url=f"http://a.test/{i}", method="GET",
                    request_headers=(("Host", "a.test"), ("User-Agent", "wt")), status=200,
                    reason="OK", protocol="HTTP/1.1",
                    response_headers=(("Content-Type", "text/html"),
                                      ("Transfer-Encoding", "chunked")),
                    body=b"<p>page %d</p>" % i, server_ip="127.0.0.9",
                    started="2026-11-01T10:00:00.123456Z", ended="2026-11-01T10:00:01Z")


def test_records_read_back_with_sha256(tmp_path: Path) -> None:
    ws = open_workspace(tmp_path / "ws")
    custody = CustodyLog(ws.store, ws.evidence_dir / "custody.jsonl", "t")
    rec = WarcRecorder(ws.evidence_dir / "warc", ws.store, custody,
                       warcinfo("wildtrace/test", "op", "obey", "wt"))
    ids = [rec.record(_ex(i)) for i in range(3)]
    name = rec.seal()
    path = ws.evidence_dir / "warc" / name
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(path)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    types, resp_ids = [], []
    with path.open("rb") as fh:
        for r in ArchiveIterator(fh, check_digests=True):
            types.append(r.rec_type)
            if r.rec_type == "warcinfo":
                info = r.content_stream().read().decode()
                assert "operator: op" in info and "robots: obey" in info
                continue
            assert r.rec_headers.get_header("WARC-Block-Digest").startswith("sha256:")
            assert r.rec_headers.get_header("WARC-Payload-Digest").startswith("sha256:")
            if r.rec_type == "response":
                resp_ids.append(r.rec_headers.get_header("WARC-Record-ID"))
                assert r.rec_headers.get_header("WARC-IP-Address") == "127.0.0.9"
                assert r.http_headers.get_header("X-Archive-Orig-Transfer-Encoding") == \
                    "chunked"
                assert r.content_stream().read().startswith(b"<p>page")
            else:
                assert r.rec_headers.get_header("WARC-Concurrent-To") in ids
    assert types == ["warcinfo"] + ["request", "response"] * 3
    assert resp_ids == ids
    with ws.store.engine.connect() as conn:
        row = conn.execute(sa.select(warc_files)).one()
    assert row.sealed_at is not None and len(row.sha256) == 64
    entries = custody.entries()
    assert [e.action for e in entries] == ["warc_sealed"] and not check_chain(entries)
    ws.close()


def test_torn_tail_is_trimmed_and_sealed(tmp_path: Path) -> None:
    ws = open_workspace(tmp_path / "ws")
    custody = CustodyLog(ws.store, ws.evidence_dir / "custody.jsonl", "t")
    rec = WarcRecorder(ws.evidence_dir / "warc", ws.store, custody,
                       warcinfo("wildtrace/test", "op", "obey", "wt"))
    for i in range(2):
        rec.record(_ex(i))
    assert rec._fh is not None
    rec._fh.flush()
    path = ws.evidence_dir / "warc" / rec.name
    good = path.stat().st_size
    # A crash mid-write: half a gzip member at the end, file never sealed.
    buf = io.BytesIO()
    with path.open("rb") as fh:
        buf.write(fh.read()[-200:])
    with path.open("ab") as fh:
        fh.write(buf.getvalue()[:120])
    rec._fh.close()
    assert complete_length(path) == good
    fixed = recover(ws.evidence_dir / "warc", ws.store, custody)
    assert fixed == [path.name] and path.stat().st_size == good
    with ws.store.engine.connect() as conn:
        note = conn.execute(sa.select(warc_files.c.note)).scalar_one()
    assert "torn last record trimmed (120 bytes)" in note
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(path)],
                           capture_output=True, text=True)
    assert check.returncode == 0
    ws.close()


def test_middleware_names_the_file_each_record_went_into(tmp_path: Path) -> None:
    from scrapy import Request
    from scrapy.http import HtmlResponse

    from wildtrace.collect.recorder import ExchangeMiddleware

    ws = open_workspace(tmp_path / "ws")
    custody = CustodyLog(ws.store, ws.evidence_dir / "custody.jsonl", "t")
    rec = WarcRecorder(ws.evidence_dir / "warc", ws.store, custody,
                       warcinfo("wildtrace/test", "op", "obey", "wt"), roll_bytes=1)
    spider = type("S", (), {"sink": rec.record})()
    mw = ExchangeMiddleware(type("C", (), {"spider": spider})())  # type: ignore[arg-type]
    named = []
    for i in range(3):  # roll_bytes=1: every record after the first opens a new file
        req = Request(f"http://a.test/{i}")
        mw.process_response(req, HtmlResponse(req.url, body=b"<p>x</p>", request=req))
        named.append((req.meta["wt_exchanges"][-1], req.meta["wt_warc_file"]))
    rec.seal()
    assert len({f for _, f in named}) == 3
    for record_id, name in named:
        with (ws.evidence_dir / "warc" / name).open("rb") as fh:
            ids = {r.rec_headers.get_header("WARC-Record-ID") for r in ArchiveIterator(fh)}
        assert record_id in ids
