"""A one-page local HTTP server for tests that fetch through the SSRF guard: fixed
redirects, fixed pages, a default page, and the Host headers it was sent."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class TinySite:
    """A running server: its port, and the Host header and path of every GET."""

    port: int
    hosts: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)


@contextmanager
def tiny_site(redirects: dict[str, str], pages: dict[str, bytes],
              default: bytes) -> Iterator[TinySite]:
    """Serve on 127.0.0.1: ``redirects`` path -> Location (``{port}`` is filled in),
    ``pages`` path -> HTML body (read at each request, so a test may change it), anything
    else ``default``."""
    site = TinySite(0)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            site.hosts.append(self.headers.get("Host", ""))
            site.paths.append(self.path)
            if self.path in redirects:
                self.send_response(302)
                self.send_header("Location", redirects[self.path].format(port=site.port))
                self.end_headers()
                return
            body = pages.get(self.path, default)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.port = httpd.server_port
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield site
    finally:
        httpd.shutdown()
        httpd.server_close()
