"""Crawling through a SOCKS5 proxy (Tor): ``.onion`` sites reached only through it, host
names resolved by the proxy (never here), IP-literal internal targets still refused,
and the proxy recorded in the WARC and in custody.

The proxy is a small SOCKS5 server written here, on 127.0.0.1, which records every
address it is asked for and connects every name to the local test site: a crawl of
``http://…onion/`` can only succeed through it, and its log shows that the name, not an
address, was handed over (socks5h).
"""

from __future__ import annotations

import contextlib
import gzip
import json
import socket
import socketserver
import struct
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

sys.path.insert(0, str(Path(__file__).parent / "sites"))
from harness import new_workspace, wildtrace, wildtrace_json  # noqa: E402

from wildtrace.app.revisit import revisit  # noqa: E402
from wildtrace.collect.netguard import NetPolicy  # noqa: E402
from wildtrace.config import load  # noqa: E402
from wildtrace.errors import ConfigError, FetchError  # noqa: E402
from wildtrace.store import utcnow  # noqa: E402
from wildtrace.workspace import open_workspace  # noqa: E402

ONION = "pangolinmkt7xq2vzt3onionshop4k2fa7b3zs5q.onion"
PAGES = {
    "/": b"<html><head><title>Wildlife market</title></head><body><h1>Scales for sale</h1>"
         b"<a href='/ad/1'>Pangolin scales 2kg</a> <a href='/go'>more scales</a>"
         b"</body></html>",
    "/ad/1": b"<html><head><title>Pangolin scales 2kg</title></head><body>"
             b"<h1>Pangolin scales 2kg</h1><p>Price: 400 USD. Contact wickr: scalesdealer"
             b"</p></body></html>",
    "/robots.txt": b"User-agent: *\nAllow: /\n",
}


class _Site(BaseHTTPRequestHandler):
    hosts: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        self.hosts.append(self.headers.get("Host", ""))
        if self.path == "/go":  # a redirect to an internal address, by IP literal
            self.send_response(302)
            self.send_header("Location", "http://10.0.0.1/admin")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = PAGES.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "text/plain" if self.path.endswith(".txt")
                         else "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args: object) -> None:
        return


