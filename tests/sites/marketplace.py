"""A local test marketplace on 127.0.0.x: several small "sites" of wildlife-trade-like
pages (synthetic), some of which misbehave on purpose.

Each site is its own loopback address, so the crawler sees separate domains:

* classifieds (127.0.0.1): index, listings, seller profile, sitemap, robots.txt with a
  Crawl-delay and a Disallow, and the traps: a slow page, a redirect loop, a 50 MB body,
  a gzip bomb, malformed HTML, wrong and missing charsets, 500, 429 and 503 with
  Retry-After;
* shop (127.0.0.2): schema.org JSON-LD product pages;
* forum (127.0.0.3): a forum thread;
* social (127.0.0.4): a social-media-style post;
* zh (127.0.0.5) and vi (127.0.0.6): Chinese and Vietnamese classifieds;
* gen (127.0.0.7): N generated pages, for resume and benchmark crawls.

``serve()`` starts them all on free ports in background threads; every request is
logged with its time so tests can check politeness.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

PAGES = Path(__file__).parent.parent / "pages"
BIG_BYTES = 50 * 1024 * 1024
_BOMB: bytes | None = None


def bomb() -> bytes:
    """20 MB of zeros gzipped to about 20 KB."""
    global _BOMB
    if _BOMB is None:
        _BOMB = gzip.compress(b"\0" * (20 * 1024 * 1024), compresslevel=9)
    return _BOMB


@dataclass
class Log:
    """Requests seen by the sites: (site, path, monotonic time, user agent)."""

    hits: list[tuple[str, str, float, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counters: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, site: str, path: str, agent: str) -> int:
        with self.lock:
            self.hits.append((site, path, time.monotonic(), agent))
            self.counters[f"{site}{path}"] += 1
            return self.counters[f"{site}{path}"]

    def count(self, site: str, path: str) -> int:
        with self.lock:
            return self.counters.get(f"{site}{path}", 0)

    def times(self, site: str) -> list[float]:
        with self.lock:
            return [t for s, _, t, _ in self.hits if s == site]


def page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def html(body: str, title: str = "", lang: str = "en", head: str = "") -> bytes:
    return (f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>"
            f"<title>{title}</title>{head}</head><body>{body}</body></html>").encode()


CLASSIFIEDS_ROBOTS = b"""User-agent: *
Crawl-delay: 0.2
Disallow: /private/
Sitemap: /sitemap.xml
"""

TRAPS = ["/old-ad", "/slow", "/loop/a", "/big", "/bomb", "/malformed", "/wrongcharset",
         "/nocharset", "/error500", "/busy", "/unavailable", "/private/secret", "/missing"]


def classifieds(handler: Handler, path: str) -> tuple[int, dict[str, str], bytes] | None:
    base = f"http://{handler.headers.get('Host')}"
    if path == "/robots.txt":
        sitemap = CLASSIFIEDS_ROBOTS.replace(b"/sitemap.xml", f"{base}/sitemap.xml".encode())
        return 200, {"Content-Type": "text/plain"}, sitemap
    if path == "/sitemap.xml":
        urls = "".join(f"<url><loc>{base}{p}</loc></url>" for p in ("/ad/3", "/about"))
        return 200, {"Content-Type": "application/xml"}, (
            "<?xml version='1.0' encoding='UTF-8'?><urlset xmlns="
            "'http://www.sitemaps.org/schemas/sitemap/0.9'>" + urls + "</urlset>").encode()
    if path in ("/", "/index.html"):
        links = "".join(f"<li><a href='/ad/{i}'>Ad {i}: ivory and pangolin goods</a></li>"
                        for i in (1, 2))
        traps = "".join(f"<li><a href='{p}'>{p}</a></li>" for p in TRAPS)
        return 200, {"Content-Type": "text/html; charset=utf-8"}, html(
            f"<nav><a href='/'>Home</a></nav><h1>Wild Classifieds</h1><ul>{links}</ul>"
            f"<ul>{traps}</ul><a href='/ad/1?utm_source=x#top'>Ad 1 again</a>",
            "Wild Classifieds", head="<meta name='generator' content='TestClassifieds 1.0'>")
    if path.startswith("/ad/") and path[4:].isdigit() and int(path[4:]) <= 3:
        return 200, {"Content-Type": "text/html; charset=utf-8"}, page(
            f"classifieds/ad{path[4:]}.html")
    if path == "/user/tusk_trader":
        return 200, {"Content-Type": "text/html; charset=utf-8"}, html(
            "<h1>tusk_trader</h1><p>Member since 2021. See my ads.</p><a href='/ad/1'>ad</a>",
            "Profile")
    if path == "/about":
        return 200, {"Content-Type": "text/html; charset=utf-8"}, html(
            "<h1>About</h1><p>A classifieds site for everything.</p>", "About")
    if path == "/old-ad":
        return 301, {"Location": f"{base}/ad/2"}, b""
    if path == "/slow":
        time.sleep(3.0)
        return 200, {"Content-Type": "text/html"}, html("<h1>slow</h1>")
    if path == "/loop/a":
        return 302, {"Location": "/loop/b"}, b""
    if path == "/loop/b":
        return 302, {"Location": "/loop/a"}, b""
    if path == "/big":
        return -1, {}, b""  # streamed by the handler
    if path == "/bomb":
        return 200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, bomb()
    if path == "/malformed":
        return 200, {"Content-Type": "text/html; charset=utf-8"}, page(
            "classifieds/malformed.html")
    if path == "/wrongcharset":
        return 200, {"Content-Type": "text/html; charset=iso-8859-1"}, page(
            "vi/wrongcharset.html")
    if path == "/nocharset":
        return 200, {"Content-Type": "text/html"}, page("zh/nocharset.html")
    if path == "/error500":
        return 500, {"Content-Type": "text/plain"}, b"internal error"
    if path == "/busy":
        n = handler.server.log.count("classifieds", path)  # type: ignore[attr-defined]
        if n <= 1:
            return 429, {"Retry-After": "1", "Content-Type": "text/plain"}, b"slow down"
        return 200, {"Content-Type": "text/html; charset=utf-8"}, html(
            "<h1>Busy page, second try</h1><p>Served after Retry-After was honoured.</p>")
    if path == "/unavailable":
        return 503, {"Retry-After": "1", "Content-Type": "text/plain"}, b"down"
    if path.startswith("/private/"):
        return 200, {"Content-Type": "text/html"}, html("<h1>secret</h1>")
    return None


def simple_site(folder: str, index_links: list[str], robots: bytes = b"User-agent: *\n"
                ) -> Any:
    def route(handler: Handler, path: str) -> tuple[int, dict[str, str], bytes] | None:
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, robots
        if path == "/":
            links = "".join(f"<a href='{p}'>{p.strip('/').replace('-', ' ')}</a> "
                            for p in index_links)
            return 200, {"Content-Type": "text/html; charset=utf-8"}, html(
                f"<h1>{folder}</h1><p>{links}</p>", folder)
        name = path.strip("/")
        target = PAGES / folder / f"{name}.html"
        if name and "/" not in name and ".." not in name and target.exists():
            ctype = "text/html; charset=utf-8"
            if folder == "zh" and name == "gbk":
                ctype = "text/html; charset=gbk"
            return 200, {"Content-Type": ctype}, target.read_bytes()
        return None
    return route


def generated(n_pages: int, tag: str = "") -> Any:
    def route(handler: Handler, path: str) -> tuple[int, dict[str, str], bytes] | None:
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow:\n"
        if path == "/" or path.startswith("/p/"):
            i = int(path[3:]) if path.startswith("/p/") and path[3:].isdigit() else 0
            if i >= n_pages:
                return None
            links = "".join(f"<a href='/p/{j}'>item {j}</a> " for j in
                            (2 * i + 1, 2 * i + 2) if j < n_pages)
            body = (f"<h1>Item {i}{tag}: carved bone figure</h1><div class='desc'><p>Listing "
                    f"number {i}{tag}. Old carved figure, good condition, price $ {10 + i % 90}. "
                    f"Ships worldwide, contact seller via the site.</p></div>"
                    f"<p class='links'>{links}</p>")
            return 200, {"Content-Type": "text/html; charset=utf-8"}, html(body, f"Item {i}")
        return None
    return route


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in one send (http.server flushes after each request);
    # otherwise Nagle's algorithm and delayed ACKs add 40 ms to every keep-alive request.
    wbufsize = 1 << 16

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        server = self.server
        path = self.path.split("?")[0]
        server.log.add(server.site, path, self.headers.get("User-Agent", ""))  # type: ignore
        result = server.route(self, path)  # type: ignore[attr-defined]
        if result is None:
            result = (404, {"Content-Type": "text/plain"}, b"not found")
        status, headers, body = result
        if status == -1:
            self._stream_big()
            return
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _stream_big(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(BIG_BYTES))
        self.end_headers()
        chunk = b"<p>" + b"x" * 65530 + b"</p>"
        sent = 0
        try:
            while sent < BIG_BYTES:
                part = chunk[:min(len(chunk), BIG_BYTES - sent)]
                self.wfile.write(part)
                sent += len(part)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True


@dataclass
class Marketplace:
    """Running test sites: their base URLs and the shared request log."""

    urls: dict[str, str]
    log: Log
    servers: list[ThreadingHTTPServer]

    def close(self) -> None:
        for s in self.servers:
            s.shutdown()
            s.server_close()


def serve(n_generated: int = 40) -> Marketplace:
    """Start every site on 127.0.0.x with a free port."""
    log = Log()
    sites = {
        "classifieds": ("127.0.0.1", classifieds),
        "shop": ("127.0.0.2", simple_site("shop", ["/turtle-shell-bracelet",
                                                   "/wooden-bowl"])),
        "forum": ("127.0.0.3", simple_site("forum", ["/thread-ivory"])),
        "social": ("127.0.0.4", simple_site("social", ["/post-parrots"])),
        "zh": ("127.0.0.5", simple_site("zh", ["/xiangya", "/gbk"])),
        "vi": ("127.0.0.6", simple_site("vi", ["/vay-te-te", "/sung-te-giac"])),
        "gen": ("127.0.0.7", generated(n_generated)),
    }
    servers = []
    urls = {}
    for name, (ip, route) in sites.items():
        srv = ThreadingHTTPServer((ip, 0), Handler)
        srv.daemon_threads = True
        srv.site = name  # type: ignore[attr-defined]
        srv.route = route  # type: ignore[attr-defined]
        srv.log = log  # type: ignore[attr-defined]
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        urls[name] = f"http://{ip}:{srv.server_address[1]}"
    return Marketplace(urls, log, servers)


if __name__ == "__main__":  # a manual look: python tests/sites/marketplace.py
    m = serve()
    for k, v in m.urls.items():
        print(k, v)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        m.close()
