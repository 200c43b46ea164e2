"""Consistent copies of a workspace's database, and their restore into a new one.

SQLite is copied with its online backup API (a live WAL database is never copied as
files: the ``-wal`` file holds committed pages the main file lacks); PostgreSQL with
``pg_dump --format=custom`` over a snapshot exported from a REPEATABLE READ transaction,
so what the backup says about the evidence (the custody head, the WARC files) is read
from exactly the state that was dumped, while crawlers keep writing. Restore goes into
a new SQLite file or an existing, empty PostgreSQL database, never over data.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from wildtrace.errors import WorkspaceError
from wildtrace.store.core import _masked
from wildtrace.store.tables.preserve import custody, warc_files

SQLITE_DUMP = "wildtrace.db"
POSTGRES_DUMP = "wildtrace.pgdump"
PG_HINT = ("install the PostgreSQL client tools of the server's major version or newer "
           "(Debian/Ubuntu: apt-get install postgresql-client), or dump by hand with "
           "'pg_dump --format=custom' as docs/deployment.md shows")


@dataclass(frozen=True, slots=True)
class DumpFacts:
    """What a database dump holds, read from the very state that was dumped."""

    dialect: str  # sqlite | postgresql
    file: str  # the dump's file name in the folder it was written to
    custody_seq: int  # sequence number of the last custody entry (0: none)
    custody_head: str  # its hash ("" when there is none)
    warc_files: tuple[tuple[str, str, bool], ...]  # (name, sealed SHA-256, sealed?)
    revisions: tuple[str, ...]  # the schema's migration revisions


def _facts(conn: Connection, dialect: str, file: str) -> DumpFacts:
    head = conn.execute(sa.select(custody.c.seq, custody.c.entry_hash)
                        .order_by(custody.c.seq.desc()).limit(1)).first()
    warcs = tuple((str(r.name), str(r.sha256), r.sealed_at is not None) for r in
                  conn.execute(sa.select(warc_files).order_by(warc_files.c.name)))
    revisions = tuple(sorted(str(r[0]) for r in
                             conn.execute(sa.text("SELECT version_num FROM alembic_version"))))
    return DumpFacts(dialect=dialect, file=file,
                     custody_seq=int(head.seq) if head else 0,
                     custody_head=str(head.entry_hash) if head else "",
                     warc_files=warcs, revisions=revisions)


def libpq_env(url: sa.engine.URL) -> dict[str, str]:
    """The ``PG*`` environment that points libpq tools (pg_dump, pg_restore) at ``url``:
    the password travels in the environment, never on a command line others can read."""
    env = dict(os.environ)
    parts = {"PGHOST": url.host, "PGPORT": url.port, "PGUSER": url.username,
             "PGPASSWORD": url.password, "PGDATABASE": url.database}
    query = {k: v if isinstance(v, str) else v[0] for k, v in url.query.items()}
    parts["PGHOST"] = parts["PGHOST"] or query.get("host")
    if "sslmode" in query:
        parts["PGSSLMODE"] = query["sslmode"]
    env.update({k: str(v) for k, v in parts.items() if v not in (None, "")})
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise WorkspaceError(f"{name} is not on PATH, so a PostgreSQL workspace cannot be "
                             "backed up or restored here", hint=PG_HINT)
    return path


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise WorkspaceError(f"{what} failed (exit {done.returncode}): "
                             + " / ".join(detail[-3:]), hint=PG_HINT)


class DatabaseBackup:
    """Dumps of one workspace's database (reached as ``store.backup``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def dump(self, folder: Path) -> DumpFacts:
        """Write a consistent dump of the database into ``folder``; returns its facts."""
        folder.mkdir(parents=True, exist_ok=True)
        if self.engine.dialect.name == "sqlite":
            return self._dump_sqlite(folder / SQLITE_DUMP)
        if self.engine.dialect.name == "postgresql":
            return self._dump_postgres(folder / POSTGRES_DUMP)
        raise WorkspaceError(f"cannot back up a {self.engine.dialect.name} database: "
                             "wildtrace backs up SQLite and PostgreSQL")

    def _dump_sqlite(self, target: Path) -> DumpFacts:
        with self.engine.connect() as conn:
            source = conn.connection.driver_connection
            assert isinstance(source, sqlite3.Connection)
            copy = sqlite3.connect(target)
            try:
                # One step (pages=-1): the copy is one consistent state of the database,
                # WAL pages included, while writers go on.
                source.backup(copy)
                # A single self-contained file, whatever the source's journal mode.
                copy.execute("PRAGMA journal_mode=DELETE")
                check = copy.execute("PRAGMA integrity_check").fetchone()
            finally:
                copy.close()
        if not check or check[0] != "ok":
            raise WorkspaceError(f"the copy of the SQLite database at {target} fails its "
                                 f"integrity check: {check[0] if check else 'no answer'}")
        engine = sa.create_engine(f"sqlite:///{target}")
        try:
            with engine.connect() as conn:
                return _facts(conn, "sqlite", target.name)
        finally:
            engine.dispose()

    def _dump_postgres(self, target: Path) -> DumpFacts:
        pg_dump = _tool("pg_dump")
        with self.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                snapshot = str(conn.execute(sa.text("SELECT pg_export_snapshot()")).scalar())
                facts = _facts(conn, "postgresql", target.name)
                # The snapshot lives as long as this transaction: pg_dump must run inside.
                _run([pg_dump, "--format=custom", "--no-owner", "--no-privileges",
                      f"--snapshot={snapshot}", f"--file={target}"],
                     libpq_env(self.engine.url), f"pg_dump of {_masked(str(self.engine.url))}")
        return facts


def known_revisions() -> set[str]:
    """Every migration revision this version of wildtrace knows."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from wildtrace.store.core import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return {s.revision for s in ScriptDirectory.from_config(cfg).walk_revisions()}


def restore_database(dump: Path, dialect: str, url: str) -> None:
    """Load ``dump`` (as :meth:`DatabaseBackup.dump` wrote it) into the new database at
    ``url``: a SQLite file that must not exist yet, or an empty PostgreSQL database."""
    target = sa.engine.make_url(url)
    if target.get_backend_name() != dialect:
        raise WorkspaceError(f"this backup holds a {dialect} database and cannot be "
                             f"restored into {_masked(url)}",
                             hint="restore a SQLite backup without --database-url, a "
                             "PostgreSQL one with the URL of a new, empty database")
    if dialect == "sqlite":
        path = Path(target.database or "")
        if path.exists():
            raise WorkspaceError(f"refusing to overwrite the database {path}")
        shutil.copyfile(dump, path)
        return
    engine = sa.create_engine(url)
    try:
        try:
            tables = sa.inspect(engine).get_table_names()
        except sa.exc.OperationalError as exc:
            raise WorkspaceError(f"cannot reach {_masked(url)}: {exc.orig}",
                                 hint="create it first: createdb NAME") from exc
    finally:
        engine.dispose()
    if tables:
        raise WorkspaceError(f"refusing to restore into {_masked(url)}: it already holds "
                             f"{len(tables)} tables ({', '.join(sorted(tables)[:5])}…)",
                             hint="restore into a new, empty database (createdb NAME)")
    _run([_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
          f"--dbname={target.database}", str(dump)], libpq_env(target),
         f"pg_restore into {_masked(url)}")
