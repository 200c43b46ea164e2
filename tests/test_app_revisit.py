"""Do adverts come down? A local shop is crawled, then removes one advert (404), hides
one behind a redirect to its front page, shows a removal notice for a third, changes a
price, leaves one as it was, and the seller of the removed advert reposts it under a
new URL. ``revisit`` must tell each apart, with dates, measure takedown persistence and
the repost per platform, and the takedown export must carry the date each went down.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent / "sites"))
from harness import new_workspace, wildtrace, wildtrace_json  # noqa: E402

from wildtrace.act.material import Case, CaseListing, CaseMaterial  # noqa: E402
from wildtrace.act.takedown import takedown_csv  # noqa: E402
from wildtrace.app.revisit import judge, revisit  # noqa: E402
from wildtrace.collect.netguard import Fetched  # noqa: E402
from wildtrace.errors import FetchError  # noqa: E402
from wildtrace.store import utcnow  # noqa: E402
from wildtrace.store.revisits import DueAdvert  # noqa: E402
from wildtrace.store.tables import listings  # noqa: E402
from wildtrace.workspace import open_workspace  # noqa: E402


def _ad(title: str, price: int, phone: str) -> bytes:
    return (f"<html><head><title>{title}</title></head><body><h1>{title}</h1>"
            f"<p class='price'>Price: {price} USD</p><p>Ivory and pangolin scales for "
            f"sale, WhatsApp {phone}</p></body></html>").encode()


class Shop:
    """The shop's pages, changed between the crawl and the revisit."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, bytes, str]] = {}
        self.set_before()

    def set_before(self) -> None:
        ads = {"/ad/1": _ad("Pangolin scales 1kg", 300, "+84 912 345 678"),
               "/ad/2": _ad("Ivory bangle carved", 900, "+84 933 111 222"),
               "/ad/3": _ad("Rhino horn powder", 5000, "+84 944 333 444"),
               "/ad/4": _ad("Tiger tooth pendant", 150, "+84 955 666 777"),
               "/ad/5": _ad("Hornbill casque", 700, "+84 966 888 999")}
        index = "".join(f"<a href='{u}'>advert {u}</a> " for u in ads)
        self.pages = {u: (200, b, "") for u, b in ads.items()}
        self.pages["/"] = (200, f"<html><body>{index}</body></html>".encode(), "")
        self.pages["/robots.txt"] = (200, b"User-agent: *\nAllow: /\n", "")

    def set_after(self) -> None:
        self.pages["/ad/1"] = (404, b"<html><body>Not found</body></html>", "")
        self.pages["/ad/2"] = (302, b"", "/")
        self.pages["/ad/3"] = (200, _ad("Rhino horn powder", 4200, "+84 944 333 444"), "")
        self.pages["/ad/5"] = (200, b"<html><head><title>Listing removed</title></head>"
                                    b"<body><p>This listing has been removed.</p></body>"
                                    b"</html>", "")
        # The seller of /ad/1 posts it again, same phone, new URL.
        self.pages["/ad/9"] = (200, _ad("Pangolin scales 1 kilo", 320, "+84 912 345 678"),
                               "")
        self.pages["/"] = (200, b"<html><body><a href='/ad/9'>new</a> "
                                b"<a href='/ad/4'>advert</a></body></html>", "")


@pytest.fixture
def shop() -> Iterator[tuple[Shop, str]]:
    state = Shop()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            status, body, location = state.pages.get(self.path, (404, b"", ""))
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Type", "text/plain" if self.path.endswith(".txt")
                             else "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _age_listings(ws: Path, days: float) -> None:
    w = open_workspace(ws)
    try:
        with w.store.engine.begin() as conn:
            conn.execute(sa.update(listings).values(
                created_at=utcnow() - timedelta(days=days)))
    finally:
        w.close()


