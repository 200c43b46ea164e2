"""Shared evidence: three machines (separate folders, separate processes, appending to
the custody chain at the same moment) share one PostgreSQL workspace and a shared blob
store; ``evidence verify`` from a fourth folder gives the answer the machines would.

Run on both shared backends: ``blob_store = "postgres"`` and S3 (moto's server). One
machine is killed (SIGKILL) before it seals its WARC file: the fourth folder reports that
file as open elsewhere until the killed machine's folder runs again and seals it.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from s3_server import S3Bucket, s3_bucket, s3_endpoint  # noqa: F401 - fixtures

from wildtrace.cli import main
from wildtrace.preserve.custody_index import read_custody
from wildtrace.preserve.session import CUSTODY_FILE, EvidenceSession
from wildtrace.preserve.verify import verify
from wildtrace.records import Exchange, Page
from wildtrace.workspace import open_workspace

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
PAGES = 12


def _page(session: EvidenceSession, machine: int, i: int) -> None:
    url = f"http://shop{machine}.test/item/{i}"
    body = f"<html><h1>Machine {machine} item {i}</h1><p>ivory</p></html>".encode()
    ex = Exchange(url=url, method="GET", request_headers=(("Host", "shop.test"),),
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
    cap = session.preserver.preserve(page, f"{machine:032x}{i:032x}",
                                     session.recorder.name).capture
    if i == 0:
        session.preserver.add_artefact(cap.id, "screenshot", b"\x89PNG %d" % machine,
                                       "image/png", {"url": url})


def _machine(folder: str, settings: dict[str, str], machine: int, start: Any,
             die: bool) -> None:
    """One crawl machine: its own folder and process, the team's database and blobs."""
    os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"})
    ws = open_workspace(folder, overrides=dict(settings))
    session = EvidenceSession(ws.evidence_dir, ws.store, ws.blobs, operator=f"m{machine}",
                              user_agent="wildtrace/test", robots_policy="obey")
    start.wait()  # all three append to the chain at once
    for i in range(PAGES):
        _page(session, machine, i)
    if die:
        session.recorder.flush()
        os.kill(os.getpid(), signal.SIGKILL)  # kill -9: the WARC file stays open
    session.close()
    ws.close()


@pytest.fixture(params=["postgres", "s3"])
def team(request: pytest.FixtureRequest, pg_url: str) -> dict[str, str]:
    """The settings every machine of the team uses."""
    if request.param == "postgres":
        return {"database_url": pg_url, "blob_store": "postgres"}
    bucket: S3Bucket = request.getfixturevalue("s3_bucket")
    return {"database_url": pg_url, "blob_store": f"s3://{bucket.name}/evidence",
            "s3_endpoint_url": bucket.endpoint}


def test_verify_from_a_fourth_folder(tmp_path: Path, team: dict[str, str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(3)
    folders = [str(tmp_path / f"machine{m}") for m in (1, 2, 3)]
    procs = [ctx.Process(target=_machine, args=(f, team, m, start, m == 3))
             for m, f in zip((1, 2, 3), folders, strict=True)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, -signal.SIGKILL]

    fourth = open_workspace(tmp_path / "fourth", overrides=dict(team))
    try:
        report = verify(fourth)
        assert report["checked"]["captures"] == 3 * PAGES
        # 3 x (12 captures + 1 screenshot) + 2 seals: nobody's append was lost or forked
        assert report["checked"]["custody_entries"] == 3 * (PAGES + 1) + 2
        assert [(p["kind"], p["detail"].split(",")[0]) for p in report["problems"]] == [
            ("warc", "never sealed")], report["problems"]
        assert "another machine" in report["problems"][0]["detail"]

        # The killed machine runs again: its folder's open WARC file is sealed and shared.
        again = open_workspace(folders[2], overrides=dict(team))
        EvidenceSession(again.evidence_dir, again.store, again.blobs, operator="m3",
                        user_agent="wildtrace/test", robots_policy="obey").close()
        again.close()
        report = verify(fourth)
        assert report["ok"], report["problems"]
        assert report["checked"]["warc_files"] == 3
        assert report["checked"]["warc_records"] == 3 * (2 * PAGES + 1)
        head = report["head"]

        # The same answer from a machine that wrote (its mirror is a prefix of the log).
        first = open_workspace(folders[0], overrides=dict(team))
        assert verify(first)["ok"] and verify(first)["head"] == head

        # The export is the whole log, and matches the database line for line.
        for key, value in team.items():
            monkeypatch.setenv(f"WILDTRACE_{key.upper()}", value)
        out = tmp_path / "custody-export.jsonl"
        res = CliRunner().invoke(main, ["--workspace", str(tmp_path / "fourth"), "evidence",
                                        "export-custody", "-o", str(out)])
        assert res.exit_code == 0, res.output
        assert head in res.output and len(out.read_text().splitlines()) == 3 * 13 + 3
        assert not read_custody(fourth.store, out).problems

        # Tampering shows from any folder: a mirror line edited on machine 1 ...
        mirror = Path(folders[0]) / "evidence" / CUSTODY_FILE
        lines = mirror.read_text().splitlines()
        entry = json.loads(lines[1])
        entry["who"] = "someone else"
        lines[1] = json.dumps(entry, sort_keys=True, ensure_ascii=False)
        mirror.write_text("\n".join(lines) + "\n")
        assert any("differs between the database and the mirror" in p["detail"]
                   for p in verify(first)["problems"])
        first.close()
        # ... and a shared blob changed, or an entry deleted, in the database.
        sha = next(iter(fourth.blobs))
        if team["blob_store"] == "postgres":
            with fourth.store.blob_chunks.engine.begin() as conn:
                conn.execute(sa.text("UPDATE blob_chunks SET data = 'x' WHERE sha256 = :s"),
                             {"s": sha})
        else:
            import boto3

            boto3.client("s3", endpoint_url=team["s3_endpoint_url"]).put_object(
                Bucket=team["blob_store"][5:].split("/")[0],
                Key=fourth.blobs.key(sha), Body=b"x")  # type: ignore[attr-defined]
        with fourth.store.blob_chunks.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM custody WHERE seq = 7"))
        problems = verify(fourth)["problems"]
        assert {"blob", "custody"} <= {p["kind"] for p in problems}
        assert any(p["subject"] == sha and "no longer matches" in p["detail"]
                   for p in problems)
    finally:
        fourth.close()
