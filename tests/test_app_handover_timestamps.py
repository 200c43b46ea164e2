"""The handover packages carry the custody head and every RFC 3161 token covering their
evidence (``timestamps/<seq>.tsr``, listed with its SHA-256 in the package's manifest),
so a recipient can check when the evidence existed with ``openssl ts -verify``: the
WACZ evidence export and the case evidence ZIP, each unzipped and checked here."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from local_tsa import OPENSSL, LocalTSA, local_tsa
from tamper_seed import _page

from wildtrace.app.cases import add_to_case, evidence_export, open_case
from wildtrace.app.exports import export
from wildtrace.app.pages import evidence_session, page_processor
from wildtrace.app.timestamps import timestamp_custody
from wildtrace.preserve.timestamp import read_token
from wildtrace.workspace import Workspace, open_workspace

pytestmark = pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed")


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalTSA]:
    with local_tsa(tmp_path_factory.mktemp("tsa")) as running:
        yield running


@pytest.fixture
def ws(tmp_path: Path, tsa: LocalTSA) -> Iterator[Workspace]:
    """Two captured pages with their listings, timestamped by the local TSA."""
    workspace = open_workspace(tmp_path / "ws")
    workspace.settings = workspace.settings.replace(
        tsa_url=tsa.url, tsa_ca_file=tsa.ca_file, timeout=10.0, embeddings=False)
    session = evidence_session(workspace, durable=True, purpose="test crawl")
    processor = page_processor(workspace, session, lambda text: 0.9, None)
    processor.many([_page(session, i) for i in range(2)])
    session.close()
    timestamp_custody(workspace)
    yield workspace
    workspace.close()


def _check_token(names: dict[str, bytes], prefix: str, ws: Workspace, tsa: LocalTSA,
                 tmp_path: Path) -> str:
    """The package's one token: its imprint is the custody head it records, and
    openssl verifies it; returns that head."""
    [row] = ws.store.timestamps.all()
    listed = json.loads(names[f"{prefix}timestamps/tokens.json"])
    assert [t["file"] for t in listed] == [f"timestamps/{row.custody_seq}.tsr"]
    assert listed[0]["custody_head"] == row.custody_head
    der = names[f"{prefix}timestamps/{row.custody_seq}.tsr"]
    assert hashlib.sha256(der).hexdigest() == listed[0]["token_sha256"] == row.token_sha256
    _, info = read_token(der, "exported token")
    assert info.imprint == row.custody_head
    head = json.loads(names[f"{prefix}custody/head.json"])
    db_head = ws.store.evidence.custody_entries()[-1]
    assert (head["custody_seq"], head["custody_head"]) == (db_head.seq, db_head.entry_hash)
    token = tmp_path / "token.tsr"
    token.write_bytes(der)
    assert OPENSSL is not None
    done = subprocess.run([OPENSSL, "ts", "-verify", "-digest", row.custody_head, "-in",
                           str(token), "-CAfile", tsa.ca_file],
                          capture_output=True, text=True, timeout=60)
    assert "Verification: OK" in done.stdout, (done.stdout, done.stderr)
    return row.custody_head


def test_wacz_export_carries_the_tokens_and_the_head(ws: Workspace, tsa: LocalTSA,
                                                     tmp_path: Path) -> None:
    path = tmp_path / "evidence.wacz"
    export(ws, "evidence", "wacz", path)
    with zipfile.ZipFile(path) as zf:
        names = {n: zf.read(n) for n in zf.namelist()}
    covered = _check_token(names, "wildtrace/", ws, tsa, tmp_path)
    package = json.loads(names["datapackage.json"])
    hashes = {r["path"]: r["hash"] for r in package["resources"]}
    for name in ("wildtrace/custody/head.json", "wildtrace/timestamps/tokens.json"):
        assert hashes[name] == "sha256:" + hashlib.sha256(names[name]).hexdigest()
    token_name = next(n for n in names if n.endswith(".tsr"))
    assert hashes[token_name] == "sha256:" + hashlib.sha256(names[token_name]).hexdigest()
    # The covered entry is in the custody log the package carries.
    log = [json.loads(line) for line in names["wildtrace/custody.jsonl"].splitlines()]
    assert covered in {e["entry_hash"] for e in log}


def test_case_evidence_zip_carries_the_tokens_and_the_head(ws: Workspace, tsa: LocalTSA,
                                                           tmp_path: Path) -> None:
    with ws.store.engine.connect() as conn:
        listing = conn.execute(sa.text(
            "SELECT id FROM listings WHERE capture_sha256 != '' ORDER BY id")).scalar()
    case_id = open_case(ws, "bangles", "analyst")
    add_to_case(ws, case_id, "listing", str(listing), "analyst")
    data = evidence_export(ws, case_id, "analyst")
    assert data is not None
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = {n: zf.read(n) for n in zf.namelist()}
    covered = _check_token(names, "", ws, tsa, tmp_path)
    manifest = dict(reversed(line.split("  ", 1))
                    for line in names["MANIFEST-SHA256.txt"].decode().splitlines())
    for name in ("custody/head.json", "timestamps/tokens.json", "custody/entries.jsonl",
                 next(n for n in names if n.endswith(".tsr"))):
        assert manifest[name] == hashlib.sha256(names[name]).hexdigest(), name
    entries = [json.loads(line) for line in names["custody/entries.jsonl"].splitlines()]
    assert covered in {e["entry_hash"] for e in entries}
    assert any(e["action"] == "captured" for e in entries)