@pytest.mark.slow  # crawls a local site in a subprocess
def test_revisits_tell_gone_changed_and_up_apart_and_measure_persistence(
        tmp_path: Path, shop: tuple[Shop, str]) -> None:
    state, base = shop
    ws = new_workspace(tmp_path / "ws")
    wildtrace_json(ws, "crawl", base + "/", "--delay", "0", "--no-images", timeout=120)
    _age_listings(ws, 2)  # captured two days ago
    state.set_after()
    wildtrace_json(ws, "crawl", base + "/", "--delay", "0", "--no-images", "--recrawl",
                   timeout=120)  # finds the repost, /ad/9
    w = open_workspace(ws)
    try:
        w.settings = w.settings.replace(delay=0.0)
        # Without naming the shop, its loopback address is refused: no verdict.
        refused = revisit(w)
        assert refused.due == 5 and refused.counts()["failed"] == 5
        assert "not a public internet address" in refused.revisits[0].reason
        first = revisit(w, allow=[base])
        by_path = {r.url.removeprefix(base): r for r in first.revisits}
        assert set(by_path) == {"/ad/1", "/ad/2", "/ad/3", "/ad/4", "/ad/5"}, by_path
        assert (by_path["/ad/1"].outcome, by_path["/ad/1"].reason) == ("gone", "HTTP 404")
        assert by_path["/ad/2"].outcome == "gone"
        assert by_path["/ad/2"].reason == "redirected to the site's index"
        assert by_path["/ad/5"].outcome == "gone"
        assert by_path["/ad/5"].reason.startswith("removal notice")
        assert (by_path["/ad/3"].outcome, by_path["/ad/3"].reason) == \
            ("changed", "price 5000 -> 4200")
        assert by_path["/ad/4"].outcome == "up"
        assert by_path["/ad/1"].age == 86400  # the 1d revisit (7d is not due yet)
        assert revisit(w, allow=[base]).due == 0  # nothing due twice at one age
        # A week on: the 7d revisit; /ad/2 is back up, /ad/1 stayed down.
        state.pages["/ad/2"] = (200, _ad("Ivory bangle carved", 900, "+84 933 111 222"),
                                "")
        later = revisit(w, allow=[base], now=utcnow() + timedelta(days=6))
        # (and the repost, first seen today, is due at its first age by then)
        ages = {r.url.removeprefix(base): r.age for r in later.revisits}
        assert ages == {**{u: 7 * 86400 for u in by_path}, "/ad/9": 86400}
        gone = w.store.revisits.gone_dates(
            r.listing_id for r in first.revisits)
        assert {r.url.removeprefix(base) for r in first.revisits
                if r.listing_id in gone} == {"/ad/1", "/ad/2", "/ad/5"}
        [platform] = w.store.revisits.persistence()
        assert platform["platform"] == "127.0.0.1"
        assert (platform["revisited"], platform["gone"], platform["changed"],
                platform["still_up"]) == (6, 3, 1, 2)
        assert (platform["stayed_down"], platform["came_back"]) == (2, 1)
        assert platform["reposted"] == 1  # /ad/1's seller, by the same phone
        [repost] = w.store.revisits.reposts()
        assert repost.listing_id == by_path["/ad/1"].listing_id
        assert repost.via and "seller" not in repost.via, repost  # the phone matched
        assert not w.store.revisits.reposts(since=utcnow() + timedelta(days=1))
        assert platform["median_days_to_down"] == 2.0
        ad1 = by_path["/ad/1"].listing_id
        assert [r.outcome for r in w.store.revisits.history(ad1)] == \
            ["failed", "gone", "gone"]
        # The takedown export says when each reported advert went down.
        rows = {ad1: {"id": ad1, "url": base + "/ad/1", "title": "t", "seller": ""},
                by_path["/ad/4"].listing_id: {"id": by_path["/ad/4"].listing_id,
                                              "url": base + "/ad/4", "title": "u"}}
        material = CaseMaterial(Case(1, "c", "", "open", "analyst"),
                                [CaseListing(r, [], {}) for r in rows.values()], [])
        text = takedown_csv(material, "127.0.0.1", gone)
        lines = [line.split(",") for line in text.strip().splitlines()]
        assert lines[0][-1] == "went_down"
        assert {line[-2]: line[-1] for line in lines[1:]} == {
            str(ad1): gone[ad1].strftime("%Y-%m-%d"), str(by_path["/ad/4"].listing_id): ""}
    finally:
        w.close()
    report = wildtrace_json(ws, "revisit", "--report")
    assert report["platforms"][0]["reposted"] == 1 and "due" not in report


def _due() -> DueAdvert:
    return DueAdvert(1, "https://shop.example/item/77/pangolin", "", 100.0, utcnow(), 86400)


def _page(body: bytes, url: str = "https://shop.example/item/77/pangolin", status: int = 200,
          redirects: tuple[str, ...] = ()) -> Fetched:
    return Fetched(url, status, "text/html", body, "203.0.113.9", redirects)


