"""A hostile "seed" site and the internal services it tries to reach, all local.

* ``seed`` (127.0.0.1:PORT_A), the site the user names: its pages redirect to the
  internal service, link to it, name it as a sitemap in robots.txt, and embed an
  image, a stylesheet, an iframe (on ``[::1]``), a script ``fetch()``, a WebSocket and a
  preconnect hint pointing at it;
* ``internal`` (127.0.0.1:PORT_B) and ``internal6`` ([::1], when the host has IPv6
  loopback), services nobody named: they count every HTTP request and every TCP
  connection, so a test can assert that nothing reached them.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Counter:
    """What one server received."""

    paths: list[str] = field(default_factory=list)
    connections: int = 0


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], family: int, pages: Any,
                 counter: Counter) -> None:
        self.address_family = family
        self.pages, self.counter = pages, counter
        super().__init__(address, _Handler)

    def verify_request(self, request: Any, client_address: Any) -> bool:
        self.counter.connections += 1
        return True


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.server.counter.paths.append(self.path)
        status, headers, body = self.server.pages(self.path)
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@dataclass
class Hostile:
    """The running servers: the seed's URL, the internal services' URLs and counters."""

    seed: str
    internal: str
    internal6: str  # "" when the host has no IPv6 loopback
    hits: Counter
    hits6: Counter
    seed_hits: Counter

    def reached(self) -> int:
        """HTTP requests plus TCP connections the internal services received."""
        return (len(self.hits.paths) + self.hits.connections + len(self.hits6.paths)
                + self.hits6.connections)


def _internal(path: str) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "text/html"}, b"<html><p>internal admin panel: ivory</p>"


@contextmanager
def hostile_site() -> Iterator[Hostile]:
    """Serve the seed and the internal services on loopback (see module doc)."""
    hits, hits6, seed_hits = Counter(), Counter(), Counter()
    servers = [_Server(("127.0.0.1", 0), socket.AF_INET, _internal, hits)]
    internal = f"http://127.0.0.1:{servers[0].server_port}"
    internal6 = ""
    try:
        servers.append(_Server(("::1", 0), socket.AF_INET6, _internal, hits6))
        internal6 = f"http://[::1]:{servers[1].server_port}"
    except OSError:
        pass
    b6 = internal6 or internal

    def seed_pages(path: str) -> tuple[int, dict[str, str], bytes]:
        html = {"Content-Type": "text/html; charset=utf-8"}
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, (
                f"User-agent: *\nAllow: /\nSitemap: {internal}/sitemap.xml\n").encode()
        if path == "/to-internal":
            return 302, {"Location": f"{internal}/admin"}, b""
        if path == "/to-internal6":
            return 302, {"Location": f"{b6}/admin"}, b""
        if path == "/to-page":
            return 302, {"Location": "/page"}, b""
        if path == "/page":
            return 200, html, b"<html><title>Ivory bangle</title><p>ivory for sale</p>"
        if path == "/img-redirect":
            return 302, {"Location": f"{internal}/pixel.png"}, b""
        if path == "/":
            return 200, html, f"""<html><head><title>Ivory and pangolin scales</title>
<link rel="preconnect" href="{internal}/">
<link rel="stylesheet" href="{internal}/style.css"></head><body>
<h1>Ivory bangles for sale</h1>
<a href="/page">bangle</a> <a href="/to-internal">more ivory</a>
<a href="/to-internal6">even more ivory</a> <a href="{internal}/secret">ivory admin</a>
<img src="{internal}/tracker.png"> <img src="/img-redirect">
<iframe src="{b6}/frame"></iframe>
<script>
fetch("{internal}/probe").catch(function () {{}});
try {{ new WebSocket("{internal.replace('http', 'ws')}/socket"); }} catch (e) {{}}
</script></body></html>""".encode()
        return 404, {"Content-Type": "text/plain"}, b"not found"

    seed_server = _Server(("127.0.0.1", 0), socket.AF_INET, seed_pages, seed_hits)
    servers.append(seed_server)
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    try:
        yield Hostile(f"http://127.0.0.1:{seed_server.server_port}", internal, internal6,
                      hits, hits6, seed_hits)
    finally:
        for s in servers:
            s.shutdown()
            s.server_close()
