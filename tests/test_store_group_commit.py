"""Group commit of the audit log: entries recorded by many threads at once share
transactions, and the chain stays one unbroken chain with unique, ordered ids."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from wildtrace.store import Store
from wildtrace.store.group_commit import Entry, GroupCommit
from wildtrace.workspace import Workspace


def _hammer(store: Store, threads: int = 8, each: int = 25) -> list[int]:
    ids: list[int] = []
    lock = threading.Lock()

    def work(k: int) -> None:
        for i in range(each):
            entry_id = store.audit.record(f"user{k}", "view", "listing", i)
            with lock:
                ids.append(entry_id)

    pool = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return ids


def test_concurrent_entries_make_one_chain(ws: Workspace) -> None:
    ids = _hammer(ws.store)
    assert sorted(ids) == list(range(1, 201))
    check = ws.store.audit.verify()
    assert check.ok and check.checked == 200


@pytest.mark.postgres
def test_concurrent_entries_make_one_chain_on_postgres(pg_store: Store) -> None:
    ids = _hammer(pg_store)
    assert sorted(ids) == list(range(1, 201))
    assert pg_store.audit.verify().ok


def test_batches_form_while_a_write_is_under_way() -> None:
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def append(entries: Sequence[Entry]) -> list[int]:
        calls.append(len(entries))
        if len(calls) == 1:
            started.set()
            release.wait(5)
        first = sum(calls[:-1])
        return list(range(first + 1, first + len(entries) + 1))

    group = GroupCommit(append)
    entry: Entry = (datetime.now(UTC), "u", "view", "", "", None)
    got: list[int] = []
    first = threading.Thread(target=lambda: got.append(group.record(entry)))
    first.start()
    started.wait(5)
    rest = [threading.Thread(target=lambda: got.append(group.record(entry)))
            for _ in range(5)]
    for t in rest:
        t.start()
    while len(group._queue) < 5:  # all five queued behind the first write
        threading.Event().wait(0.01)
    release.set()
    for t in [first, *rest]:
        t.join()
    assert calls == [1, 5] and sorted(got) == [1, 2, 3, 4, 5, 6]


def test_a_failed_write_fails_every_entry_of_its_batch() -> None:
    def append(entries: Sequence[Entry]) -> list[int]:
        raise RuntimeError("disk full")

    group = GroupCommit(append)
    with pytest.raises(RuntimeError, match="disk full"):
        group.record((datetime.now(UTC), "u", "view", "", "", None))
    assert not group._writing  # the next caller writes again
