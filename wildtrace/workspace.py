"""A workspace: a folder holding settings, the database and the evidence store.

Chosen by ``--workspace DIR``, else ``$WILDTRACE_WORKSPACE``, else ``./wildtrace-data``.
Any command creates it on first use. Its evidence blobs are in the folder by default;
the setting ``blob_store`` puts them in the database or object storage instead, so that
every machine of a team sharing the database sees the same evidence (:func:`open_blobs`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wildtrace import config
from wildtrace.blobstore import BlobStore, LocalBlobStore
from wildtrace.errors import WorkspaceError
from wildtrace.store import Store

DEFAULT_DIR = "wildtrace-data"
SETTINGS_FILE = "wildtrace.toml"
DB_FILE = "wildtrace.db"


def resolve_dir(explicit: str | os.PathLike[str] | None) -> Path:
    """The workspace folder from the flag, the environment, or the default."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("WILDTRACE_WORKSPACE")
    return Path(env) if env else Path(DEFAULT_DIR)


@dataclass
class Workspace:
    """An open workspace: its folder, settings, store and evidence blobs."""

    root: Path
    settings: config.Settings
    store: Store
    blobs: BlobStore

    @property
    def evidence_dir(self) -> Path:
        """Folder of evidence: blobs and WARC files."""
        return self.root / "evidence"

    @property
    def models_dir(self) -> Path:
        """Folder of trained models, one file per version."""
        return self.root / "models"

    def close(self) -> None:
        """Release the database."""
        self.store.close()


def open_blobs(root: Path, settings: config.Settings, store: Store) -> BlobStore:
    """The blob store the setting ``blob_store`` names, for the workspace at ``root``."""
    spec = settings.blob_store
    if not spec:
        return LocalBlobStore(root / "evidence" / "blobs")
    if spec in ("postgres", "database"):
        return store.blob_chunks
    from wildtrace.blobstore.s3 import S3BlobStore

    bucket, _, prefix = spec.removeprefix("s3://").partition("/")
    return S3BlobStore(bucket, prefix, endpoint_url=settings.s3_endpoint_url)


def open_workspace(directory: str | os.PathLike[str] | None = None,
                   overrides: dict[str, Any] | None = None) -> Workspace:
    """Open the workspace, creating the folder, settings file and schema if needed."""
    root = resolve_dir(directory)
    try:
        root.mkdir(parents=True, exist_ok=True)
        (root / "evidence" / "blobs").mkdir(parents=True, exist_ok=True)
        toml = root / SETTINGS_FILE
        if not toml.exists():
            toml.write_text(config.default_toml(), encoding="utf-8")
    except OSError as exc:
        raise WorkspaceError(f"cannot create workspace {root}: {exc.strerror}") from exc
    settings = config.load(toml, overrides=overrides)
    url = settings.database_url or f"sqlite:///{(root / DB_FILE).resolve()}"
    store = Store.open(url, settings.db_pool_size)
    try:
        store.mark_interrupted_runs()  # runs killed midway are told, not "unfinished"
        blobs = open_blobs(root, settings, store)
    except BaseException:
        store.close()
        raise
    return Workspace(root=root, settings=settings, store=store, blobs=blobs)


def reopen_workspace(root: Path, values: dict[str, Any]) -> Workspace:
    """Open an existing workspace with already-resolved settings ``values`` (another
    process of the same run, e.g. the crawler's page worker, uses this so command-line
    overrides carry over)."""
    settings = config.Settings(dict(values))
    url = settings.database_url or f"sqlite:///{(root / DB_FILE).resolve()}"
    store = Store.open(url, settings.db_pool_size)
    return Workspace(root=root, settings=settings, store=store,
                     blobs=open_blobs(root, settings, store))
