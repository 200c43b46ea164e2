"""Trusted timestamps against a local TSA: a token over the custody head verifies; a
rewritten or edited chain, a token of another head, a corrupted, deleted or unlogged
token and a wrong CA are reported; a TSA that is down is a clear error with its URL, and
only a warning at the end of a run.

The TSA (tests/local_tsa.py) is ``openssl ts -reply`` behind a tiny HTTP server on
127.0.0.1, with a CA and a TSA certificate made by openssl in a temporary folder.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from local_tsa import OPENSSL, LocalTSA, local_tsa

from wildtrace import config
from wildtrace.app.timestamps import timestamp_after_run, timestamp_custody
from wildtrace.cli import main
from wildtrace.errors import ConfigError, EvidenceError, FetchError
from wildtrace.preserve.custody import entry_hash
from wildtrace.preserve.session import CUSTODY_FILE, custody_log
from wildtrace.preserve.timestamp import ACTION, NO_CA
from wildtrace.preserve.verify import verify
from wildtrace.workspace import Workspace, open_workspace

pytestmark = pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed")


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalTSA]:
    with local_tsa(tmp_path_factory.mktemp("tsa")) as running:
        yield running


@pytest.fixture
def ws(tmp_path: Path, tsa: LocalTSA) -> Iterator[Workspace]:
    """A workspace with three custody entries, set up to use the local TSA."""
    workspace = open_workspace(tmp_path / "ws")
    workspace.settings = workspace.settings.replace(tsa_url=tsa.url, tsa_ca_file=tsa.ca_file,
                                                    timeout=10.0)
    log = custody_log(workspace.evidence_dir, workspace.store, "tester")
    for i in range(3):
        sha = workspace.blobs.put(f"imported file {i}\n".encode())
        log.record("imported", f"file-{i}.csv", sha, {"n": i})
    tsa.server.mode = "ok"
    yield workspace
    workspace.close()


def _timestamp_problems(ws: Workspace) -> list[str]:
    return [f"{p['subject']}: {p['detail']}" for p in verify(ws)["problems"]
            if p["kind"] == "timestamp"]


def _sql(ws: Workspace, statement: str, **params: Any) -> None:
    with ws.store.engine.begin() as conn:
        conn.execute(sa.text(statement), params)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_token_over_the_head_verifies(ws: Workspace, tsa: LocalTSA) -> None:
    head = ws.store.evidence.custody_entries()[-1]
    stamp = timestamp_custody(ws)
    row = stamp.row
    assert stamp.signature == "verified"
    assert (row.custody_seq, row.custody_head, row.tsa_url) == (3, head.entry_hash, tsa.url)
    assert row.gen_time.endswith("Z") and int(row.serial) > 0
    logged = ws.store.evidence.custody_entries()[-1]
    assert (logged.seq, logged.action, logged.sha256) == (4, ACTION, row.token_sha256)
    assert logged.detail["custody_head"] == head.entry_hash
    report = verify(ws)
    assert report["ok"], report["problems"]
    assert report["checked"]["timestamps"] == 1
    stamps = report["timestamps"]
    assert stamps.trusted is not None and stamps.trusted.custody_seq == 3
    assert stamps.trusted.signature == "verified" and stamps.uncovered == 0
    # The README's promise: an examiner needs only openssl, the head and the CA file.
    assert OPENSSL is not None
    out = subprocess.run([OPENSSL, "ts", "-verify", "-digest", head.entry_hash, "-in",
                          str(ws.blobs.path(row.token_sha256)), "-CAfile", tsa.ca_file],
                         capture_output=True, text=True, timeout=60)
    assert "Verification: OK" in out.stdout, out.stderr


def test_without_ca_file_the_signature_is_not_checked(ws: Workspace) -> None:
    ws.settings = ws.settings.replace(tsa_ca_file="")
    assert timestamp_custody(ws).signature == NO_CA
    report = verify(ws)
    assert report["ok"], report["problems"]
    assert report["timestamps"].tokens[0].signature == "not checked: no tsa_ca_file"


def test_another_ca_is_refused_and_reported(ws: Workspace, tsa: LocalTSA) -> None:
    ws.settings = ws.settings.replace(tsa_ca_file=tsa.other_ca_file)
    with pytest.raises(EvidenceError, match="does not verify against tsa_ca_file"):
        timestamp_custody(ws)
    assert ws.store.timestamps.all() == []
    ws.settings = ws.settings.replace(tsa_ca_file="")
    timestamp_custody(ws)
    ws.settings = ws.settings.replace(tsa_ca_file=tsa.other_ca_file)
    found = _timestamp_problems(ws)
    assert len(found) == 1 and "signature does not verify" in found[0]
    ws.settings = ws.settings.replace(tsa_ca_file=str(Path(tsa.ca_file).parent / "nope.pem"))
    assert any("tsa_ca_file" in p and "cannot read" in p for p in _timestamp_problems(ws))


def test_entries_after_the_token_are_not_covered(ws: Workspace) -> None:
    timestamp_custody(ws)
    log = custody_log(ws.evidence_dir, ws.store, "tester")
    log.record("imported", "later-a.csv", "a" * 64)
    log.record("imported", "later-b.csv", "b" * 64)
    report = verify(ws)
    assert report["ok"], report["problems"]
    assert report["timestamps"].trusted.custody_seq == 3
    assert report["timestamps"].uncovered == 2


def _rewrite_chain(ws: Workspace, seq: int, subject: str) -> None:
    """Edit one entry and re-hash every entry after it, in the database and the mirror,
    as someone rewriting the whole log would: the chain itself stays consistent."""
    entries = ws.store.evidence.custody_entries()
    prev = "0" * 64
    lines = []
    for e in entries:
        subj = subject if e.seq == seq else e.subject
        h = entry_hash(e.seq, e.at, e.who, e.action, subj, e.sha256, e.detail, prev)
        _sql(ws, "UPDATE custody SET subject=:s, prev_hash=:p, entry_hash=:h WHERE seq=:q",
             s=subj, p=prev, h=h, q=e.seq)
        lines.append({**e.as_dict(), "subject": subj, "prev_hash": prev, "entry_hash": h})
        prev = h
    (ws.evidence_dir / CUSTODY_FILE).write_text(
        "".join(json.dumps(x, sort_keys=True, ensure_ascii=False) + "\n" for x in lines),
        encoding="utf-8")


def test_a_rewritten_chain_is_caught_only_by_the_token(ws: Workspace) -> None:
    timestamp_custody(ws)
    _rewrite_chain(ws, 1, "someone-else.csv")
    report = verify(ws)
    assert {p["kind"] for p in report["problems"]} == {"timestamp"}, report["problems"]
    found = _timestamp_problems(ws)
    assert len(found) == 1
    assert "token 1 (custody entry 3" in found[0] and "custody entry 3 now hashes to" in found[0]
    assert report["timestamps"].trusted is None


def test_an_edit_before_the_head_is_caught(ws: Workspace) -> None:
    timestamp_custody(ws)
    _sql(ws, "UPDATE custody SET subject='swapped.csv' WHERE seq=2")
    found = _timestamp_problems(ws)
    assert found == [found[0]] and "chain up to entry 3 no longer leads" in found[0]


def test_a_deleted_head_is_caught(ws: Workspace) -> None:
    timestamp_custody(ws)
    _sql(ws, "DELETE FROM custody WHERE seq=3")
    assert any("custody entry 3, the head it covers, is no longer in the custody log" in p
               for p in _timestamp_problems(ws))


def test_a_token_of_another_head_is_caught(ws: Workspace) -> None:
    timestamp_custody(ws)
    other = ws.store.evidence.custody_entries()[1]
    _sql(ws, "UPDATE timestamps SET custody_seq=2, custody_head=:h", h=other.entry_hash)
    found = _timestamp_problems(ws)
    assert len(found) == 1 and "token 1 (custody entry 2" in found[0]
    assert "message imprint is" in found[0] and "another head" in found[0]


def test_an_edited_row_is_caught(ws: Workspace) -> None:
    timestamp_custody(ws)
    _sql(ws, "UPDATE timestamps SET gen_time='2020-01-01T00:00:00.000000Z'")
    assert any("the row was edited" in p for p in _timestamp_problems(ws))


@pytest.mark.parametrize("damage", ["garbage", "flip", "delete"])
def test_a_corrupted_or_missing_token_is_caught(ws: Workspace, damage: str) -> None:
    row = timestamp_custody(ws).row
    path = ws.blobs.path(row.token_sha256)
    os.chmod(path, 0o644)
    if damage == "garbage":
        path.write_bytes(b"not a token at all")
    elif damage == "flip":
        data = bytearray(path.read_bytes())
        data[-20] ^= 0x01  # inside the signature
        path.write_bytes(bytes(data))
    else:
        path.unlink()
    found = _timestamp_problems(ws)
    assert found and all(p.startswith("token 1 (custody entry 3") for p in found)
    want = {"garbage": "not an RFC 3161 timestamp reply", "flip": "signature does not verify",
            "delete": "is missing"}[damage]
    assert any(want in p for p in found), found


def test_a_deleted_row_or_unlogged_token_is_caught(ws: Workspace) -> None:
    row = timestamp_custody(ws).row
    _sql(ws, "DELETE FROM timestamps")
    assert any("custody entry 4" in p and "has no timestamp row" in p
               for p in _timestamp_problems(ws))
    ws.store.timestamps.add(custody_seq=row.custody_seq, custody_head=row.custody_head,
                            tsa_url=row.tsa_url, token_sha256=row.token_sha256,
                            token_size=1, media_type="x", gen_time=row.gen_time,
                            serial=row.serial, policy=row.policy)
    _sql(ws, "UPDATE custody SET action='imported' WHERE seq=4")
    assert any("no custody entry records this token" in p for p in _timestamp_problems(ws))


def test_tsa_down_is_a_clear_error_with_its_url(ws: Workspace) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/tsr"
    ws.settings = ws.settings.replace(tsa_url=url)
    with pytest.raises(FetchError, match="cannot reach the time-stamping authority") as exc:
        timestamp_custody(ws)
    assert url in str(exc.value)
    assert ws.store.timestamps.all() == [] and len(ws.store.evidence.custody_entries()) == 3


@pytest.mark.parametrize(("mode", "error", "text"), [
    ("error", FetchError, "answered HTTP 500"),
    ("garbage", EvidenceError, "not an RFC 3161 timestamp reply")])
def test_a_tsa_answering_nonsense_is_refused(ws: Workspace, tsa: LocalTSA, mode: str,
                                            error: type[Exception], text: str) -> None:
    tsa.server.mode = mode
    with pytest.raises(error, match=text):
        timestamp_custody(ws)
    assert ws.store.timestamps.all() == []


def test_nothing_to_timestamp_and_no_tsa(tmp_path: Path, tsa: LocalTSA) -> None:
    empty = open_workspace(tmp_path / "empty")
    try:
        with pytest.raises(ConfigError, match="no time-stamping authority"):
            timestamp_custody(empty)
        empty.settings = empty.settings.replace(tsa_url=tsa.url)
        with pytest.raises(EvidenceError, match="custody log is empty"):
            timestamp_custody(empty)
    finally:
        empty.close()
    with pytest.raises(ConfigError, match="tsa_url"):
        config.load(env={"WILDTRACE_TSA_URL": "ftp://tsa.example/"})


def test_end_of_run_timestamp_warns_and_never_raises(ws: Workspace) -> None:
    done = timestamp_after_run(ws)
    assert done.stamp is not None and not done.warning
    assert timestamp_after_run(ws).stamp is None  # nothing new since the token
    custody_log(ws.evidence_dir, ws.store, "tester").record("imported", "c.csv", "c" * 64)
    url = f"http://127.0.0.1:{_closed_port()}/tsr"
    ws.settings = ws.settings.replace(tsa_url=url)
    down = timestamp_after_run(ws)
    assert down.stamp is None and url in down.warning and "evidence timestamp" in down.warning
    ws.settings = ws.settings.replace(tsa_url="")
    assert timestamp_after_run(ws).stamp is None and not timestamp_after_run(ws).warning


def test_cli_timestamp_and_verify(ws: Workspace, tsa: LocalTSA) -> None:
    runner = CliRunner()
    root = str(ws.root)
    env = {"WILDTRACE_TSA_URL": tsa.url, "WILDTRACE_TSA_CA_FILE": tsa.ca_file}
    res = runner.invoke(main, ["--workspace", root, "evidence", "timestamp"], env=env)
    assert res.exit_code == 0, res.output
    assert "timestamped custody entry 3" in res.output and "signature verified" in res.output
    res = runner.invoke(main, ["--workspace", root, "evidence", "verify"], env=env)
    assert res.exit_code == 0, res.output
    assert "(signature verified)" in res.output and "trusted time:" in res.output
    res = runner.invoke(main, ["--workspace", root, "evidence", "verify", "--json"])
    data = json.loads(res.output)
    assert data["ok"] and data["trusted_time"]["covers_through"] == 3
    assert data["tokens"][0]["signature"] == NO_CA
    res = runner.invoke(main, ["--workspace", root, "evidence", "timestamp"])
    assert res.exit_code == 1 and "no time-stamping authority" in res.output


def test_capture_timestamps_at_the_end_and_survives_a_tsa_down(
        ws: Workspace, tsa: LocalTSA, monkeypatch: pytest.MonkeyPatch) -> None:
    # The run itself is stubbed out (capture is tested in test_preserve_capture): this
    # is about what the command does after it, with the custody log the run left.
    import wildtrace.app.capture as capture_app

    def run_capture(_ws: Workspace, urls: Any, *, browser: bool = True) -> Any:
        return capture_app.CaptureResult(captured=(), failures=(), browser=())

    monkeypatch.setattr(capture_app, "capture", run_capture)
    runner = CliRunner()
    args = ["--workspace", str(ws.root), "capture", "--no-browser", "--json",
            "https://shop.example/item"]
    res = runner.invoke(main, args, env={"WILDTRACE_TSA_URL": tsa.url,
                                         "WILDTRACE_TSA_CA_FILE": tsa.ca_file})
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["captured"] == []  # --json output stays one document
    assert "custody entry 3 timestamped at" in res.stderr and tsa.url in res.stderr
    assert len(ws.store.timestamps.all()) == 1
    custody_log(ws.evidence_dir, ws.store, "tester").record("imported", "d.csv", "d" * 64)
    down = f"http://127.0.0.1:{_closed_port()}/tsr"
    res = runner.invoke(main, args, env={"WILDTRACE_TSA_URL": down})
    assert res.exit_code == 0, res.output
    assert "warning: no trusted timestamp this run" in res.stderr and down in res.stderr
    assert len(ws.store.timestamps.all()) == 1