class Socks5:
    """A SOCKS5 server (no authentication, CONNECT only) that records what it is asked
    to connect to and sends every connection to ``target``."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.asked: list[tuple[str, str, int]] = []  # (kind: name/ipv4/ipv6, host, port)
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                outer._serve(self.request)

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.target = target
        self.url = f"socks5h://127.0.0.1:{self.server.server_address[1]}"

    def _serve(self, conn: socket.socket) -> None:
        def read(n: int) -> bytes:
            data = b""
            while len(data) < n:
                chunk = conn.recv(n - len(data))
                if not chunk:
                    raise ConnectionError("closed")
                data += chunk
            return data

        try:
            _ver, count = read(2)
            read(count)
            conn.sendall(b"\x05\x00")  # no authentication
            _ver, cmd, _rsv, atyp = read(4)
            if atyp == 3:
                kind, host = "name", read(read(1)[0]).decode("idna")
            elif atyp == 1:
                kind, host = "ipv4", socket.inet_ntoa(read(4))
            else:
                kind, host = "ipv6", socket.inet_ntop(socket.AF_INET6, read(16))
            port = struct.unpack("!H", read(2))[0]
            self.asked.append((kind, host, port))
            if cmd != 1:
                conn.sendall(b"\x05\x07\x00\x01" + bytes(6))
                return
            upstream = socket.create_connection(self.target, timeout=5)
            conn.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1")
                         + struct.pack("!H", self.target[1]))
            self._relay(conn, upstream)
        except (ConnectionError, OSError, ValueError):
            return
        finally:
            conn.close()

    @staticmethod
    def _relay(a: socket.socket, b: socket.socket) -> None:
        def pump(src: socket.socket, dst: socket.socket) -> None:
            try:
                while chunk := src.recv(65536):
                    dst.sendall(chunk)
            except OSError:
                pass
            finally:
                for s in (src, dst):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        t = threading.Thread(target=pump, args=(b, a), daemon=True)
        t.start()
        pump(a, b)
        t.join(5)
        b.close()


@contextlib.contextmanager
def behind_socks(handler: type[BaseHTTPRequestHandler]) -> Iterator[Socks5]:
    """A site served by ``handler`` on 127.0.0.1 with the test SOCKS5 server in front of
    it, both running until the block ends."""
    site = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    proxy = Socks5(("127.0.0.1", site.server_address[1]))
    for s in (site, proxy.server):
        threading.Thread(target=s.serve_forever, daemon=True).start()
    try:
        yield proxy
    finally:
        for s in (site, proxy.server):
            s.shutdown()
            s.server_close()


@pytest.fixture
def proxied_site() -> Iterator[tuple[Socks5, type[_Site]]]:
    _Site.hosts = []
    with behind_socks(_Site) as proxy:
        yield proxy, _Site


@pytest.mark.slow  # crawls a local site in a subprocess
def test_crawl_of_an_onion_site_goes_through_the_proxy_and_is_recorded(
        tmp_path: Path, proxied_site: tuple[Socks5, type[_Site]]) -> None:
    proxy, site = proxied_site
    ws = new_workspace(tmp_path / "ws")
    summary = wildtrace_json(ws, "crawl", f"http://{ONION}/", "--delay", "0",
                             "--proxy", proxy.url, "--max-pages", "5", timeout=120)
    assert summary["pages"] >= 2, (summary, proxy.asked)
    # The proxy was given the name (socks5h), never an address we had looked up.
    assert ("name", ONION, 80) in proxy.asked
    assert all(kind == "name" for kind, _, _ in proxy.asked), proxy.asked
    assert set(site.hosts) == {ONION}
    # A redirect to an internal IP literal is refused before the proxy is asked for it.
    assert not any(host == "10.0.0.1" for _, host, _ in proxy.asked)
    reasons = {f["url"]: f["reason"] for f in summary["failures"]}
    assert "10.0.0.1, which is not a public internet address" in \
        reasons[f"http://{ONION}/go"], reasons
    # Custody says each capture came through the proxy; the WARC file says so too.
    entries = [json.loads(line) for line in
               (ws / "evidence" / "custody.jsonl").read_text().splitlines()]
    captured = [e for e in entries if e.get("action") == "captured"]
    assert captured and all(
        (e.get("detail") or {}).get("proxy") == proxy.url for e in captured), captured[:2]
    infos = []
    for path in (ws / "evidence" / "warc").glob("*.warc.gz"):
        with gzip.open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type == "warcinfo":
                    infos.append(rec.content_stream().read().decode())
    assert infos and all(f"proxy: {proxy.url}" in i for i in infos), infos
    # Revisits of the onion advert go through the proxy too, by name.
    asked = len(proxy.asked)
    w = open_workspace(ws)
    try:
        w.settings = w.settings.replace(proxy=proxy.url, delay=0.0)
        done = revisit(w, now=utcnow() + timedelta(days=2))
    finally:
        w.close()
    assert [(r.url, r.outcome) for r in done.revisits] == [(f"http://{ONION}/ad/1", "up")]
    assert proxy.asked[asked:] and all(a == ("name", ONION, 80)
                                       for a in proxy.asked[asked:]), proxy.asked[asked:]


def test_onion_refused_without_a_proxy_with_what_to_set(tmp_path: Path) -> None:
    ws = new_workspace(tmp_path / "ws")
    proc = wildtrace(ws, "crawl", f"http://{ONION}/", check=False, timeout=60)
    assert proc.returncode != 0
    assert "Tor onion address" in proc.stderr and "socks5h://127.0.0.1:9050" in proc.stderr
    bad = wildtrace(ws, "crawl", "https://example.org/", "--proxy", "socks5://127.0.0.1:9050",
                    check=False, timeout=60)
    assert bad.returncode != 0 and "use socks5h://" in bad.stderr


def test_proxied_policy_never_resolves_and_still_refuses_internal_literals() -> None:
    def no_dns(host: str, port: int) -> list[str]:
        raise AssertionError(f"looked up {host} locally")

    policy = NetPolicy(["http://seed.example/"], resolver=no_dns, proxied=True)
    assert policy.refusal(f"http://{ONION}/ad") == ""
    assert policy.refusal("https://shop.example.com/") == ""
    assert not policy.needs_lookup("https://shop.example.com/")
    for url in ("http://127.0.0.1/", "http://10.1.2.3:8080/", "http://[::1]/",
                "http://0x7f.1/", "http://169.254.169.254/latest/"):
        assert "not a public internet address" in policy.refusal(url), url
    assert "internal host name" in policy.refusal("http://localhost/")
    assert "internal host name" in policy.refusal("http://router.lan/")
    # Without a proxy an onion is refused, even when the user named it.
    direct = NetPolicy([f"http://{ONION}/"], resolver=no_dns)
    assert "Tor onion address" in direct.refusal(f"http://{ONION}/")
    with pytest.raises(FetchError, match="Tor onion address"):
        from wildtrace.collect.netguard import SafeFetcher

        SafeFetcher(resolver=no_dns).check(f"http://{ONION}/")


@pytest.mark.parametrize("value, message", [
    ("socks5://127.0.0.1:9050", "use socks5h://"),
    ("http://127.0.0.1:8080", "expected socks5h://"),
    ("socks5h://127.0.0.1", "needs a host and a port"),
    ("socks5h://127.0.0.1:9050/path", "socks5h://[USER:PASS@]HOST:PORT only"),
])
def test_proxy_setting_is_checked(value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load(overrides={"proxy": value})
    assert load(overrides={"proxy": "socks5h://127.0.0.1:9050"}).proxy == \
        "socks5h://127.0.0.1:9050"
