"""The queue's order when scores tie: Appendix I before II, then newer, then the seller
who reaches more, then the newer assessment; keyset pages keep that order."""

from __future__ import annotations

from wildtrace.act.review import queue_page
from wildtrace.app.queue import review_queue
from wildtrace.records import Assessment, ListingDraft
from wildtrace.store import content_key
from wildtrace.store.review import QueueFilter
from wildtrace.workspace import Workspace

# title: (cites, posted, seller, score)
ROWS = {
    "appendix II, newest": ("II", "2024-06-01", "s1", 1.0),
    "old": ("I", "2024-01-01", "x", 1.0),
    "no seller": ("I", "2024-05-01", "", 1.0),
    "big seller": ("I", "2024-05-01T10:00:00", "big", 1.0),
    "undated": ("I", "", "y", 1.0),
    "big 2": ("I", "2023-01-01", "big", 0.5),
    "big 3": ("I", "2023-01-02", "big", 0.5),
}


def _seed(ws: Workspace) -> dict[int, str]:
    drafts = [ListingDraft(source="shop", title=title, description=title, posted=posted,
                           seller=seller, language="th")
              for title, (_, posted, seller, _) in ROWS.items()]
    ws.store.add_listings([(d, content_key(d)) for d in drafts])
    listings = list(ws.store.iter_listings())
    run = ws.store.start_run("assess", "t")
    ws.store.save_assessments(run, [(lst.id, Assessment(
        relevant=True, score=ROWS[lst.title][3], taxa=("Loxodonta",),
        cites=ROWS[lst.title][0], flags=(), reasons=(), model="rules", model_version="t"))
        for lst in listings])
    return {lst.id: lst.title for lst in listings}


EXPECTED = ["big seller", "no seller", "old", "undated", "appendix II, newest",
            "big 3", "big 2"]


def test_ties_at_one_score_are_broken_meaningfully(ws: Workspace) -> None:
    names = _seed(ws)
    page = review_queue(ws, QueueFilter(), user="ana")
    assert [names[i.id] for i in page.items] == EXPECTED


def test_keyset_pages_follow_the_tie_breaks(ws: Workspace) -> None:
    names = _seed(ws)
    seen: list[str] = []
    cursor = ""
    while True:
        page = queue_page(ws.store, QueueFilter(), cursor, limit=2)
        seen += [names[r["id"]] for r in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert seen == EXPECTED
    # The plan that starts from the filtered listings orders the same way.
    lang = queue_page(ws.store, QueueFilter(language="th"), "", limit=10)
    assert [names[r["id"]] for r in lang.items] == EXPECTED
