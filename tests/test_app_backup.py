"""Workspace backup and restore: a backup of every kind of evidence restores into a new
workspace where ``evidence verify`` passes (SQLite, and PostgreSQL with pg_dump and
pg_restore); a tampered backup is refused with what and where; nothing is overwritten."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from tamper_seed import build, cli_report

from wildtrace import config
from wildtrace.app.backup import backup, settings_without_secrets
from wildtrace.app.restore import restore
from wildtrace.cli import main
from wildtrace.errors import EvidenceError, WorkspaceError
from wildtrace.workspace import Workspace, open_workspace


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite workspace holding every kind of evidence (built once)."""
    root = tmp_path_factory.mktemp("seeded") / "ws"
    build(root)
    return root


@pytest.fixture
def source(seeded: Path, tmp_path: Path) -> Path:
    """A fresh copy of the seeded workspace (it is not in use: a file copy is safe)."""
    root = tmp_path / "ws"
    shutil.copytree(seeded, root)
    return root


def _cli(*args: str) -> tuple[int, Any]:
    res = CliRunner().invoke(main, list(args))
    try:
        return res.exit_code, json.loads(res.stdout)
    except json.JSONDecodeError:
        return res.exit_code, res.output


def test_backup_then_restore_verifies(source: Path, tmp_path: Path) -> None:
    code, before = cli_report(source)
    assert code == 0 and before["ok"], before["problems"]
    code, made = _cli("--workspace", str(source), "workspace", "backup",
                      str(tmp_path / "bk"), "--json")
    assert code == 0, made
    assert made["database"] == "sqlite" and made["warnings"] == []
    assert made["custody_head"] == before["head"]
    # The backup holds one self-contained database file and a manifest of everything.
    assert sorted(p.name for p in (tmp_path / "bk" / "database").iterdir()) == ["wildtrace.db"]
    manifest = json.loads((tmp_path / "bk" / "manifest.json").read_text())
    assert len(manifest["files"]) == made["files"]
    code, done = _cli("workspace", "restore", str(tmp_path / "bk"), str(tmp_path / "new"),
                      "--expect-manifest", made["manifest_sha256"], "--json")
    assert code == 0, done
    code, after = cli_report(tmp_path / "new")
    assert code == 0 and after["ok"], after["problems"]
    assert after["head"] == before["head"]
    assert after["checked"] == before["checked"]


def test_restore_from_a_backup_taken_mid_append(source: Path, tmp_path: Path) -> None:
    mirror = source / "evidence" / "custody.jsonl"
    lines = mirror.read_bytes().splitlines(keepends=True)
    # A run had committed its last entry but not yet mirrored it, and another had
    # mirrored an entry the dump does not hold (written after the snapshot).
    last = json.loads(lines[-1])
    later = json.dumps({**last, "seq": last["seq"] + 1}).encode() + b"\n"
    os.chmod(mirror, 0o644)
    mirror.write_bytes(b"".join(lines[:-1]))
    report = backup(_open(source), tmp_path / "bk")
    assert report.custody_seq == last["seq"]
    mirror.write_bytes(b"".join(lines) + later)
    backup(_open(source), tmp_path / "bk2")  # the later line is cut at the dump's head
    for name in ("bk", "bk2"):
        done = restore(tmp_path / name, tmp_path / f"new-{name}")
        assert done.mirror_completed == (1 if name == "bk" else 0)
        code, after = cli_report(tmp_path / f"new-{name}")
        assert code == 0 and after["ok"], after["problems"]


@pytest.mark.parametrize("restored_to", [None, ""])
def test_blobs_in_the_database(tmp_path: Path, restored_to: str | None) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "wildtrace.toml").write_text('blob_store = "postgres"\n')
    build(root)
    assert not any((root / "evidence" / "blobs").iterdir())
    made = backup(_open(root), tmp_path / "bk")
    assert not (tmp_path / "bk" / "evidence" / "blobs").exists()  # they are in the dump
    restore(tmp_path / "bk", tmp_path / "new", blob_store=restored_to)
    # Restored with blob_store "" the blobs move out of the database into the folder.
    moved = any((tmp_path / "new" / "evidence" / "blobs").iterdir())
    assert moved == (restored_to == "")
    code, after = cli_report(tmp_path / "new")
    assert code == 0 and after["ok"], after["problems"]
    assert after["head"] == made.custody_head


_opened: list[Workspace] = []


def _open(root: Path) -> Workspace:
    """Open a workspace for one test (closed after it by :func:`_close_opened`)."""
    ws = open_workspace(root)
    _opened.append(ws)
    return ws


@pytest.fixture(autouse=True)
def _close_opened() -> Iterator[None]:
    yield
    while _opened:
        _opened.pop().close()


def _first(bk: Path, prefix: str) -> Path:
    return next(p for p in sorted((bk / prefix).rglob("*")) if p.is_file())


def _flip(path: Path) -> None:
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(("tamper", "where"), [
    (lambda bk: _flip(_first(bk, "evidence/blobs")), "evidence/blobs/"),
    (lambda bk: _flip(_first(bk, "evidence/warc")), "evidence/warc/"),
    (lambda bk: _flip(bk / "database" / "wildtrace.db"), "database/wildtrace.db: SHA-256"),
    (lambda bk: _first(bk, "evidence/warc").unlink(), "missing (the manifest lists it)"),
    (lambda bk: (bk / "evidence" / "blobs" / "extra").write_bytes(b"x"),
     "evidence/blobs/extra: not in the manifest"),
    (lambda bk: (bk / "evidence" / "custody.jsonl").write_bytes(b"{}\n"),
     "evidence/custody.jsonl: 3 bytes"),
    (lambda bk: (bk / "manifest.json").write_text(
        (bk / "manifest.json").read_text().replace('"seq": ', '"seq": 1')),
     "manifest.json: SHA-256 is"),
])
def test_a_tampered_backup_is_refused(source: Path, tmp_path: Path, tamper: Any,
                                      where: str) -> None:
    backup(_open(source), tmp_path / "bk")
    tamper(tmp_path / "bk")
    with pytest.raises(EvidenceError) as err:
        restore(tmp_path / "bk", tmp_path / "new")
    assert where in str(err.value) and str(tmp_path / "bk") in str(err.value)
    assert not (tmp_path / "new").exists()


