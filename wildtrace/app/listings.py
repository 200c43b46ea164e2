"""Lists of listings: the one shape every list on a screen has (the queue, the listing
API's pages, a seller's other listings), and the listing API's pages themselves.

A page of listings shows sellers' personal data, so each page served is one audit
entry with the ids it held (:func:`wildtrace.app.audit.record_read`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wildtrace.app.audit import record_read
from wildtrace.extract.title import display_title
from wildtrace.store.browse import BrowseFilter
from wildtrace.workspace import Workspace

MAX_SEARCH = 5000  # full-text matches a listing page draws from

__all__ = ["ListingItem", "ListingsPage", "display_title", "listing_item", "listings_page"]


@dataclass(frozen=True, slots=True)
class ListingItem:
    """A listing in a list: its fields and, where it has one, its newest assessment's
    score, relevance, taxa, CITES appendix and flags. ``heading`` is what a screen shows
    as its name (:func:`display_title`: the title, else the start of the text)."""

    id: int
    title: str
    source: str
    url: str
    price: float | None = None
    currency: str = ""
    seller: str = ""
    language: str = ""
    posted: str = ""
    location: str = ""
    score: float | None = None
    relevant: bool | None = None
    taxa: str = ""
    cites: str = ""
    flags: str = ""
    heading: str = ""


@dataclass(frozen=True, slots=True)
class ListingsPage:
    """A page of listings and the cursor of the next page ("" at the end)."""

    items: tuple[ListingItem, ...]
    next_cursor: str


def listing_item(row: Mapping[str, Any]) -> ListingItem:
    """A stored listing row (joined with its assessment or not) as a list item."""
    return ListingItem(
        id=int(row["id"]), title=row.get("title") or "", source=row.get("source") or "",
        url=row.get("url") or "", price=row.get("price"), currency=row.get("currency") or "",
        seller=row.get("seller") or "", language=row.get("language") or "",
        posted=row.get("posted") or "", location=row.get("location") or "",
        score=row.get("score"), relevant=row.get("relevant"), taxa=row.get("taxa") or "",
        cites=row.get("cites") or "", flags=row.get("flags") or "",
        heading=display_title(row.get("title"), row.get("description")))


def listings_page(ws: Workspace, *, user: str, query: str = "", source: str = "",
                  after: int = 0, limit: int = 100) -> ListingsPage:
    """Listings in id order after id ``after`` (the cursor is the last id seen), or only
    the full-text matches of ``query``, of platform ``source`` when given; audited as
    read by ``user``."""
    # The browse store's search finds words inside CJK and Thai runs too (trigrams).
    ids = (ws.store.browse.ids(BrowseFilter(q=query), MAX_SEARCH) if query.strip()
           else None)
    rows = ws.store.review.listing_page(ids=ids, source=source, after=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    record_read(ws, user, "listings", (r["id"] for r in rows), query=query[:200],
                source=source[:200], after=after or None)
    return ListingsPage(items=tuple(listing_item(r) for r in rows),
                        next_cursor=str(rows[-1]["id"]) if more and rows else "")
