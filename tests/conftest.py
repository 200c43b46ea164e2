"""Shared fixtures: workspaces, the development data, and PostgreSQL when reachable."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from wildtrace.store import Store
from wildtrace.workspace import Workspace, open_workspace

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("WILDTRACE_SHARED", ROOT.parent / "shared"))
DATASETS = SHARED / "datasets"
PG_HOST, PG_PORT = "127.0.0.1", 5432


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # Settings from the developer's shell must not leak into tests.
    for key in list(os.environ):
        if key.startswith("WILDTRACE_") and key != "WILDTRACE_SHARED":
            monkeypatch.delenv(key)
    monkeypatch.setenv("WILDTRACE_EMBEDDINGS", "off")
    # A crawl refuses the placeholder contact and an anonymous operator (app/crawl_identity).
    monkeypatch.setenv("WILDTRACE_CONTACT", "tests@wildtrace.invalid")
    monkeypatch.setenv("WILDTRACE_OPERATOR", "test-operator")


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    """A fresh SQLite workspace."""
    workspace = open_workspace(tmp_path / "ws")
    yield workspace
    workspace.close()


@pytest.fixture
def datasets() -> Path:
    """The shared development data; tests using it skip when it is absent."""
    if not (DATASETS / "labelled").exists():
        pytest.skip(f"shared datasets not found at {DATASETS}")
    return DATASETS


def _pg_reachable() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def pg_url() -> Iterator[str]:
    """URL of a new, empty PostgreSQL database, dropped afterwards."""
    if not _pg_reachable():
        pytest.skip(f"PostgreSQL not reachable at {PG_HOST}:{PG_PORT}")
    try:
        import psycopg
    except ImportError:
        pytest.skip("psycopg not installed (pip install 'wildtrace[scale]')")
    name = "wt_test_" + uuid.uuid4().hex[:12]
    admin = f"host={PG_HOST} port={PG_PORT} user=postgres dbname=test"
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL refused a test database: {exc}")
    yield f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_store(pg_url: str) -> Iterator[Store]:
    """A :class:`Store` on a new, empty PostgreSQL database (migrated), closed after."""
    store = Store.open(pg_url)
    yield store
    store.close()
