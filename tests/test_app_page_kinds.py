"""Page kinds through the whole per-page path (preserve → extract → store): an import of
saved pages stores listings only for listings, one listing per post for a thread, the
kind of every page, and the seller profile of a profile page; the evidence still
verifies (a thread's capture logs one extracted hash per post)."""

from __future__ import annotations

import shutil
from pathlib import Path

from wildtrace.app.archives import import_archives
from wildtrace.app.evidence import verify_evidence
from wildtrace.records import Identifier
from wildtrace.store import Store
from wildtrace.store.pages import PageKindRow, SellerProfile
from wildtrace.workspace import open_workspace

GOLDEN = Path(__file__).parent / "data" / "golden_pages" / "tune"


def test_import_stores_listings_posts_kinds_and_profiles(tmp_path: Path) -> None:
    saved = tmp_path / "saved"
    saved.mkdir()
    names = ["shop-0", "forum-1", "index-0", "profile-2", "login-0", "captcha-1", "error-0"]
    for name in names:
        shutil.copy(GOLDEN / f"{name}.html", saved / f"{name}.html")
    ws = open_workspace(tmp_path / "ws")
    try:
        import_archives(ws, [saved / f"{n}.html" for n in names], "html")
        listings = list(ws.store.iter_listings())
        # One listing for the shop page, three for the thread's three posts.
        assert len(listings) == 4
        posts = [x for x in listings if x.extra.get("page_kind") == "forum-post"]
        assert len(posts) == 3
        assert sorted(x.extra["post_index"] for x in posts) == [1, 2, 3]
        sellers = {x.seller for x in posts}
        assert len(sellers) == 3
        # Each post keeps its own phone only.
        phones = [{i.value for i in x.identifiers if i.kind == "phone"} for x in posts]
        assert all(len(p) == 1 for p in phones) and len(set().union(*phones)) == 3
        counts = ws.store.pages.counts()
        assert counts == {"listing": 1, "forum": 1, "index": 1, "profile": 1, "login": 1,
                          "captcha": 1, "error": 1}
        assert ws.store.pages.last_of("", ["login", "captcha"]) is not None
        profiles = ws.store.pages.profiles()
        assert len(profiles) == 1 and profiles[0].location
        assert any(i.kind == "phone" for i in profiles[0].identifiers)
        report = verify_evidence(ws)
        assert not report.problems, report.problems
    finally:
        ws.close()


def _roundtrip(store: Store) -> None:
    pages = store.pages
    pages.add([PageKindRow(1, "https://f.example/login", "f.example", "login", "password"),
               PageKindRow(2, "https://f.example/t/1", "f.example", "forum", "3 posts", 3),
               PageKindRow(1, "https://f.example/login", "f.example", "captcha", "again")],
              [SellerProfile("f.example", "https://f.example/u/nick", 3, name="Nick ☆",
                             handle="nick", location="Hà Nội",
                             identifiers=(Identifier("phone", "+84903111000"),),
                             detail={"reason": "member page URL"})])
    assert pages.counts() == {"login": 1, "forum": 1, "captcha": 1}
    assert pages.counts("other.example") == {}
    assert pages.kinds_of([1, 2, 9])[1].kind == "captcha"  # the latest for a capture
    assert pages.kinds_of([2])[2].items == 3
    last = pages.last_of("f.example", ["login", "captcha"])
    assert last is not None and last.kind == "captcha"
    (prof,) = pages.profiles(source="f.example", handle="nick")
    assert prof.name == "Nick ☆" and prof.location == "Hà Nội"
    assert prof.identifiers == (Identifier("phone", "+84903111000"),)
    assert prof.detail == {"reason": "member page URL"}
    assert pages.profiles(handle="nobody") == []


def test_page_store_on_sqlite(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        _roundtrip(store)
    finally:
        store.close()


def test_page_store_on_postgresql(pg_store: Store) -> None:
    _roundtrip(pg_store)
