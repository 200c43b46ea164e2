"""Evidence verification: a clean store verifies; one flipped byte in any artefact or
WARC, an edited or deleted custody entry, or an edited capture record is reported."""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from warcio.archiveiterator import ArchiveIterator

from wildtrace.preserve.session import EvidenceSession
from wildtrace.preserve.verify import verify
from wildtrace.records import Exchange, Page
from wildtrace.workspace import Workspace, open_workspace


def _exchange(url: str, body: bytes) -> Exchange:
    return Exchange(url=url, method="GET", request_headers=(("Host", "shop.test"),),
                    status=200, reason="OK", protocol="HTTP/1.1",
                    response_headers=(("Content-Type", "text/html"),), body=body,
                    server_ip="127.0.0.1", started="2026-11-01T10:00:00.000000Z",
                    ended="2026-11-01T10:00:00.100000Z")


def fill(ws: Workspace, n: int = 3) -> EvidenceSession:
    """Record ``n`` pages as a crawl would, plus a screenshot artefact."""
    session = EvidenceSession(ws.evidence_dir, ws.store, ws.blobs, operator="tester",
                              user_agent="wildtrace/test", robots_policy="obey")
    for i in range(n):
        url = f"http://shop.test/item/{i}"
        body = f"<html><h1>Item {i}</h1><p>ivory carving {i}</p></html>".encode()
        rid = session.recorder.record(_exchange(url, body))
        page = Page(requested_url=url, url=url, redirects=(), status=200,
                    headers=(("Content-Type", "text/html"),), body=body,
                    media_type="text/html", server_ip="127.0.0.1",
                    started="2026-11-01T10:00:00.000000Z", ended="2026-11-01T10:00:00.1Z",
                    user_agent="wildtrace/test", robots_url="http://shop.test/robots.txt",
                    robots_body=b"User-agent: *\n", exchanges=(rid,))
        cap = session.preserver.preserve(page, f"{i:064x}", session.recorder.name).capture
        if i == 0:
            session.preserver.add_artefact(cap.id, "screenshot", b"\x89PNG fake " * 10,
                                           "image/png", {"url": url})
    session.close()
    return session


@pytest.fixture
def filled(tmp_path: Path) -> Iterator[Workspace]:
    ws = open_workspace(tmp_path / "ws")
    fill(ws)
    yield ws
    ws.close()


def _kinds(ws: Workspace) -> set[str]:
    return {p["kind"] for p in verify(ws)["problems"]}


def _flip(path: Path, offset: int) -> None:
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[offset % len(data)] ^= 0x01
    path.write_bytes(bytes(data))


def test_clean_store_verifies(filled: Workspace) -> None:
    report = verify(filled)
    assert report["ok"], report["problems"]
    c = report["checked"]
    assert c["captures"] == 3 and c["warc_files"] == 1 and c["warc_records"] == 7
    assert c["custody_entries"] == 5  # 3 captures, 1 screenshot, 1 WARC seal
    assert len(report["head"]) == 64


@pytest.mark.parametrize("which", ["body", "robots", "screenshot"])
def test_flipped_byte_in_an_artefact(filled: Workspace, which: str) -> None:
    from wildtrace.store.tables.preserve import artefacts

    with filled.store.engine.connect() as conn:
        sha = conn.execute(sa.select(artefacts.c.sha256).where(
            artefacts.c.kind == which)).scalars().first()
    assert sha
    _flip(filled.blobs.path(sha), 5)
    problems = verify(filled)["problems"]
    assert any(p["kind"] == "blob" and p["subject"] == sha for p in problems)


@pytest.mark.parametrize("offset", [0, 300, -5])
def test_flipped_byte_in_a_warc(filled: Workspace, offset: int) -> None:
    warc = next((filled.evidence_dir / "warc").glob("*.warc.gz"))
    _flip(warc, offset)
    assert "warc" in _kinds(filled)


def test_edited_custody_entry(filled: Workspace) -> None:
    with filled.store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE custody SET who = 'mallory' WHERE seq = 2"))
    problems = verify(filled)["problems"]
    assert any("entry 2 was edited" in p["detail"] for p in problems)
    assert any(p["subject"] == "custody.jsonl" and "entry 2 differs" in p["detail"]
               for p in problems)


@pytest.mark.parametrize("seq", [2, 5])
def test_deleted_custody_entry(filled: Workspace, seq: int) -> None:
    with filled.store.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM custody WHERE seq = :s"), {"s": seq})
    problems = verify(filled)["problems"]
    assert any("missing from the database" in p["detail"] for p in problems)


