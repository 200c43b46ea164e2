"""``wildtrace workspace restore``: a backup made by :mod:`wildtrace.app.backup` into a
new workspace, after its manifest holds.

Nothing is written before every file of the backup hashes to what its manifest says
(:func:`wildtrace.app.backup_manifest.check`). The target is a new or empty folder, and
for a PostgreSQL backup a new, empty database; neither is ever written over. Blobs go
into the restored workspace's own blob backend, and the custody mirror is completed
from the restored log where the backup caught it mid-append, exactly as the next run
would; then ``wildtrace evidence verify`` on the new workspace passes.
"""

from __future__ import annotations

import functools
import shutil
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from wildtrace.app.backup import toml_value
from wildtrace.app.backup_manifest import check
from wildtrace.blobstore import CHUNK, BlobStore, LocalBlobStore
from wildtrace.errors import EvidenceError, WorkspaceError
from wildtrace.preserve.session import custody_log
from wildtrace.store.backup import known_revisions, restore_database
from wildtrace.store.blob_chunks import DatabaseBlobStore
from wildtrace.workspace import DB_FILE, SETTINGS_FILE, Workspace, open_workspace

BLOB_PREFIX = "evidence/blobs/"


@dataclass(frozen=True)
class RestoreReport:
    """What was restored, where, and from which backup."""

    path: Path
    database: str  # sqlite | postgresql
    files: int
    blobs: int
    custody_seq: int
    custody_head: str
    mirror_completed: int  # custody entries appended to the mirror from the restored log
    warnings: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        """As ``workspace restore --json`` prints it."""
        return {"path": str(self.path), "database": self.database, "files": self.files,
                "blobs": self.blobs, "custody_seq": self.custody_seq,
                "custody_head": self.custody_head, "mirror_completed": self.mirror_completed,
                "warnings": list(self.warnings)}


def _check_target(target: Path) -> None:
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise WorkspaceError(f"refusing to restore into {target}: it is not an empty folder",
                             hint="restore into a new folder")


def _settings(source: Path, database_url: str, blob_store: str | None) -> str:
    values = tomllib.loads((source / SETTINGS_FILE).read_text(encoding="utf-8"))
    values.pop("database_url", None)
    if database_url:
        values["database_url"] = database_url
    if blob_store is not None:  # "" moves the evidence into the new folder
        values.pop("blob_store", None)
        if blob_store:
            values["blob_store"] = blob_store
    lines = ["# wildtrace settings restored from a backup (secrets were left out of it)."]
    lines += [f"{k} = {toml_value(v)}" for k, v in values.items()]
    return "\n".join(lines) + "\n"


def _database(doc: dict[str, Any], source: Path, database_url: str) -> tuple[str, Path]:
    db = doc.get("database")
    if not isinstance(db, dict) or db.get("dialect") not in ("sqlite", "postgresql"):
        raise EvidenceError(f"{source / 'manifest.json'}: names no database dump")
    unknown = sorted(set(db.get("revisions") or ()) - known_revisions())
    if unknown:
        raise WorkspaceError(f"backup {source} was made by a newer wildtrace (schema "
                             f"revision {', '.join(unknown)} is unknown here)",
                             hint=f"restore it with wildtrace {doc.get('wildtrace')} or newer")
    dialect = str(db["dialect"])
    if dialect == "postgresql" and not database_url:
        raise WorkspaceError(f"backup {source} holds a PostgreSQL database: give "
                             "--database-url of a new, empty database",
                             hint="createdb NAME, then --database-url "
                                  "postgresql+psycopg://USER@HOST/NAME")
    return dialect, source / str(db["file"])


def restore(source: Path, target: Path, *, database_url: str = "",
            expect_manifest: str | None = None,
            blob_store: str | None = None) -> RestoreReport:
    """Restore the backup at ``source`` into the new workspace folder ``target`` (and,
    for a PostgreSQL backup, the new, empty database at ``database_url``); the blobs go
    to the backup's ``blob_store`` unless ``blob_store`` names another ("": the folder)."""
    doc = check(source, expect_manifest)
    _check_target(target)
    dialect, dump = _database(doc, source, database_url)
    created = not target.exists()
    target.mkdir(parents=True, exist_ok=True)
    try:
        (target / SETTINGS_FILE).write_text(_settings(source, database_url, blob_store),
                                            encoding="utf-8")
        return _restore(doc, source, target, dialect, dump, database_url)
    except BaseException:
        # Only what this call made goes; a PostgreSQL database it filled is named in the
        # error for the operator to drop (dropping databases is not wildtrace's to do).
        if created:
            shutil.rmtree(target, ignore_errors=True)
        else:
            for entry in target.iterdir():
                if entry.is_dir():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
        raise


