"""The persisted frontier's scheduling (:mod:`wildtrace.collect.frontier`): every site
with work gets some of each batch (SQLite and PostgreSQL), and URLs are keyed so that
what was queued is what gets settled."""

from __future__ import annotations

from collections import Counter

import pytest

from wildtrace.collect.canonical import domain_of
from wildtrace.collect.frontier import Entry, Frontier
from wildtrace.store import Store
from wildtrace.workspace import Workspace


def _fair_take(store: Store) -> None:
    f = Frontier(store.frontier)
    f.add([Entry(f"http://a.test/{i}", 0.9) for i in range(20)]
          + [Entry(f"http://b.test/{i}", 0.1) for i in range(3)]
          + [Entry(f"http://c.test/{i}", 0.05) for i in range(2)])
    taken = f.take(8, per_domain=4)
    assert Counter(domain_of(e.url) for e in taken) == {"a.test": 4, "b.test": 3, "c.test": 1}
    assert [e.priority for e in taken] == sorted((e.priority for e in taken), reverse=True)
    # A busy site is left out; the others are taken.
    taken = f.take(8, per_domain=4, exclude=["a.test"])
    assert Counter(domain_of(e.url) for e in taken) == {"c.test": 1}
    # A site whose URLs all rank below the best few batches still gets its share.
    f.add([Entry(f"http://d.test/{i}", 0.95) for i in range(100)]
          + [Entry("http://e.test/1", 0.01), Entry("http://e.test/2", 0.02)])
    taken = f.take(4, per_domain=2)
    assert Counter(domain_of(e.url) for e in taken) == {"d.test": 2, "a.test": 2}
    taken = f.take(4, per_domain=2, exclude=["a.test", "d.test"])
    assert sorted(e.url for e in taken) == ["http://e.test/1", "http://e.test/2"]


def test_take_spreads_a_batch_over_sites_sqlite(ws: Workspace) -> None:
    _fair_take(ws.store)


@pytest.mark.postgres
def test_take_spreads_a_batch_over_sites_postgres(pg_store: Store) -> None:
    _fair_take(pg_store)


def test_frontier_refuses_unfetchable_urls_and_settles_what_it_keyed(ws: Workspace) -> None:
    f = Frontier(ws.store.frontier)
    assert f.add([Entry("http://shop.test:abc/x"), Entry("http://shop.test:99999/"),
                  Entry("http://" + "a" * 300 + ".test/")]) == 0
    # Canonicalising twice changes this one again ("%2541" -> "%41" -> "A"): the row
    # must still be found by settle.
    url = "http://shop.test/a%2541"
    assert f.add([Entry(url)]) == 1
    taken = f.take(5)
    assert len(taken) == 1
    f.settle([(taken[0].url, "done", "captured x (listing)")])
    assert f.counts() == {"done": 1}
    assert f.add([Entry(url)]) == 0
