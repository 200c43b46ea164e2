"""The browser through a SOCKS5 proxy (Tor): a page at a made-up ``.onion`` name that
draws its listing with JavaScript, rendered by headless Chromium, every request it makes
fetched through the test SOCKS5 server of tests/test_collect_proxy.py, which records
every address it is asked for and connects every name to the local site. The name can
only be reached through the proxy (nothing could resolve it), and the proxy's log shows
that names, never addresses, were handed over. ``crawl --browser`` and ``capture``
through the proxy record it in the WARC and in custody, as the plain path does.
"""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent / "sites"))
from harness import new_workspace, wildtrace, wildtrace_json  # noqa: E402
from test_collect_proxy import ONION, Socks5, behind_socks  # noqa: E402

from wildtrace.collect.netguard import NetPolicy  # noqa: E402
from wildtrace.preserve.browser import (  # noqa: E402
    Chromium,
    browser_proxy,
    browser_unavailable,
    proxy_refusal,
    resolver_rules,
)

CHROMIUM = "/usr/bin/chromium"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
       b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01"
       b"\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
# The listing is not in the HTML: the script fetches it and draws it (and its link and
# photo), and also asks for an internal address by IP literal, which must be refused
# before the proxy hears of it.
PAGES: dict[str, tuple[str, bytes]] = {
    "/": ("text/html; charset=utf-8",
          b"<html><head><title>Hidden market</title></head><body><h1>Hidden market</h1>"
          b"<div id='items'>loading</div><script>"
          b"fetch('/api/items').then(r => r.json()).then(items => {"
          b" const box = document.getElementById('items'); box.textContent = '';"
          b" for (const it of items) {"
          b"  const a = document.createElement('a'); a.href = it.url;"
          b"  a.textContent = it.title; box.appendChild(a);"
          b"  const img = document.createElement('img'); img.src = it.photo;"
          b"  box.appendChild(img); }"
          b" const leak = document.createElement('img');"
          b" leak.src = 'http://10.0.0.1/track.png'; document.body.appendChild(leak);"
          b"});</script></body></html>"),
    "/api/items": ("application/json",
                   b'[{"title": "Pangolin scales 2kg", "url": "/ad/1",'
                   b' "photo": "/img/1.png"}]'),
    "/ad/1": ("text/html; charset=utf-8",
              b"<html><head><title>Pangolin scales 2kg</title></head><body>"
              b"<h1>Pangolin scales 2kg</h1><p>Price: 400 USD. Contact wickr: "
              b"scalesdealer</p></body></html>"),
    "/img/1.png": ("image/png", PNG),
    "/robots.txt": ("text/plain", b"User-agent: *\nAllow: /\n"),
}


class _JsSite(BaseHTTPRequestHandler):
    hosts: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        self.hosts.append(self.headers.get("Host", ""))
        media, body = PAGES.get(self.path, ("text/plain", b""))
        self.send_response(200 if self.path in PAGES else 404)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def onion_js_site() -> Iterator[tuple[Socks5, type[_JsSite]]]:
    """The JS site on 127.0.0.1 and the test SOCKS5 server in front of it."""
    why = browser_unavailable(CHROMIUM)
    if why:
        pytest.skip(f"browser not testable here: {why}")
    _JsSite.hosts = []
    with behind_socks(_JsSite) as proxy:
        yield proxy, _JsSite


def _no_dns(host: str, port: int) -> list[str]:
    raise AssertionError(f"looked up {host} locally")


def _only_names(proxy: Socks5) -> None:
    assert proxy.asked, "nothing went through the proxy"
    assert all(kind == "name" for kind, _, _ in proxy.asked), proxy.asked
    assert {host for _, host, _ in proxy.asked} == {ONION}, proxy.asked


@pytest.mark.browser
@pytest.mark.slow  # starts Chromium (~5-10 s)
def test_browser_renders_an_onion_js_page_through_the_proxy(
        onion_js_site: tuple[Socks5, type[_JsSite]]) -> None:
    from playwright.sync_api import Error as PlaywrightError

    proxy, site = onion_js_site
    policy = NetPolicy([f"http://{ONION}/"], resolver=_no_dns, proxied=True)
    with Chromium(CHROMIUM, user_agent="wildtrace-test", timeout=20, policy=policy,
                  record=True, proxy=proxy.url) as chromium:
        shown = chromium.render(f"http://{ONION}/")
        assert not isinstance(shown, str), (shown, chromium.refused, proxy.asked)
        robots = chromium.fetch(f"http://{ONION}/robots.txt")
        # Chromium itself has no way out, proxy included: with the interception
        # removed, its own request fails at the refusing proxy and the SOCKS proxy hears
        # nothing (Playwright's own --proxy-server must stay overridden by ours).
        asked = len(proxy.asked)
        assert chromium._context is not None
        chromium._context.unroute_all()
        page = chromium._context.new_page()
        with pytest.raises(PlaywrightError, match="ERR_PROXY_CONNECTION_FAILED"):
            page.goto(f"http://{ONION}/ad/1", timeout=10_000)
        page.close()
        assert len(proxy.asked) == asked, proxy.asked[asked:]
    # The script ran: its fetch came back through the proxy and drew the listing.
    assert b"Pangolin scales 2kg" in shown.dom and b"loading" not in shown.dom
    assert shown.png.startswith(b"\x89PNG")
    urls = [ex.url for ex in shown.exchanges]
    for path in ("/", "/api/items", "/img/1.png"):
        assert f"http://{ONION}{path}" in urls, urls
    assert not isinstance(robots, str) and robots.status == 200, robots
    # Every connection was asked of the proxy by name; the site saw the onion name.
    _only_names(proxy)
    assert set(site.hosts) == {ONION}, site.hosts
    # The internal IP literal the script asked for was refused, never sent to the proxy.
    assert any(u == "http://10.0.0.1/track.png" and "not a public internet address" in why
               for u, why in chromium.refused), chromium.refused
    assert shown.detail["proxy"] == proxy.url


