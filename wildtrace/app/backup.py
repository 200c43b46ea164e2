"""``wildtrace workspace backup``: one consistent, hash-listed copy of a workspace.

The database is dumped first (SQLite through its online backup API, PostgreSQL with
``pg_dump`` over an exported snapshot: :mod:`wildtrace.store.backup`), and the files
are then taken to match that state, while crawls may still be writing:

- blobs listed *before* the dump (content-addressed and append-only, so every blob a
  dumped row names was already there), copied out of whichever blob backend holds them;
- the custody mirror cut at the dumped log's last entry (lines appended after the
  dump name entries the dump lacks);
- the WARC files the dump registers, and no others;
- the settings file without secrets, and the user's models, profiles and lexicon.

Every file goes into ``manifest.json`` with its SHA-256 (:mod:`wildtrace.app.backup_manifest`).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wildtrace import __version__, config
from wildtrace.app.backup_manifest import Manifest, copy_hashed, write_hashed
from wildtrace.blobstore import sha256_file
from wildtrace.errors import WorkspaceError
from wildtrace.store.backup import DumpFacts
from wildtrace.store.blob_chunks import DatabaseBlobStore
from wildtrace.workspace import DB_FILE, SETTINGS_FILE, Workspace

CUSTODY_MIRROR = "evidence/custody.jsonl"
# Folders and files of the user's own making, kept as they are.
USER_PATHS = ("models", "profiles", "lexicon.csv")
# Rebuilt on demand (caches, evaluation plots, the report), or the database itself.
SKIPPED = {"cache", "evaluations", "report.html", "evidence", SETTINGS_FILE, DB_FILE,
           f"{DB_FILE}-wal", f"{DB_FILE}-shm"}


@dataclass(frozen=True)
class BackupReport:
    """What a backup holds and what to know about it."""

    path: Path
    manifest_sha256: str
    dialect: str
    files: int
    bytes: int
    blobs: int
    warc_files: int
    custody_seq: int
    custody_head: str
    warnings: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        """As ``workspace backup --json`` prints it."""
        return {"path": str(self.path), "manifest_sha256": self.manifest_sha256,
                "database": self.dialect, "files": self.files, "bytes": self.bytes,
                "blobs": self.blobs, "warc_files": self.warc_files,
                "custody_seq": self.custody_seq, "custody_head": self.custody_head,
                "warnings": list(self.warnings)}


def _without_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    authority, slash, path = rest.partition("/")
    credentials, at, host = authority.rpartition("@")
    if not sep or not at or ":" not in credentials:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user + '@' if user else ''}{host}{slash}{path}"


def toml_value(value: Any) -> str:
    """``value`` spelt as TOML (strings, booleans, numbers and lists of them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    # JSON's string escapes are a subset of TOML's basic-string escapes.
    return json.dumps(str(value), ensure_ascii=False)


def settings_without_secrets(path: Path) -> tuple[str, list[str]]:
    """The workspace's settings file as TOML with every secret setting left out and
    every URL's password removed; and a note for each thing removed."""
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise WorkspaceError(f"{path}: cannot parse settings: {exc}") from exc
    notes: list[str] = []
    lines = [f"# wildtrace settings from a backup made {datetime.now(UTC):%Y-%m-%d %H:%M} "
             "UTC; secrets are left out: set them again (WILDTRACE_* variables).", ""]
    for name, value in values.items():
        setting = config.BY_NAME.get(name)
        if setting is not None and setting.secret:
            notes.append(f"secret setting {name} left out of the backup: set it again")
            continue
        if isinstance(value, str) and _without_password(value) != value:
            value = _without_password(value)
            notes.append(f"password in setting {name} left out of the backup: give it "
                         "again (~/.pgpass, or WILDTRACE_" + name.upper() + ")")
        lines.append(f"{name} = {toml_value(value)}")
    return "\n".join(lines) + "\n", notes


def _prepare(dest: Path) -> None:
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise WorkspaceError(f"refusing to write a backup into {dest}: it is not an empty "
                             "folder", hint="name a new folder for each backup")
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkspaceError(f"cannot create the backup folder {dest}: {exc.strerror}") \
            from exc


def _mirror(ws: Workspace, dest: Path, upto: int, manifest: Manifest) -> None:
    source = ws.evidence_dir / "custody.jsonl"
    if not source.exists():
        return
    kept = bytearray()
    with source.open("rb") as fh:
        for line in fh:
            try:
                seq = json.loads(line).get("seq")
            except (ValueError, AttributeError):
                seq = None  # a damaged line is backed up as found; verify will say
            if isinstance(seq, int) and seq > upto:
                break  # appended after the dump
            kept += line
    manifest.add(CUSTODY_MIRROR, write_hashed([bytes(kept)], dest / CUSTODY_MIRROR))


def _warcs(ws: Workspace, dest: Path, facts: DumpFacts, manifest: Manifest,
           warnings: list[str]) -> int:
    n = 0
    for name, sealed_sha, sealed in facts.warc_files:
        source = ws.evidence_dir / "warc" / name
        if not source.is_file():
            if ws.blobs.shared and sealed and ws.blobs.exists(sealed_sha):
                continue  # sealed and shared: backed up as its blob
            warnings.append(f"WARC file {name} is registered but neither in "
                            f"{source.parent} nor in the blob store {ws.blobs.where} (a "
                            "crawl on another machine is writing it, or it is lost)")
            continue
        rel = f"evidence/warc/{name}"
        digest = copy_hashed(source, dest / rel)
        manifest.add(rel, digest)
        n += 1
        if not sealed:
            warnings.append(f"WARC file {name} was still open (a crawl or capture was "
                            "running): take backups between runs for one that verifies "
                            "clean")
        elif digest[0] != sealed_sha:
            warnings.append(f"WARC file {name} no longer matches its sealed SHA-256; "
                            "backed up as found")
    return n


def _blobs(ws: Workspace, names: list[str], dest: Path, manifest: Manifest,
           warnings: list[str]) -> int:
    for sha in names:
        rel = f"evidence/blobs/{sha[:2]}/{sha[2:4]}/{sha}"
        # Streamed through the backend (a folder, object storage or the database), so a
        # gigabyte WARC blob never sits in memory.
        digest = write_hashed(ws.blobs.iter_bytes(sha), dest / rel)
        if digest[0] != sha:
            warnings.append(f"blob {sha} no longer matches its SHA-256; backed up as found")
        manifest.add(rel, digest)
    return len(names)


def _user_files(ws: Workspace, dest: Path, manifest: Manifest,
                warnings: list[str]) -> None:
    for name in USER_PATHS:
        top = ws.root / name
        for path in ([top] if top.is_file() else sorted(top.rglob("*")) if top.is_dir()
                     else []):
            if path.is_file() and not path.is_symlink():
                rel = path.relative_to(ws.root).as_posix()
                manifest.add(rel, copy_hashed(path, dest / rel))
    for entry in sorted(ws.root.iterdir()):
        if entry.name not in SKIPPED and entry.name not in USER_PATHS:
            warnings.append(f"{entry} is not part of a workspace backup; copy it yourself "
                            "if it matters")


def backup(ws: Workspace, dest: Path) -> BackupReport:
    """Back up ``ws`` into the new folder ``dest``."""
    _prepare(dest)
    warnings: list[str] = []
    # Blobs kept in the database (blob_store = "postgres") are in its dump already.
    in_dump = isinstance(ws.blobs, DatabaseBlobStore)
    names = [] if in_dump else list(ws.blobs)  # before the dump: all it names is here
    facts = ws.store.backup.dump(dest / "database")
    manifest = Manifest()
    dump = dest / "database" / facts.file
    manifest.add(f"database/{facts.file}", (sha256_file(dump), dump.stat().st_size))
    text, notes = settings_without_secrets(ws.root / SETTINGS_FILE)
    warnings += notes
    manifest.add(SETTINGS_FILE, write_hashed([text.encode("utf-8")], dest / SETTINGS_FILE))
    _mirror(ws, dest, facts.custody_seq, manifest)
    n_warc = _warcs(ws, dest, facts, manifest, warnings)
    n_blobs = _blobs(ws, names, dest, manifest, warnings)
    _user_files(ws, dest, manifest, warnings)
    manifest.facts = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "wildtrace": __version__, "source": str(ws.root.resolve()),
        "database": {"dialect": facts.dialect, "file": f"database/{facts.file}",
                     "revisions": list(facts.revisions)},
        "custody": {"seq": facts.custody_seq, "head": facts.custody_head},
        "blobs": "in the database dump" if in_dump else "evidence/blobs"}
    digest = manifest.write(dest)
    return BackupReport(path=dest, manifest_sha256=digest, dialect=facts.dialect,
                        files=len(manifest.files),
                        bytes=sum(n for _, n in manifest.files.values()),
                        blobs=n_blobs, warc_files=n_warc, custody_seq=facts.custody_seq,
                        custody_head=facts.custody_head, warnings=tuple(warnings))