def _restore(doc: dict[str, Any], source: Path, target: Path, dialect: str, dump: Path,
             database_url: str) -> RestoreReport:
    files: dict[str, Any] = doc["files"]
    url = database_url or f"sqlite:///{(target / DB_FILE).resolve()}"
    restore_database(dump, dialect, url)
    blobs = sorted(p for p in files if p.startswith(BLOB_PREFIX))
    for rel in sorted(files):
        kept = rel.startswith(("evidence/", "models/", "profiles/")) or rel == "lexicon.csv"
        if kept and not rel.startswith(BLOB_PREFIX):
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / rel, target / rel)
    # The database URL is given, not taken from the environment: a WILDTRACE_DATABASE_URL
    # naming the live database must not receive the restored mirror's entries.
    ws = open_workspace(target, overrides={"database_url": url})
    warnings: list[str] = []
    try:
        sources: list[tuple[str, Callable[[], BinaryIO]]] = []
        for rel in blobs:
            name = rel.rsplit("/", 1)[-1]
            # The manifest check hashed every file already: a name that differs from
            # its file's digest was damaged before the backup was made.
            if files[rel]["sha256"] != name:
                warnings.append(f"blob {name} was backed up not matching its SHA-256; "
                                "restored as found")
                _put_as_found(ws.blobs, name, source / rel)
            else:
                sources.append((name, _reader(source / rel)))
        if doc.get("blobs") == "in the database dump" and \
                not isinstance(ws.blobs, DatabaseBlobStore):
            # Restored with another blob_store than the database: the blobs move there.
            held = ws.store.blob_chunks
            sources += [(sha, functools.partial(held.open, sha)) for sha in held]
        _place_blobs(ws, sources)
        ws.blobs.sync()
        completed = custody_log(ws.evidence_dir, ws.store, ws.settings.operator) \
            .sync_mirror(durable=True)
    finally:
        ws.close()
    if completed:
        warnings.append(f"the custody mirror lacked the last {completed} entries of the "
                        "log (the backup caught a run mid-append); completed from the log")
    custody = doc.get("custody") or {}
    return RestoreReport(path=target, database=dialect, files=len(files), blobs=len(blobs),
                         custody_seq=int(custody.get("seq", 0)),
                         custody_head=str(custody.get("head", "")),
                         mirror_completed=completed, warnings=tuple(warnings))


def _reader(path: Path) -> Callable[[], BinaryIO]:
    return lambda: path.open("rb")


def _place_blobs(ws: Workspace, sources: list[tuple[str, Callable[[], BinaryIO]]]) -> None:
    """Store each blob in the restored workspace's blob store. A sealed WARC file goes
    where that store keeps them: into a shared store as its blob (every machine reads it
    there), into a local folder as the file in ``evidence/warc`` (its blob would be a
    stray there)."""
    sealed = {wf.sha256: wf.name for wf in ws.store.evidence.warc_files()
              if wf.sealed_at is not None}
    warc_dir = ws.evidence_dir / "warc"
    for sha, opener in sources:
        if sha in sealed and not ws.blobs.shared:
            path = warc_dir / sealed[sha]
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                with opener() as src, path.open("xb") as dst:
                    shutil.copyfileobj(src, dst, CHUNK)
                path.chmod(0o444)
            continue
        with opener() as src:
            ws.blobs.put_stream(src)
    if ws.blobs.shared:
        for sha, name in sealed.items():
            if (warc_dir / name).is_file() and not ws.blobs.exists(sha):
                ws.blobs.put_file(warc_dir / name)


def _put_as_found(blobs: BlobStore, name: str, source: Path) -> None:
    """A damaged blob goes back under its name, so ``evidence verify`` names it rather
    than calling it missing (only a local folder can hold bytes under a wrong name)."""
    if isinstance(blobs, LocalBlobStore):
        path = blobs.path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, path)
        path.chmod(0o444)