@pytest.mark.parametrize("got, outcome, reason", [
    (_page(b"", status=410), "gone", "HTTP 410"),
    (_page(b"", status=503), "failed", "HTTP 503: no verdict"),
    (_page(b"", status=429), "failed", "HTTP 429: no verdict"),
    (FetchError("timed out", url="https://shop.example/item/77/pangolin"), "failed",
     "https://shop.example/item/77/pangolin: timed out"),
    (_page(b"<html><head><title>Sign in</title></head><body><form><input type=password>"
           b"</form></body></html>", url="https://shop.example/login",
           redirects=("https://shop.example/login",)), "gone", "redirected to a login page"),
    (_page(b"<html><body><h1>Pangolin</h1><p>Price: 100 USD</p><p>Today 12:41</p>"
           b"</body></html>"), "up", "still up"),
])
def test_judge_rules(got: Any, outcome: str, reason: str) -> None:
    before = b"<html><body><h1>Pangolin</h1><p>Price: 100 USD</p><p>Today 09:15</p></body></html>"
    verdict = judge(_due(), got, before, utcnow())
    assert (verdict.outcome, verdict.reason) == (outcome, reason)


def test_revisit_ages_setting(tmp_path: Path) -> None:
    from wildtrace.config import load
    from wildtrace.errors import ConfigError

    assert load(overrides={"revisit_after": "30d, 12h,1w"}).revisit_after == \
        (43200, 604800, 2592000)
    with pytest.raises(ConfigError, match="not an age"):
        load(overrides={"revisit_after": "tomorrow"})
    toml = tmp_path / "w.toml"
    toml.write_text('revisit_after = ["1d", "7d"]\n')
    assert load(toml).revisit_after == (86400, 604800)
    proc = wildtrace(tmp_path / "ws", "revisit", "--json")
    assert '"due": 0' in proc.stdout


def _store_listings(w: Any, specs: list[tuple[str, str, Any]]) -> list[int]:
    """Listings (url, seller, created_at) on one platform, as the store holds them."""
    from wildtrace.records import ListingDraft
    from wildtrace.store import content_key

    drafts = [ListingDraft(source="shop.example", title=f"ad {i}", url=url, seller=seller)
              for i, (url, seller, _) in enumerate(specs)]
    w.store.add_listings([(d, content_key(d)) for d in drafts])
    with w.store.engine.begin() as conn:
        ids = {r.url: r.id for r in conn.execute(sa.select(listings.c.id, listings.c.url))}
        for url, _, created in specs:
            conn.execute(sa.update(listings).where(listings.c.id == ids[url])
                         .values(created_at=created))
    return [ids[url] for url, _, _ in specs]


def test_rebound_after_a_wave_and_reposts_by_photo(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from wildtrace.store.revisits import Revisit
    from wildtrace.store.tables.photos import photos

    wave = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
    before = [(f"https://shop.example/b{i}", "", wave - timedelta(days=3 + 3.5 * i))
              for i in range(8)]  # 8 in the 4 weeks before: 2 a week
    after = [(f"https://shop.example/a{i}", "", wave + timedelta(days=7 + i))
             for i in range(6)]  # 6 in the week after the wave week
    w = open_workspace(tmp_path / "ws")
    try:
        ids = _store_listings(w, [*before, *after])
        gone = [Revisit(lid, 86400, wave + timedelta(days=1, hours=i), "u", "u", 404, "gone",
                        "HTTP 404") for i, lid in enumerate(ids[:3])]
        w.store.revisits.add(gone)
        # The first removed advert's photo shows up again in a later advert.
        with w.store.engine.begin() as conn:
            for lid in (ids[0], ids[8]):
                conn.execute(photos.insert().values(
                    listing_id=lid, url=f"https://img.example/{lid}.jpg", status="stored",
                    phash=12345, photo_key=12345, fetched_at=wave))
        [row] = w.store.revisits.rebound(weeks=4, now=wave + timedelta(days=14))
        assert row["wave_week"] == "2026-03-02" and row["removed_in_wave"] == 3
        assert (row["new_per_week_before"], row["new_per_week_after"], row["rebound"]) == \
            (2.0, 6.0, 3.0)
        # Too early to tell: the wave's week has not ended.
        [early] = w.store.revisits.rebound(weeks=4, now=wave + timedelta(days=3))
        assert early["new_per_week_after"] is None and early["rebound"] is None
        [platform] = w.store.revisits.persistence()
        assert platform["gone"] == 3 and platform["reposted"] == 1  # by the photo alone
        [repost] = w.store.revisits.reposts()
        assert (repost.listing_id, repost.repost_id, repost.via) == (ids[0], ids[8],
                                                                    ("photo",))
        assert [r.listing_id for r in w.store.revisits.removed_since(wave)] == ids[:3]
    finally:
        w.close()
