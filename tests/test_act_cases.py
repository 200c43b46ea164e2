"""Case items for sellers: the seller behind a listing is the seller the link stage
resolved (across platforms and names), never just everybody with the same name."""

from __future__ import annotations

from pathlib import Path

import pytest

from wildtrace.act.cases import CaseBook, seller_listing_ids
from wildtrace.errors import InputError
from wildtrace.link import resolve_sellers
from wildtrace.records import Identifier, ListingDraft
from wildtrace.store import content_key
from wildtrace.workspace import open_workspace


def test_seller_of_a_listing_follows_links_not_names(tmp_path: Path) -> None:
    ws = open_workspace(tmp_path / "ws")
    try:
        phone = (Identifier("phone", "+84912345678"),)
        drafts = [
            ListingDraft(source="rao.vn", title="ngà voi vòng tay", seller="Minh",
                         identifiers=phone),
            ListingDraft(source="rao.vn", title="sừng tê giác bột", seller="Minh"),
            ListingDraft(source="shop.example", title="carved bangle, old", seller="Minh"),
            ListingDraft(source="forum.example", title="raw scales for sale",
                         seller="tuan88", identifiers=phone),
        ]
        ws.store.add_listings([(d, content_key(d)) for d in drafts])
        a, b, c, d = range(1, 5)
        # Before any linking: the same name on the same platform, not elsewhere.
        assert seller_listing_ids(ws.store, a) == [a, b]
        assert seller_listing_ids(ws.store, c) == [c]
        assert seller_listing_ids(ws.store, 999) == []
        # After linking: the shared phone joins the forum account, whatever its name,
        # and the namesake on the shop stays apart.
        resolve_sellers(ws.store)
        linked = seller_listing_ids(ws.store, a)
        assert d in linked and c not in linked
        book = CaseBook(ws.store)
        case_id = book.create("Minh network", "ana")
        assert book.add(case_id, "seller_of", str(a), "ana")
        assert not book.add(case_id, "seller_of", str(a), "ana")  # already there
        case = book.get(case_id)
        assert case is not None
        assert set(book.listing_ids(case)) == set(linked)
        # By name (the old way) every "Minh" comes along: that is what the kind says.
        book.add(case_id, "seller", "Minh", "ana")
        case = book.get(case_id)
        assert case is not None and c in book.listing_ids(case)
    finally:
        ws.close()


def test_seller_of_needs_an_existing_listing(tmp_path: Path) -> None:
    ws = open_workspace(tmp_path / "ws")
    try:
        book = CaseBook(ws.store)
        case_id = book.create("x", "ana")
        for ref in ("12", "abc", "1e3"):
            with pytest.raises(InputError):
                book.add(case_id, "seller_of", ref, "ana")
    finally:
        ws.close()
