"""The store: migrations on SQLite and PostgreSQL, idempotent inserts, search, versions."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from wildtrace.records import Assessment, ListingDraft, RowError
from wildtrace.store import Store, content_key
from wildtrace.workspace import Workspace


def _drafts(n: int, source: str = "t") -> list[tuple[ListingDraft, str]]:
    out = []
    for i in range(n):
        d = ListingDraft(source=source, title=f"item {i}", description=f"carved ivory {i}")
        out.append((d, content_key(d)))
    return out


def _assessment(score: float, version: str) -> Assessment:
    return Assessment(relevant=score >= 0.5, score=score, taxa=("Elephantidae",), cites="I",
                      flags=("code_word",), reasons=("ivory",), model="m", model_version=version)


def _exercise(store: Store) -> None:
    assert store.add_listings(_drafts(5)) == (5, 0)
    assert store.add_listings(_drafts(7)) == (2, 5)
    assert store.count_listings() == 7
    ids = [x.id for x in store.iter_listings()]
    assert ids == sorted(ids) and len(ids) == 7
    assert set(store.search("ivory")) == set(ids)
    assert store.search("item 3")  # phrase words both present
    run = store.start_run("process", "v1")
    store.save_assessments(run, [(i, _assessment(0.9, "v1")) for i in ids[:3]])
    assert [x.id for x in store.iter_listings(unassessed_by="v1")] == ids[3:]
    run2 = store.start_run("process", "v2")
    store.save_assessments(run2, [(ids[0], _assessment(0.1, "v2"))])
    latest = {r["id"]: r for r in store.latest_assessments()}
    assert latest[ids[0]]["model_version"] == "v2" and latest[ids[1]]["model_version"] == "v1"
    with store.engine.connect() as conn:  # v1 is kept, not overwritten
        n = conn.execute(sa.text("SELECT count(*) FROM assessments")).scalar()
    assert n == 4
    store.record_errors(run, [RowError("f.csv", 3, "bad")])
    assert store.errors()[0] == RowError("f.csv", 3, "bad")
    store.add_label(ids[0], 1, "ana")
    store.add_label(ids[0], 0, "ben")
    assert [(x.id, lab) for x, lab in store.labelled()] == [(ids[0], 0)]
    store.finish_run(run, {"ok": 1})


def test_sqlite_store_uses_wal_and_works(ws: Workspace) -> None:
    with ws.store.engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
    _exercise(ws.store)


def test_migrations_are_idempotent(ws: Workspace) -> None:
    url = str(ws.store.engine.url)
    again = Store.open(url)  # a second open must not re-run or fail
    assert again.count_listings() == 0
    again.close()


def test_postgres_runs_the_same_migrations(pg_store: Store) -> None:
    _exercise(pg_store)


def test_failed_batch_changes_nothing(ws: Workspace) -> None:
    ws.store.add_listings(_drafts(3))
    fresh = ListingDraft(source="x", title="a new listing")
    bad = [(fresh, content_key(fresh))]
    broken = (ListingDraft(source=None, title="t"), "k" * 64)  # type: ignore[arg-type]
    with pytest.raises(sa.exc.IntegrityError):
        ws.store.add_listings(bad + [broken])
    assert ws.store.count_listings() == 3


def test_a_bad_database_url_is_reported_without_its_password() -> None:
    from wildtrace.errors import WorkspaceError
    from wildtrace.store import make_engine

    with pytest.raises(WorkspaceError) as caught:
        make_engine("nosuchdb+driver://analyst:s3cret-pass@db.example/wt")
    assert "s3cret-pass" not in str(caught.value)
    assert "db.example" in str(caught.value)
