"""The audit log's hash chain and its append-only triggers: what an attacker with the
database file can do behind wildtrace's back, and how ``audit verify`` names it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from click.testing import CliRunner

from wildtrace.cli import main
from wildtrace.store import Store, make_engine, migrate
from wildtrace.store.core import alembic_config
from wildtrace.store.tables.act import audit_log
from wildtrace.workspace import Workspace

TRIGGERS = ("audit_log_no_update", "audit_log_no_delete")


def _fill(ws: Workspace, n: int = 5) -> None:
    for i in range(n):
        ws.store.audit.record(f"user{i}", "view", "listing", i + 1, {"via": "api", "n": i})


def _raw(ws: Workspace) -> sqlite3.Connection:
    """The attacker: a plain connection to the database file, triggers dropped."""
    conn = sqlite3.connect(ws.root / "wildtrace.db", isolation_level=None)
    for name in TRIGGERS:
        conn.execute(f"DROP TRIGGER {name}")
    return conn


def _broken(ws: Workspace) -> list[int]:
    return [b.entry_id for b in ws.store.audit.verify().breaks]


def test_a_whole_chain_verifies_and_names_its_head(ws: Workspace) -> None:
    _fill(ws)
    check = ws.store.audit.verify()
    assert check.ok and check.checked == 5
    with ws.store.engine.connect() as conn:
        hashes = [r.hash for r in conn.execute(audit_log.select().order_by(audit_log.c.id))]
    assert check.head == hashes[-1] and len(set(hashes)) == 5


def test_the_database_refuses_update_and_delete(ws: Workspace) -> None:
    _fill(ws, 2)
    conn = sqlite3.connect(ws.root / "wildtrace.db")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE audit_log SET user = 'someone else' WHERE id = 1")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM audit_log WHERE id = 2")
    conn.close()
    assert ws.store.audit.verify().ok and len(ws.store.audit.entries()) == 2


def test_an_edited_entry_is_named(ws: Workspace) -> None:
    _fill(ws)
    with _raw(ws) as conn:
        conn.execute("UPDATE audit_log SET user = 'nobody' WHERE id = 3")
    check = ws.store.audit.verify()
    assert [b.entry_id for b in check.breaks] == [3]
    assert "edited" in check.breaks[0].reason


def test_an_edited_detail_or_time_is_named(ws: Workspace) -> None:
    _fill(ws)
    with _raw(ws) as conn:
        conn.execute("""UPDATE audit_log SET detail = '{"via": "cli"}' WHERE id = 2""")
        conn.execute("UPDATE audit_log SET at = '2020-01-01 00:00:00.000000' WHERE id = 4")
    assert _broken(ws) == [2, 4]


def test_a_deleted_entry_is_named_by_the_one_after_it(ws: Workspace) -> None:
    _fill(ws)
    with _raw(ws) as conn:
        conn.execute("DELETE FROM audit_log WHERE id = 2")
    check = ws.store.audit.verify()
    assert [b.entry_id for b in check.breaks] == [3]
    assert "after entry 1" in check.breaks[0].reason and "removed" in check.breaks[0].reason


def test_a_deleted_last_entry_shows_even_after_new_ones(ws: Workspace) -> None:
    _fill(ws)
    with _raw(ws) as conn:
        conn.execute("DELETE FROM audit_log WHERE id = 5")
    assert _broken(ws) == [5]
    ws.store.audit.record("ana", "view", "listing", 9)
    assert _broken(ws) == [6]


def test_reordered_entries_are_named(ws: Workspace) -> None:
    _fill(ws)
    with _raw(ws) as conn:  # swap entries 2 and 3, hashes and all
        conn.execute("UPDATE audit_log SET id = 100 WHERE id = 2")
        conn.execute("UPDATE audit_log SET id = 2 WHERE id = 3")
        conn.execute("UPDATE audit_log SET id = 3 WHERE id = 100")
    broken = _broken(ws)
    assert broken and broken[0] == 2


def test_an_inserted_entry_is_named(ws: Workspace) -> None:
    _fill(ws)
    with _raw(ws) as conn:
        row = conn.execute("SELECT at, prev_hash, hash FROM audit_log WHERE id = 3").fetchone()
        conn.execute("INSERT INTO audit_log (id, at, user, action, object_kind, object_id, "
                     "detail, prev_hash, hash) VALUES (6, ?, 'x', 'view', '', '', '{}', ?, ?)",
                     row)
    assert 6 in _broken(ws)


def test_the_cli_verifies_and_exits_1_naming_the_first_break(ws: Workspace) -> None:
    _fill(ws)
    runner = CliRunner()
    args = ["--workspace", str(ws.root), "audit", "verify"]
    ok = runner.invoke(main, args)
    assert ok.exit_code == 0 and "audit log OK: 5 entries" in ok.output
    with _raw(ws) as conn:
        conn.execute("UPDATE audit_log SET action = 'nothing' WHERE id = 4")
    bad = runner.invoke(main, args)
    assert bad.exit_code == 1
    assert "FAIL audit entry 4" in bad.output and "BROKEN from entry 4" in bad.output
    js = runner.invoke(main, [*args, "--json"])
    assert js.exit_code == 1 and '"first_broken": 4' in js.output


def test_entries_written_before_the_migration_are_kept_and_chained(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0008_seller_members_run")
        for i in range(3):
            conn.exec_driver_sql(
                "INSERT INTO audit_log (at, user, action, object_kind, object_id, detail) "
                f"VALUES ('2024-01-0{i + 1} 10:00:00.000000', 'old{i}', 'view', 'listing', "
                f"'{i}', '{{}}')")
    migrate(engine)
    engine.dispose()
    store = Store.open(url)
    try:
        assert store.audit.verify().ok
        store.audit.record("new", "login")
        check = store.audit.verify()
        assert check.ok and check.checked == 4
        assert [e.user for e in store.audit.entries()] == ["new", "old2", "old1", "old0"]
    finally:
        store.close()


def test_postgres_refuses_update_delete_and_truncate(pg_store: Store) -> None:
    pg_store.audit.record("ana", "view", "listing", 1, {"via": "api"})
    pg_store.audit.record("ana", "export", "export", "listings")
    for sql in ("UPDATE audit_log SET \"user\" = 'x'", "DELETE FROM audit_log",
                "TRUNCATE audit_log"):
        with pytest.raises(Exception, match="append-only"):
            with pg_store.engine.begin() as conn:
                conn.exec_driver_sql(sql)
    check = pg_store.audit.verify()
    assert check.ok and check.checked == 2
