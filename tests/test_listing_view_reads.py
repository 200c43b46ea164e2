"""The listing page reads on one connection (``Store.reading``) with fewer queries, and
answers as the per-query reads did: the newest assessment's matches, the seller's other
listings (by link run, else by name on the platform) and the accounts a link run ties
to the seller. On SQLite, and on PostgreSQL when it runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from wildtrace.act.cases import seller_listing_ids
from wildtrace.app.listing_view import OTHER_LISTINGS, listing_view
from wildtrace.errors import WorkspaceError
from wildtrace.link.sellers import run_link
from wildtrace.records import Assessment, Identifier, ListingDraft, TaxonMatch
from wildtrace.store import content_key
from wildtrace.workspace import Workspace, open_workspace


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ws(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    """A workspace of 30 listings: 24 by "bob" on m.example (one with a phone shared
    with a listing on other.example), 5 of other names, one without a seller."""
    overrides = ({"database_url": request.getfixturevalue("pg_url")}
                 if request.param == "postgres" else {})
    ws = open_workspace(tmp_path / "ws", overrides=overrides)
    phone = (Identifier("phone", "+84912345678"),)
    drafts = [ListingDraft(source="m.example", title=f"Ivory bangle {i}", seller="bob",
                           url=f"https://m.example/p/{i}", description=f"bangle {i}",
                           identifiers=phone if i == 3 else ()) for i in range(24)]
    drafts += [ListingDraft(source="other.example", title=f"Scales {i}", seller=f"s{i}",
                            url=f"https://other.example/{i}", description=f"scales {i}",
                            identifiers=phone if i == 0 else ()) for i in range(5)]
    drafts.append(ListingDraft(source="m.example", title="No name", description="?",
                               url="https://m.example/anon"))
    ws.store.add_listings([(d, content_key(d)) for d in drafts])
    yield ws
    ws.close()


def _assess(ws: Workspace, listing_ids: list[int], taxon: str) -> None:
    run = ws.store.start_run("assess", taxon)
    match = TaxonMatch(taxon=taxon, rank="species", appendix="I", start=0, end=5,
                       matched="ivory", rule="product:ivory", kind="product")
    ws.store.save_assessments(run, [(i, Assessment(
        relevant=True, score=0.9, taxa=(taxon,), cites="I", flags=(), reasons=("r",),
        model="rules", model_version=taxon, matches=(match,))) for i in listing_ids])
    ws.store.finish_run(run)


def _others(ws: Workspace, listing_id: int) -> list[int]:
    """The seller's other listings as the page read them before: one query each."""
    return [i for i in seller_listing_ids(ws.store, listing_id, limit=OTHER_LISTINGS + 1,
                                          newest_first=True)
            if i != listing_id][:OTHER_LISTINGS]


def test_newest_matches_are_those_of_the_newest_assessment(ws: Workspace) -> None:
    ids = [x.id for x in ws.store.iter_listings()]
    _assess(ws, ids[:2], "Loxodonta africana")
    _assess(ws, ids[1:2], "Elephas maximus")
    review = ws.store.review
    for lid in ids[:3]:  # assessed twice, once, never
        latest = review.latest_assessment(lid)
        expected = review.matches_of(lid, latest["run_id"] if latest else None)
        assert review.newest_matches(lid) == expected
    assert [m["taxon"] for m in review.newest_matches(ids[1])] == ["Elephas maximus"]
    view = listing_view(ws, ids[1])
    assert view is not None and [m.taxon for m in view.matches] == ["Elephas maximus"]


def test_seller_listings_and_accounts_as_before(ws: Workspace) -> None:
    ids = [x.id for x in ws.store.iter_listings()]
    bob, lone, anon = ids[0], ids[24], ids[-1]
    for linked in (False, True):  # by name on the platform, then by the link run
        if linked:
            run_link(ws.store, ws.blobs)
        for lid in (bob, ids[10], ids[23], lone, anon):
            view = listing_view(ws, lid)
            assert view is not None
            assert [i.id for i in view.seller_listings] == _others(ws, lid)
        assert len(listing_view(ws, bob).seller_listings) == OTHER_LISTINGS  # type: ignore[union-attr]
    view = listing_view(ws, ids[3])  # the phone joins bob to s0 on other.example
    assert view is not None
    accounts = [a for a in view.linked_accounts if a.kind == "account"]
    assert any(a.listing_id == lone and a.value == "s0 on other.example"
               and "phone" in a.via for a in accounts)
    assert {a.listing_id for a in accounts} <= set(ids) - {ids[3]}


def test_the_page_reads_on_one_connection(ws: Workspace) -> None:
    lid = next(iter(ws.store.iter_listings())).id
    checkouts: list[int] = []
    sa.event.listen(ws.store.engine.pool, "checkout", lambda *_: checkouts.append(1))
    assert listing_view(ws, lid) is not None
    assert len(checkouts) == 1
    with ws.store.reading() as store:
        assert store.count_listings() == 30
        with pytest.raises(WorkspaceError, match="read-only"):
            store.add_label(lid, 1, "ana")
    assert listing_view(ws, 10**9) is None
