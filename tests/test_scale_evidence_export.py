"""``export evidence`` on a machine that wrote nothing: with a shared database and blob
store, a WACZ exported from a fourth, empty folder holds the same WARC records and
custody lines as one exported from a machine that crawled (whose own folder lacks the
other machine's WARC file, and whose custody mirror is only a prefix of the log).

Run on both shared backends (``blob_store = "postgres"`` and S3 on moto's server); the
last test is the embedded default: a WARC file that is nowhere is a clear error.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from s3_server import S3Bucket, s3_bucket, s3_endpoint  # noqa: F401 - fixtures

from wildtrace.cli import main
from wildtrace.errors import EvidenceError
from wildtrace.preserve.session import CUSTODY_FILE, EvidenceSession
from wildtrace.records import Exchange, Page
from wildtrace.workspace import Workspace, open_workspace

PAGES = 4


def _page(session: EvidenceSession, machine: int, i: int) -> None:
    url = f"http://shop{machine}.test/item/{i}"
    body = f"<html><h1>Machine {machine} item {i}</h1><p>ivory</p></html>".encode()
    ex = Exchange(url=url, method="GET", request_headers=(("Host", f"shop{machine}.test"),),
                  status=200, reason="OK", protocol="HTTP/1.1",
                  response_headers=(("Content-Type", "text/html"),), body=body,
                  server_ip="127.0.0.1", started="2026-11-01T10:00:00.000000Z",
                  ended="2026-11-01T10:00:00.100000Z")
    rid = session.recorder.record(ex)
    page = Page(requested_url=url, url=url, redirects=(), status=200,
                headers=(("Content-Type", "text/html"),), body=body, media_type="text/html",
                server_ip="127.0.0.1", started="2026-11-01T10:00:00.000000Z",
                ended="2026-11-01T10:00:00.1Z", user_agent="wildtrace/test",
                robots_url=f"http://shop{machine}.test/robots.txt",
                robots_body=b"User-agent: *\n", exchanges=(rid,))
    session.preserver.preserve(page, f"{machine:032x}{i:032x}", session.recorder.name)


def _crawl(ws: Workspace, machine: int) -> None:
    """One machine's capture session: its WARC file sealed (and shared) at the end."""
    session = EvidenceSession(ws.evidence_dir, ws.store, ws.blobs, operator=f"m{machine}",
                              user_agent="wildtrace/test", robots_policy="obey")
    for i in range(PAGES):
        _page(session, machine, i)
    session.close()


def _export(folder: Path, out: Path) -> dict[str, bytes]:
    res = CliRunner().invoke(main, ["--workspace", str(folder), "export", "evidence",
                                    "--format", "wacz", "-o", str(out)])
    assert res.exit_code == 0, res.output
    with zipfile.ZipFile(out) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    package = json.loads(files["datapackage.json"])
    for item in package["resources"]:  # every file is the one the package lists
        assert "sha256:" + hashlib.sha256(files[item["path"]]).hexdigest() == item["hash"]
    return files


@pytest.fixture(params=["postgres", "s3"])
def team(request: pytest.FixtureRequest, pg_url: str) -> dict[str, str]:
    """The settings every machine of the team uses."""
    if request.param == "postgres":
        return {"database_url": pg_url, "blob_store": "postgres"}
    bucket: S3Bucket = request.getfixturevalue("s3_bucket")
    return {"database_url": pg_url, "blob_store": f"s3://{bucket.name}/evidence",
            "s3_endpoint_url": bucket.endpoint}


@pytest.mark.postgres
@pytest.mark.slow
def test_export_from_a_fourth_folder(tmp_path: Path, team: dict[str, str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    folders = [tmp_path / f"machine{m}" for m in (1, 2)]
    for machine, folder in enumerate(folders, 1):
        ws = open_workspace(folder, overrides=dict(team))
        try:
            _crawl(ws, machine)
        finally:
            ws.close()
    for key, value in team.items():
        monkeypatch.setenv(f"WILDTRACE_{key.upper()}", value)

    crawled = _export(folders[0], tmp_path / "machine1.wacz")
    fourth = _export(tmp_path / "fourth", tmp_path / "fourth.wacz")

    warcs = sorted(n for n in fourth if n.startswith("archive/"))
    assert len(warcs) == 2  # machine 1 has one of them on its disk, the other is shared
    assert len(list((folders[0] / "evidence" / "warc").glob("*.warc.gz"))) == 1
    assert not (tmp_path / "fourth" / "evidence" / "warc").exists() or not list(
        (tmp_path / "fourth" / "evidence" / "warc").glob("*.warc.gz"))
    for name in (*warcs, "indexes/index.cdxj", "pages/pages.jsonl",
                 "wildtrace/custody.jsonl", "wildtrace/captures.jsonl"):
        assert crawled[name] == fourth[name], name
    index = fourth["indexes/index.cdxj"].decode().splitlines()
    assert len(index) == 2 * PAGES  # every response record of both WARC files
    assert {json.loads(line.split(" ", 2)[2])["filename"] for line in index} == {
        w.removeprefix("archive/") for w in warcs}

    # The custody lines are the database's whole log, not machine 1's mirror (a prefix).
    lines = fourth["wildtrace/custody.jsonl"].decode().splitlines()
    mirror = (folders[0] / "evidence" / CUSTODY_FILE).read_text().splitlines()
    assert lines[:len(mirror)] == mirror and len(lines) > len(mirror)
    out = tmp_path / "custody-export.jsonl"
    res = CliRunner().invoke(main, ["--workspace", str(tmp_path / "fourth"), "evidence",
                                    "export-custody", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_text().splitlines() == lines
    assert len(lines) == 2 * PAGES + 2  # a capture entry per page, a seal per machine


def test_missing_warc_file_is_a_clear_error(tmp_path: Path) -> None:
    ws = open_workspace(tmp_path / "ws")
    try:
        _crawl(ws, 1)
        for path in (ws.evidence_dir / "warc").glob("*.warc.gz"):
            path.unlink()
        res = CliRunner().invoke(main, ["--workspace", str(ws.root), "export", "evidence",
                                        "--format", "wacz", "-o", str(tmp_path / "x.wacz")])
    finally:
        ws.close()
    assert res.exit_code != 0
    assert "is not in" in res.output and "evidence verify" in res.output, res.output
    assert isinstance(res.exception, SystemExit | EvidenceError)
