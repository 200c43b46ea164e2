"""Units of the crawler: URL canonicalisation, watches, robots.txt, Retry-After, the
persisted frontier (SQLite and PostgreSQL), venues."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy.settings import Settings

from wildtrace.collect.canonical import canonical_url, domain_of, same_site, url_key
from wildtrace.collect.countries import country_of
from wildtrace.collect.frontier import DONE, FAILED, Entry, Frontier
from wildtrace.collect.politeness import politeness_key, retry_after_seconds
from wildtrace.collect.robots import RobotsMiddleware, parse_robots
from wildtrace.collect.venues import VenueBook, classify_kind
from wildtrace.collect.watch import keyword_scorer, load_watch
from wildtrace.errors import InputError
from wildtrace.store import Store
from wildtrace.workspace import Workspace


@pytest.mark.parametrize("a,b", [
    ("HTTP://Example.COM:80/a/../a/b?b=2&a=1#frag", "http://example.com/a/b?a=1&b=2"),
    ("https://shop.test/item?utm_source=x&id=3&fbclid=y", "https://shop.test/item?id=3"),
    ("https://shop.test//x//y", "https://shop.test/x/y"),
    ("https://shop.test/%7Euser", "https://shop.test/~user"),
    ("https://shop.test:8443/", "https://shop.test:8443/"),
])
def test_canonical(a: str, b: str) -> None:
    assert canonical_url(a) == canonical_url(b)
    assert url_key(a) == url_key(b)


def test_canonical_keeps_different_pages_apart() -> None:
    assert url_key("https://shop.test/item?id=3") != url_key("https://shop.test/item?id=4")
    assert url_key("https://shop.test/a") != url_key("http://shop.test/a")


def test_domains() -> None:
    assert domain_of("https://WWW.Shop.Test:81/x") == "shop.test"
    assert same_site("https://m.shop.test/x", {"shop.test"})
    assert not same_site("https://evilshop.test/x", {"shop.test"})


def test_watch_fills_search_templates(tmp_path: Path) -> None:
    watch = tmp_path / "watch.toml"
    watch.write_text('''
seeds = ["https://classifieds.test/"]
species = ["Manis javanica"]
keywords = ["ivory"]
languages = ["vi"]
[terms]
vi = ["vảy tê tê"]
zh = ["象牙"]
[[search]]
url = "https://classifieds.test/search?q={query}"
[[search]]
url = "https://cn.test/s?kw={query}"
languages = ["zh"]
''', encoding="utf-8")
    w = load_watch(watch)
    assert w.seeds == ("https://classifieds.test/",)
    assert w.search_urls() == [
        "https://classifieds.test/search?q=Manis+javanica",
        "https://classifieds.test/search?q=ivory",
        "https://classifieds.test/search?q=v%E1%BA%A3y+t%C3%AA+t%C3%AA",
        "https://cn.test/s?kw=Manis+javanica", "https://cn.test/s?kw=ivory",
        "https://cn.test/s?kw=%E8%B1%A1%E7%89%99"]
    score = keyword_scorer(w.all_terms())
    assert score("Bán vảy tê tê và ivory") > score("garden chairs") == 0.0


@pytest.mark.parametrize("text,problem", [
    ('seeds = ["ftp://x.test/"]', "not an http(s) URL"),
    ('[[search]]\nurl = "https://x.test/?q=fixed"', "needs a url containing {query}"),
    ("species = 3", "must be a list of strings"),
    ("species = [", "cannot read watch file"),
])
def test_bad_watch_files(tmp_path: Path, text: str, problem: str) -> None:
    watch = tmp_path / "w.toml"
    watch.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        load_watch(watch)


def test_robots_rules_and_crawl_delay() -> None:
    body = b"User-agent: *\nCrawl-delay: 3\nDisallow: /private/\nSitemap: http://a.test/s.xml\n"
    r = parse_robots("http://a.test/robots.txt", 200, body, "wildtrace")
    assert r.crawl_delay == 3.0 and r.sitemaps == ["http://a.test/s.xml"]
    assert r.allowed("http://a.test/ad/1", "wildtrace")
    assert not r.allowed("http://a.test/private/x", "wildtrace")
    specific = parse_robots("u", 200, b"User-agent: wildtrace\nDisallow: /\n\n"
                            b"User-agent: *\nDisallow:\n", "wildtrace")
    assert not specific.allowed("http://a.test/", "wildtrace")


def test_robots_status_follows_rfc9309() -> None:
    assert parse_robots("u", 404, b"", "wildtrace").allowed("http://a.test/x", "wildtrace")
    down = parse_robots("u", 503, b"", "wildtrace")
    assert not down.allowed("http://a.test/x", "wildtrace")
    assert "unreachable" in down.unreachable


def test_retry_after() -> None:
    assert retry_after_seconds(b"120") == 120.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def _frontier_roundtrip(store: Store) -> None:
    f = Frontier(store.frontier)
    assert f.add([Entry("http://a.test/1", 0.2), Entry("http://a.test/2", 0.9),
                  Entry("http://a.test/1?utm_source=z", 0.5), Entry("http://b.test/", 0.1)]) == 3
    assert f.add([Entry("http://a.test/2")]) == 0
    taken = f.take(2, ["a.test"])
    assert [e.url for e in taken] == ["http://a.test/2", "http://a.test/1"]
    assert f.counts() == {"active": 2, "queued": 1}
    f.settle([("http://a.test/2", DONE, "captured"), ("http://a.test/1", FAILED, "HTTP 500")])
    assert f.state_of("http://a.test/1") == (FAILED, "HTTP 500")
    f.add([Entry("http://b.test/x")])
    f.take(5)
    assert f.recover() == 2  # as after kill -9
    assert f.counts()["queued"] == 2
    assert f.mark_done([url_key("http://b.test/")]) == 1
    f.requeue(["http://a.test/2"])
    assert f.state_of("http://a.test/2") == ("queued", "")
    assert f.settled() == [("http://a.test/1", FAILED, "HTTP 500")]


def test_frontier_sqlite(ws: Workspace) -> None:
    _frontier_roundtrip(ws.store)


@pytest.mark.postgres
def test_frontier_and_evidence_tables_postgres(pg_store: Store) -> None:
    _frontier_roundtrip(pg_store)
    book = VenueBook(pg_store.venues)
    book.observe("http://a.test/x", kind_votes={"forum": 2}, language="vi", listing=True)
    assert book.all()[0].kind == "forum"


def test_venue_kinds_and_countries(ws: Workspace) -> None:
    forum = b"<html><head><meta name='generator' content='phpBB'></head><body>reply</body>"
    assert max(classify_kind("http://f.test/viewtopic.php?t=1", forum).items(),
               key=lambda kv: kv[1])[0] == "forum"
    shop = b'<script type="application/ld+json">{"@type": "Product"}</script>Add to cart'
    assert max(classify_kind("http://s.test/p/1", shop).items(),
               key=lambda kv: kv[1])[0] == "shop"
    assert country_of("https://rao.vn/x") == "VN"
    assert country_of("https://shop.co.uk/x") == "GB"
    assert country_of("http://1.2.3.4/", b"<html lang='zh-TW'>") == "TW"
    assert country_of("http://1.2.3.4/", b"", "vi") == "VN"
    book = VenueBook(ws.store.venues)
    for _ in range(3):
        book.observe("http://www.f.test/a", kind_votes={"forum": 2, "shop": 1},
                     language="en", country="GB", listing=True, relevant=True)
    book.flush()
    book.observe("http://f.test/b", kind_votes={"shop": 1}, language="en")
    rows = book.all()
    assert len(rows) == 1
    row = rows[0]
    assert (row.domain, row.kind, row.pages, row.listings, row.relevant,
            row.country) == ("f.test", "forum", 4, 3, 3, "GB")


@pytest.mark.parametrize(("site", "key"), [
    ("www.Example.org", "example.org"), ("example.org:443", "example.org"),
    ("www.example.org:80", "example.org"), ("example.org:8080", "example.org:8080"),
    ("127.0.0.1:4567", "127.0.0.1:4567"), ("[::1]:8000", "[::1]:8000"),
    ("shop.example.org.", "shop.example.org"), ("wwwx.example.org", "wwwx.example.org"),
])
def test_politeness_key_is_the_server(site: str, key: str) -> None:
    # www. and the default ports are one server to its operators: one slot, one delay.
    assert politeness_key(site) == key


def test_crawl_delays_of_one_server_take_the_longest() -> None:
    downloader = SimpleNamespace(per_slot_settings={}, slots={})
    crawler = SimpleNamespace(settings=Settings({"ROBOTSTXT_OBEY": True, "DOWNLOAD_DELAY": 1}),
                              engine=SimpleNamespace(downloader=downloader))
    mw = RobotsMiddleware(crawler)  # type: ignore[arg-type]
    for site, delay in (("www.shop.test", 10), ("shop.test", 4), ("shop.test:8080", 3)):
        body = f"User-agent: *\nCrawl-delay: {delay}\n".encode()
        mw._apply_delay(site, parse_robots(f"http://{site}/robots.txt", 200, body, "wildtrace"))
    assert downloader.per_slot_settings == {"shop.test": {"delay": 10.0},
                                            "shop.test:8080": {"delay": 3.0}}