def test_edited_or_deleted_mirror_line(filled: Workspace) -> None:
    mirror = filled.evidence_dir / "custody.jsonl"
    lines = mirror.read_text(encoding="utf-8").splitlines()
    mirror.write_text("\n".join([lines[0].replace("tester", "mallory"), *lines[2:]]) + "\n",
                      encoding="utf-8")
    details = [p["detail"] for p in verify(filled)["problems"]]
    assert any("entry 1 differs" in d for d in details)
    assert any("entry 2 is missing from the mirror" in d for d in details)


def test_edited_capture_record(filled: Workspace) -> None:
    with filled.store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE captures SET final_url = 'http://elsewhere.test/' "
                             "WHERE id = 2"))
    problems = verify(filled)["problems"]
    assert any(p["kind"] == "capture" and "changed" in p["detail"] for p in problems)


def test_missing_and_unregistered_files(filled: Workspace) -> None:
    warc_dir = filled.evidence_dir / "warc"
    (warc_dir / "stray.warc.gz").write_bytes(gzip.compress(b"WARC/1.1\r\n\r\n"))
    details = {p["detail"] for p in verify(filled)["problems"]}
    assert "file is not registered" in details
    next(p for p in warc_dir.glob("wildtrace-*.warc.gz")).unlink()
    assert "file is missing" in {p["detail"] for p in verify(filled)["problems"]}


def test_verify_cli_exit_status(filled: Workspace, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from wildtrace.cli import main

    runner = CliRunner()
    ok = runner.invoke(main, ["--workspace", str(filled.root), "evidence", "verify"])
    assert ok.exit_code == 0 and "evidence OK" in ok.output
    _flip(next((filled.evidence_dir / "warc").glob("*.warc.gz")), 100)
    bad = runner.invoke(main, ["--workspace", str(filled.root), "evidence", "verify",
                               "--json"])
    assert bad.exit_code == 1 and '"ok": false' in bad.output


@pytest.mark.postgres
def test_evidence_on_postgres(tmp_path: Path, pg_url: str) -> None:
    ws = open_workspace(tmp_path / "pgws", overrides={"database_url": pg_url})
    try:
        fill(ws)
        assert verify(ws)["ok"]
        with ws.store.engine.begin() as conn:
            conn.execute(sa.text("UPDATE custody SET action = 'x' WHERE seq = 1"))
        assert "custody" in _kinds(ws)
    finally:
        ws.close()


def test_capture_naming_a_record_its_warc_lacks(filled: Workspace) -> None:
    with filled.store.engine.connect() as conn:
        cap = conn.execute(sa.text("SELECT id, warc_file, warc_record_ids FROM captures "
                                   "ORDER BY id DESC LIMIT 1")).one()
    assert verify(filled)["ok"]
    gone = json.loads(cap.warc_record_ids)[-1]
    path = filled.evidence_dir / "warc" / cap.warc_file
    data = path.read_bytes()
    keep = bytearray()
    with path.open("rb") as fh:
        it = ArchiveIterator(fh)
        for record in it:
            rid = record.rec_headers.get_header("WARC-Record-ID")
            concurrent = record.rec_headers.get_header("WARC-Concurrent-To")
            record.content_stream().read()
            it.read_to_end(record)
            start, length = it.get_record_offset(), it.get_record_length()
            if gone not in (rid, concurrent):
                keep += data[start:start + length]
    os.chmod(path, 0o644)
    path.write_bytes(bytes(keep))
    problems = verify(filled)["problems"]
    assert any(p["kind"] == "capture" and gone in p["detail"] and "not in" in p["detail"]
               for p in problems), problems


def test_a_shared_blob_store_holds_the_sealed_warc(tmp_path: Path) -> None:
    """blob_store = postgres (here on SQLite): blobs and sealed WARC files re-hashed from
    the database; a WARC file gone from this disk is read from its blob."""
    ws = open_workspace(tmp_path / "ws", overrides={"blob_store": "postgres"})
    try:
        fill(ws)
        assert not any((ws.evidence_dir / "blobs").iterdir())  # nothing on this disk
        (name,) = ws.store.evidence.sealed_warc_names()
        assert verify(ws)["ok"]
        local = ws.evidence_dir / "warc" / name
        sha = ws.store.evidence.warc_files()[0].sha256
        assert ws.blobs.get(sha) == local.read_bytes()
        os.chmod(local, 0o644)
        local.unlink()
        report = verify(ws)
        assert report["ok"], report["problems"]
        assert report["checked"]["warc_records"] == 7
        with ws.store.blob_chunks.engine.begin() as conn:
            conn.execute(sa.text("UPDATE blob_chunks SET data = :d WHERE sha256 = :s"),
                         {"d": b"not the WARC", "s": sha})
        details = {(p["subject"], p["detail"].split(":")[0]) for p in verify(ws)["problems"]}
        assert (sha, "content no longer matches its SHA-256") in details
        assert any(s == name for s, _ in details)  # its records no longer read
    finally:
        ws.close()
