"""The browser crawl's loop without a browser (wildtrace.collect.browsercrawl): rendering
rules read from site profiles, robots.txt and the delay obeyed, a lapsed session
pausing its site with the URL kept in the queue, and the sessions of a workspace
sealed at rest (wildtrace.app.sessions)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from wildtrace.app.sessions import import_session, list_sessions, sessions_for
from wildtrace.collect.browsercrawl import (
    BrowserCrawl,
    Rendered,
    RenderRule,
    load_render_rules,
    rule_for,
)
from wildtrace.collect.frontier import Entry, Frontier
from wildtrace.collect.spider import CrawlContext
from wildtrace.errors import ConfigError, InputError, WildtraceError
from wildtrace.records import Exchange, Page, PageOutcome
from wildtrace.workspace import Workspace, open_workspace

SITE = "http://shop.example"


def test_rules_come_from_profiles(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('domains = ["shop.example"]\nrender = "browser"\n'
                                     'scroll = 5\nload_more = "button.more"\n')
    (tmp_path / "b.toml").write_text('domains = ["plain.example"]\n[fields]\n'
                                     'title = "css:h1::text"\n')
    rules = load_render_rules(tmp_path)
    assert len(rules) == 1
    rule = rule_for(rules, "https://m.shop.example/x")
    assert rule is not None and rule.scroll == 5 and rule.load_more == "button.more"
    assert rule_for(rules, "https://plain.example/") is None
    (tmp_path / "c.toml").write_text('domains = ["x.example"]\nscroll = 500\n')
    with pytest.raises(ConfigError, match=r"c\.toml: scroll must be"):
        load_render_rules(tmp_path)
    (tmp_path / "c.toml").write_text('render = "browser"\n')
    with pytest.raises(ConfigError, match="must name its domains"):
        load_render_rules(tmp_path)


def _ex(url: str, status: int = 200, body: bytes = b"") -> Exchange:
    return Exchange(url, "GET", (), status, "", "HTTP/1.1",
                    (("Content-Type", "text/html"),), body, "", "", "")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    w = open_workspace(tmp_path / "ws")
    yield w  # type: ignore[misc]
    w.close()


def _crawl(ws: Workspace, pages: dict[str, tuple[int, str, str]], clock: Clock,
           **kw: object) -> tuple[BrowserCrawl, list[Page], list[Exchange]]:
    frontier = Frontier(ws.store.frontier)
    frontier.add(Entry(SITE + path, priority=1.0 - i / 10) for i, path in
                 enumerate(pages))
    stored: list[Page] = []
    sunk: list[Exchange] = []

    def handle(group: list[Page]) -> list[PageOutcome | WildtraceError]:
        stored.extend(group)
        return [PageOutcome(capture_sha256="ab" * 32, listing=True) for _ in group]

    def sink(ex: Exchange) -> str:
        sunk.append(ex)
        return f"<urn:uuid:{len(sunk)}>"

    ctx = CrawlContext(frontier=frontier, handle_pages=handle,
                       record_error=lambda u, r: None, sink=sink, domains=set(),
                       user_agent="test")

    def render(url: str, rule: RenderRule) -> Rendered | str:
        status, final, html = pages[url[len(SITE):]]
        main = _ex(SITE + final, status, html.encode())
        return Rendered(SITE + final, status, html.encode(), (), (main, _ex(url + ".png")),
                        0, "", "")

    def fetch(url: str) -> Exchange | str:
        return _ex(url, 200, b"User-agent: *\nDisallow: /private\nCrawl-delay: 3\n")

    crawl = BrowserCrawl(ctx, render, fetch, [], 1.0, clock=clock, sleep=clock.sleep,
                         **kw)  # type: ignore[arg-type]
    return crawl, stored, sunk


def test_robots_and_crawl_delay_are_obeyed(ws: Workspace) -> None:
    clock = Clock()
    crawl, stored, sunk = _crawl(ws, {"/a": (200, "/a", "<p>a</p>"),
                                      "/private/b": (200, "/private/b", ""),
                                      "/c": (200, "/c", "<p>c</p>")}, clock)
    stats = crawl.run()
    assert [p.requested_url for p in stored] == [SITE + "/a", SITE + "/c"]
    assert stats.skipped == 1 and stats.pages == 2 and clock.slept == [3.0]
    assert stored[0].method == "browser" and stored[0].exchanges == ("<urn:uuid:2>",
                                                                    "<urn:uuid:3>")
    assert dict(stored[0].headers)["Content-Type"] == "text/html; charset=utf-8"
    assert sunk[0].url == SITE + "/robots.txt"


def test_a_lapsed_session_pauses_the_site(ws: Workspace) -> None:
    from wildtrace.collect.sessions import lapse_reason

    paused: list[tuple[str, str, str]] = []
    crawl, stored, sunk = _crawl(
        ws, {"/a": (200, "/a", "<p>a</p>"), "/b": (200, "/login?next=/b", ""),
             "/c": (200, "/c", "<p>c</p>")}, Clock(),
        accounts={"shop.example": "ana"},
        lapsed=lambda s, asked, li: lapse_reason(s.status, s.url, asked, "", logged_in=li),
        on_pause=lambda site, why, url: paused.append((site, why, url)))
    stats = crawl.run()
    assert [p.requested_url for p in stored] == [SITE + "/a"]
    assert stored[0].account == "ana"
    assert paused and paused[0][0] == "shop.example" and paused[0][2] == SITE + "/b"
    # The login page's responses are not recorded; /b and /c wait in the queue.
    assert not any("/login" in ex.url for ex in sunk)
    frontier = Frontier(ws.store.frontier)
    assert frontier.state_of(SITE + "/b")[0] == "queued"  # type: ignore[index]
    assert frontier.state_of(SITE + "/c")[0] == "queued"  # type: ignore[index]
    assert stats.queued == 2


def test_sessions_are_sealed_in_the_workspace(ws: Workspace, tmp_path: Path) -> None:
    cookies = tmp_path / "cookies.txt"
    cookies.write_text("forum.example.org\tFALSE\t/\tFALSE\t0\tsid\tSECRET-VALUE-1\n")
    with pytest.raises(InputError, match="--account"):
        import_session(ws, "forum.example.org", cookies)
    info = import_session(ws, "https://forum.example.org/g/1", cookies, "ana.traffic")
    assert info.site == "forum.example.org" and info.state == "active"
    with sqlite3.connect(ws.root / "wildtrace.db") as db:
        dump = "\n".join(db.iterdump())
    assert "SECRET-VALUE-1" not in dump and "forum.example.org" in dump
    live, _ = sessions_for(ws, {"forum.example.org"})
    assert live["forum.example.org"].cookies[0].value == "SECRET-VALUE-1"
    with pytest.raises(InputError, match="no session stored for other.example"):
        import_session(ws, "other.example", cookies, renew=True)
    actions = [e.action for e in ws.store.audit.entries()]
    assert "session_import" in actions
    assert [s.account for s in list_sessions(ws)] == ["ana.traffic"]


@pytest.mark.postgres
def test_sessions_on_postgres(tmp_path: Path, pg_url: str) -> None:
    w = open_workspace(tmp_path / "pg", overrides={"database_url": pg_url})
    try:
        cookies = tmp_path / "cookies.txt"
        cookies.write_text("forum.example.org\tFALSE\t/\tFALSE\t0\tsid\tv1\n")
        import_session(w, "forum.example.org", cookies, "ana")
        from wildtrace.app.sessions import pause

        pause(w, "forum.example.org", "sent to a login page", "https://forum.example.org/x")
        live, paused = sessions_for(w, {"forum.example.org"})
        assert not live and paused["forum.example.org"].reason == "sent to a login page"
        w.store.sessions.count_pages("forum.example.org", 2)
        info = import_session(w, "forum.example.org", cookies, renew=True)
        assert info.state == "active" and info.pages == 2 and info.renewed_at
    finally:
        w.close()


def test_page_kinds_pause_only_what_they_should() -> None:
    from wildtrace.app.browser_crawl import _lapse

    def shown(html: str, url: str = SITE + "/g/1", status: int = 200) -> Rendered:
        return Rendered(url, status, html.encode(), (), (), -1, "", "")

    login = ("<html><head><title>Sign in</title></head><body><form><input name=u>"
             "<input type=password name=p><button>Sign in</button></form></body></html>")
    captcha = ("<html><body><div class='g-recaptcha' data-sitekey='k'></div>"
               "</body></html>")
    advert = ("<html><body><h1>Ivory bangle</h1><p>Old carved ivory, 300 USD, "
              "WhatsApp +84 90 123 4567</p></body></html>")
    assert _lapse(shown(login), SITE + "/g/1", True)
    assert _lapse(shown(login), SITE + "/g/1", False) == ""  # public: a page like others
    assert _lapse(shown(login, SITE + "/login"), SITE + "/login", True) == ""  # asked for
    assert _lapse(shown(captcha), SITE + "/g/1", False)
    assert _lapse(shown(advert), SITE + "/g/1", True) == ""
    assert "HTTP 401" in _lapse(shown("", status=401), SITE + "/g/1", True)