@pytest.mark.browser
@pytest.mark.slow  # a browser crawl and a capture, each in a subprocess with Chromium
def test_crawl_browser_and_capture_through_the_proxy_are_recorded(
        tmp_path: Path, onion_js_site: tuple[Socks5, type[_JsSite]]) -> None:
    proxy, site = onion_js_site
    ws = new_workspace(tmp_path / "ws")
    env = {"WILDTRACE_IMAGES": "false"}
    summary = wildtrace_json(ws, "crawl", "--browser", f"http://{ONION}/", "--delay", "0",
                             "--proxy", proxy.url, "--max-pages", "5", **env,
                             timeout=180)
    assert summary["pages"] >= 2, (summary, proxy.asked)  # the JS-drawn link followed
    _only_names(proxy)
    entries = [json.loads(line) for line in
               (ws / "evidence" / "custody.jsonl").read_text().splitlines()]
    captured = [e for e in entries if e.get("action") == "captured"]
    assert captured and all((e.get("detail") or {}).get("proxy") == proxy.url
                            and (e.get("detail") or {}).get("method") == "browser"
                            for e in captured), captured[:2]
    # capture through the proxy now takes its screenshot too (through the proxy).
    asked = len(proxy.asked)
    shot = wildtrace_json(ws, "capture", f"http://{ONION}/ad/1", "--proxy", proxy.url,
                          **env, timeout=180)
    assert shot["browser"] and shot["browser"][0].get("screenshot_sha256"), shot
    assert proxy.asked[asked:] and all(a == ("name", ONION, 80)
                                       for a in proxy.asked[asked:]), proxy.asked[asked:]
    infos, metadata = [], []
    for path in (ws / "evidence" / "warc").glob("*.warc.gz"):
        with gzip.open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type == "warcinfo":
                    infos.append(rec.content_stream().read().decode())
                elif rec.rec_type == "metadata":
                    metadata.append(rec.content_stream().read().decode())
    assert infos and all(f"proxy: {proxy.url}" in i for i in infos), infos
    browser_meta = [m for m in metadata if "chromium" in m]
    assert any("wildtrace browser crawl" in m for m in browser_meta), browser_meta
    assert any("wildtrace capture (browser)" in m for m in browser_meta), browser_meta
    assert browser_meta and all(proxy.url in m for m in browser_meta), browser_meta
    assert set(site.hosts) == {ONION}, site.hosts


def test_a_proxy_with_credentials_is_refused_for_the_browser(tmp_path: Path) -> None:
    url = "socks5h://isolate:secret@127.0.0.1:9050"
    why = proxy_refusal(url)
    assert "cannot authenticate to a SOCKS5 proxy" in why and "secret" not in why
    assert browser_unavailable(CHROMIUM, url) == why
    with pytest.raises(ValueError, match="cannot authenticate"):
        Chromium(CHROMIUM, user_agent="x", timeout=5, proxy=url)
    assert proxy_refusal("socks5h://127.0.0.1:9050") == ""
    assert browser_proxy("socks5h://127.0.0.1:9050") == {"server": "socks5://127.0.0.1:9050"}
    assert browser_proxy("socks5h://[::1]:9050") == {"server": "socks5://[::1]:9050"}
    assert browser_proxy("") is None
    assert resolver_rules("socks5h://tor.internal:9050") == \
        "MAP * ~NOTFOUND , EXCLUDE tor.internal"
    # The crawl stops before any request, saying why, and the password is not echoed.
    ws = new_workspace(tmp_path / "ws")
    proc = wildtrace(ws, "crawl", "--browser", f"http://{ONION}/", "--proxy", url,
                     check=False, timeout=60)
    assert proc.returncode != 0
    assert "cannot authenticate to a SOCKS5 proxy" in proc.stderr, proc.stderr
    assert "secret" not in proc.stderr + proc.stdout


def test_onion_refused_for_the_browser_without_a_proxy(tmp_path: Path) -> None:
    ws = new_workspace(tmp_path / "ws")
    proc = wildtrace(ws, "crawl", "--browser", f"http://{ONION}/", check=False, timeout=60)
    assert proc.returncode != 0
    assert "Tor onion address" in proc.stderr and "socks5h://127.0.0.1:9050" in proc.stderr
