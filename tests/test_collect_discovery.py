"""Venue discovery: links and contact handles pointing outside the crawl become
candidate venues (kind, counts, relevance of the pointing pages, language, first/last
seen); an analyst lists the new ones, promotes or dismisses them, from the command line
and the web, audited; ``crawl --venues`` crawls the promoted ones, without treating a
URL that came from a page as one the user named."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from web_seed import login, make_env

sys.path.insert(0, str(Path(__file__).parent / "sites"))
from harness import new_workspace, wildtrace, wildtrace_json  # noqa: E402

from wildtrace.collect.discovery import DiscoveryBook, classify_link, find_venues  # noqa: E402
from wildtrace.extract.html import parse_html  # noqa: E402
from wildtrace.store.venues import CandidateCount  # noqa: E402
from wildtrace.workspace import open_workspace  # noqa: E402

PAGE = """<html lang="vi"><body>
<a href="https://t.me/pangolin_trade">Telegram</a>
<a href="https://t.me/s/Pangolin_Trade">same channel, preview</a>
<a href="https://t.me/share/url?url=x">share button: not a venue</a>
<a href="https://chat.whatsapp.com/AbCdEfGhIjK123">group</a>
<a href="https://wa.me/84912345678">contact</a>
<a href="https://line.me/ti/g/xYz123">line group</a>
<a href="https://zalo.me/g/abcde1">zalo</a>
<a href="https://www.facebook.com/groups/IvoryTraders/">fb group</a>
<a href="weixin://contacts/profile/seller8888">wechat link</a>
<a href="https://other-shop.example/item/3">another shop</a>
<a href="https://www.w3.org/TR/html/">infrastructure</a>
<a href="/ad/2">same site</a><a href="https://sub.seed.example/x">same site too</a>
<a href="javascript:alert(1)">js</a>
</body></html>"""


def test_find_venues_reads_links_and_handles() -> None:
    root = parse_html(PAGE)
    found = {p.key: p for p in find_venues(root, "https://seed.example/ad/1",
                                           ["seed.example"], "Liên hệ 微信: scales_vn88")}
    assert {k: p.kind for k, p in found.items()} == {
        "t.me/pangolin_trade": "telegram",
        "chat.whatsapp.com/AbCdEfGhIjK123": "whatsapp",
        "wa.me/84912345678": "whatsapp-contact",
        "line.me/ti/g/xyz123": "line",
        "zalo.me/g/abcde1": "zalo",
        "facebook.com/groups/ivorytraders": "facebook-group",
        "wechat:seller8888": "wechat",
        "wechat:scales_vn88": "wechat",
        "other-shop.example": "website",
    }
    assert found["t.me/pangolin_trade"].url == "https://t.me/pangolin_trade"
    assert classify_link("https://t.me/joinchat/AAAAAEx1") is not None
    assert classify_link("https://t.me/") is None and classify_link("ftp://x.example/") is None


def test_discovery_book_counts_pages_and_relevance() -> None:
    book = DiscoveryBook(["seed.example"])
    root = parse_html(PAGE)
    book.observe(root, "https://seed.example/ad/1", "", score=0.9, relevant=True,
                 language="vi")
    book.observe(root, "https://seed.example/ad/2", "", score=0.1, relevant=False,
                 language="en")
    tallies = book.drain()
    t = tallies["t.me/pangolin_trade"]
    assert (t.mentions, t.relevant, round(t.score, 2)) == (2, 1, 1.0)
    assert dict(t.languages) == {"vi": 1, "en": 1} and t.example.endswith("/ad/1")
    assert not len(book)


def _site(pages: dict[str, bytes]) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = pages.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "text/plain" if self.path.endswith(".txt")
                             else "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def forum() -> Iterator[str]:
    ad = (b"<html lang='en'><head><title>Pangolin scales for sale</title></head><body>"
          b"<h1>Pangolin scales for sale</h1><p>Price: 300 USD. Ivory too. Join "
          b"<a href='https://t.me/scales_market'>our Telegram</a>, WeChat: scalesvn88</p>"
          b"</body></html>")
    pages = {"/robots.txt": b"User-agent: *\nAllow: /\n",
             "/": b"<html><body><a href='/ad/1'>pangolin scales</a> <a href='/ad/2'>"
                  b"ivory</a> <a href='http://10.9.8.7/shop'>partner shop</a></body></html>",
             "/ad/1": ad, "/ad/2": ad.replace(b"300", b"450")}
    server, base = _site(pages)
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.slow  # crawls a local site in a subprocess
def test_crawl_records_candidates_and_analyst_decides(tmp_path: Path, forum: str) -> None:
    ws = new_workspace(tmp_path / "ws")
    wildtrace_json(ws, "crawl", forum + "/", "--delay", "0", "--no-images", timeout=120)
    got = wildtrace_json(ws, "venues", "--new")
    by_key = {c["key"]: c for c in got["candidates"]}
    tg = by_key["t.me/scales_market"]
    assert (tg["kind"], tg["mentions"], tg["state"]) == ("telegram", 2, "new")
    assert tg["language"] == "en" and tg["first_seen"] <= tg["last_seen"]
    assert by_key["wechat:scalesvn88"]["mentions"] == 2
    assert by_key["10.9.8.7"]["kind"] == "website" and by_key["10.9.8.7"]["mentions"] == 1
    # The pages with the Telegram link are adverts: it ranks above the index's link.
    assert got["candidates"][0]["mentions"] == 2
    promoted = wildtrace_json(ws, "venues", "promote", str(by_key["10.9.8.7"]["id"]))
    assert promoted["state"] == "promoted"
    wildtrace(ws, "venues", "dismiss", str(by_key["wechat:scalesvn88"]["id"]))
    left = wildtrace_json(ws, "venues", "--new")
    assert {c["key"] for c in left["candidates"]} == {"t.me/scales_market"}
    assert left["counts"] == {"new": 1, "promoted": 1, "dismissed": 1}
    missing = wildtrace(ws, "venues", "promote", "999", check=False)
    assert missing.returncode != 0 and "no candidate venue 999" in missing.stderr
    # crawl --venues queues the promoted site; its URL came from a page, so its
    # private address is refused like any link's (the user never named it).
    summary = wildtrace_json(ws, "crawl", "--venues", "--no-images", "--delay", "0",
                             timeout=120)
    reasons = {f["url"]: f["reason"] for f in summary["failures"]}
    assert "not a public internet address" in reasons["http://10.9.8.7/"], summary
    w = open_workspace(ws)
    try:
        entries = w.store.audit.entries()
        assert any(e.action == "promote" and e.object_kind == "venue_candidate"
                   and e.object_id == str(by_key["10.9.8.7"]["id"]) for e in entries)
        assert any(e.action == "view" and e.object_kind == "venue_candidates"
                   for e in entries)
    finally:
        w.close()


def test_web_venues_page_escapes_audits_and_needs_the_analyst(tmp_path: Path) -> None:
    env = make_env(tmp_path / "ws")
    try:
        env.ws.store.venues.candidates.add([
            CandidateCount("t.me/x<script>", "telegram", "https://t.me/x", 3, 2, 2.4,
                           "https://seed.example/<b>ad</b>", {"vi": 3})])
        [cand] = env.ws.store.venues.candidates.find()
        viewer = env.client()
        assert viewer.get("/venues", follow_redirects=False).status_code in (302, 303)
        token = login(viewer, "vic")
        page = viewer.get("/venues")
        assert page.status_code == 200 and "t.me/x&lt;script&gt;" in page.text
        assert "t.me/x<script>" not in page.text
        assert "&lt;b&gt;ad&lt;/b&gt;" in page.text and "Promote" not in page.text
        assert "/venues" in viewer.get("/dashboard").text
        seen = [e for e in env.ws.store.audit.entries()
                if e.action == "view" and e.object_kind == "venue_candidates"]
        assert seen and seen[-1].user == "vic"
        denied = viewer.post(f"/venues/{cand.id}/decide",
                             data={"decision": "promote", "csrf_token": token},
                             follow_redirects=False)
        assert denied.status_code == 403
        analyst = env.client()
        token = login(analyst, "ana")
        bad = analyst.post(f"/venues/{cand.id}/decide",
                           data={"decision": "promote", "csrf_token": "wrong"},
                           follow_redirects=False)
        assert bad.status_code == 403
        done = analyst.post(f"/venues/{cand.id}/decide",
                            data={"decision": "promote", "csrf_token": token},
                            follow_redirects=False)
        assert done.status_code == 303
        assert env.ws.store.venues.candidates.get(cand.id).state == "promoted"  # type: ignore[union-attr]
        assert "t.me/x&lt;script&gt;" in analyst.get("/venues?show=promoted").text
        decided = [e for e in env.ws.store.audit.entries()
                   if e.action == "promote" and e.object_kind == "venue_candidate"]
        assert decided and decided[-1].user == "ana"
    finally:
        env.ws.close()