def test_a_rewritten_manifest_is_caught_by_the_noted_digest(source: Path,
                                                            tmp_path: Path) -> None:
    made = backup(_open(source), tmp_path / "bk")
    blob = _first(tmp_path / "bk", "evidence/blobs")
    _flip(blob)
    # Someone rewrites the manifest and its checksum to match the changed blob.
    from wildtrace.app.backup_manifest import MANIFEST, MANIFEST_SUM, Manifest, check
    doc = json.loads((tmp_path / "bk" / MANIFEST).read_text())
    forged = Manifest(facts={k: v for k, v in doc.items()
                             if k not in ("files", "format", "version")})
    forged.files = {p: (e["sha256"], e["bytes"]) for p, e in doc["files"].items()}
    from wildtrace.blobstore import sha256_file
    rel = blob.relative_to(tmp_path / "bk").as_posix()
    forged.files[rel] = (sha256_file(blob), blob.stat().st_size)
    (tmp_path / "bk" / MANIFEST).unlink()
    (tmp_path / "bk" / MANIFEST_SUM).unlink()
    forged.write(tmp_path / "bk")
    check(tmp_path / "bk")  # consistent with itself...
    with pytest.raises(EvidenceError, match="expected " + made.manifest_sha256):
        restore(tmp_path / "bk", tmp_path / "new", expect_manifest=made.manifest_sha256)


def test_nothing_is_overwritten(source: Path, tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with pytest.raises(WorkspaceError, match="refusing to write a backup into"):
        backup(_open(source), tmp_path / "full")
    backup(_open(source), tmp_path / "bk")
    with pytest.raises(WorkspaceError, match="refusing to restore into"):
        restore(tmp_path / "bk", tmp_path / "full")
    assert sorted(p.name for p in (tmp_path / "full").iterdir()) == ["keep.txt"]
    with pytest.raises(WorkspaceError, match="holds a sqlite database and cannot be "
                                             "restored into"):
        restore(tmp_path / "bk", tmp_path / "new",
                database_url="postgresql+psycopg://u@127.0.0.1:1/x")
    assert not (tmp_path / "new").exists()
    code, out = _cli("workspace", "restore", str(tmp_path / "bk"), str(tmp_path / "full"))
    assert code == 1 and "error: refusing to restore into" in out


def test_settings_are_backed_up_without_secrets(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "wildtrace.toml"
    path.write_text('database_url = "postgresql+psycopg://ana:s3cret@db.example/wt"\n'
                    'operator = "Ana"\ndelay = 3.5\nobey_robots = false\n'
                    'trusted_proxies = ["10.0.0.1", "10.0.0.2"]\n', encoding="utf-8")
    monkeypatch.setitem(config.BY_NAME, "operator",  # type: ignore[index]
                        dataclasses.replace(config.BY_NAME["operator"], secret=True))
    text, notes = settings_without_secrets(path)
    assert "s3cret" not in text and "Ana" not in text
    assert 'database_url = "postgresql+psycopg://ana@db.example/wt"' in text
    assert len(notes) == 2
    loaded = config.load(path)  # still a valid settings file
    assert loaded.delay == 3.5 and not loaded.obey_robots
    assert loaded.trusted_proxies == ("10.0.0.1", "10.0.0.2")


def _pg_tools() -> None:
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not on PATH (apt-get install postgresql-client)")


@pytest.fixture
def pg_url2(pg_url: str) -> Iterator[str]:
    """A second new, empty PostgreSQL database beside ``pg_url``, dropped afterwards."""
    import psycopg

    name = "wt_test_" + uuid.uuid4().hex[:12]
    admin = "host=127.0.0.1 port=5432 user=postgres dbname=test"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield pg_url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_postgres_backup_then_restore_verifies(tmp_path: Path, pg_url: str,
                                               pg_url2: str) -> None:
    _pg_tools()
    build(tmp_path / "ws", overrides={"database_url": pg_url})
    (tmp_path / "ws" / "wildtrace.toml").write_text(f'database_url = "{pg_url}"\n')
    code, before = cli_report(tmp_path / "ws")
    assert code == 0 and before["ok"], before["problems"]
    code, made = _cli("--workspace", str(tmp_path / "ws"), "workspace", "backup",
                      str(tmp_path / "bk"), "--json")
    assert code == 0, made
    assert (tmp_path / "bk" / "database" / "wildtrace.pgdump").read_bytes()[:5] == b"PGDMP"
    with pytest.raises(WorkspaceError, match="holds a PostgreSQL database"):
        restore(tmp_path / "bk", tmp_path / "new")
    with pytest.raises(WorkspaceError, match="refusing to restore into .* already holds"):
        restore(tmp_path / "bk", tmp_path / "new", database_url=pg_url)
    assert not (tmp_path / "new").exists()
    code, done = _cli("workspace", "restore", str(tmp_path / "bk"), str(tmp_path / "new"),
                      "--database-url", pg_url2, "--json")
    assert code == 0, done
    assert pg_url2 in (tmp_path / "new" / "wildtrace.toml").read_text()
    code, after = cli_report(tmp_path / "new")
    assert code == 0 and after["ok"], after["problems"]
    assert after["head"] == before["head"] and after["checked"] == before["checked"]
