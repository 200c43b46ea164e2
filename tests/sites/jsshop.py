"""A local shop that renders with JavaScript, for the browser crawl's tests.

Every page is an empty shell until its script runs: the index fetches ``/api/items``
and draws three listings a time with a "load more" button for the next three; an item
page fetches ``/api/item/N`` and draws the advert with its photo. Served pages also try
what a hostile page would: an image on another local server nobody named, a ``fetch``
to the cloud metadata address, and an image too big to keep.

``/members/…`` is the same shop behind a login: it wants the cookie ``sid`` to be one
of ``sessions``, and logs a session out after ``pages_per_session`` member pages (a
redirect to ``/login``, which serves a password form), as real sites expire sessions.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ITEMS = {n: (f"Carved ivory bangle no. {n}", 100 + n) for n in range(1, 8)}
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00"
       b"\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00"
       b"\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")
BIG = 1_500_000  # bytes of /img/big.png: over the tests' max_body_bytes

INDEX_JS = """
let page = 1;
function more() {
  fetch(PREFIX + '/api/items?page=' + page).then(r => r.json()).then(d => {
    for (const it of d.items) {
      const li = document.createElement('li');
      li.innerHTML = '<a href="' + PREFIX + '/item/' + it.id + '">' + it.title + '</a>' +
                     '<img src="/img/thumb' + it.id + '.png">';
      document.getElementById('list').appendChild(li);
    }
    page += 1;
    document.querySelector('button.more').style.display = d.more ? 'block' : 'none';
  });
}
document.querySelector('button.more').addEventListener('click', more);
more();
"""

ITEM_JS = """
fetch(PREFIX + '/api/item/' + ITEM).then(r => r.json()).then(d => {
  document.getElementById('ad').innerHTML =
    '<h1 class="title">' + d.title + '</h1>' +
    '<p class="desc">Genuine old ivory, hand carved. Ships worldwide, pay by WhatsApp.</p>' +
    '<span class="price">' + d.price + ' USD</span>' +
    '<img class="photo" src="/img/' + ITEM + '.png">' +
    '<img src="' + INTERNAL + '/secret.png">' +
    '<img src="/img/big.png">' +
    '<img src="http://10.0.0.1/router.png">';
});
fetch('http://169.254.169.254/latest/meta-data/').catch(() => {});
"""


@dataclass
class Hits:
    """Paths a server was asked for (with the ``sid`` cookie sent, if any)."""

    paths: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, path: str, sid: str) -> None:
        with self.lock:
            self.paths.append((path, sid))


@dataclass
class Shop:
    """The running shop: its address, what it served, its sessions."""

    base: str
    internal: str
    hits: Hits
    internal_hits: Hits
    sessions: dict[str, int]  # live sid -> member pages served to it
    pages_per_session: int


def _handler(shop: dict[str, Any]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8",
                  headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def _sid(self) -> str:
            for part in (self.headers.get("Cookie") or "").split(";"):
                name, _, value = part.strip().partition("=")
                if name == "sid":
                    return value
            return ""

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            path = self.path
            sid = self._sid()
            shop["hits"].add(path, sid)
            prefix = ""
            if path.startswith("/members"):
                prefix = "/members"
                sessions: dict[str, int] = shop["sessions"]
                page = not path.startswith("/members/api")
                if page and sessions.get(sid, 0) >= shop["per_session"]:
                    sessions.pop(sid, None)  # logged out: the session has expired
                if sid not in sessions:
                    self._send(302, b"", headers={"Location": "/login?next=" + path})
                    return
                sessions[sid] += int(page)
                path = path[len("/members"):] or "/"
            self._route(path, prefix)

        def _shell(self, title: str, script: str, prefix: str, **values: str) -> bytes:
            consts = "".join(f"const {k} = {json.dumps(v)};" for k, v in
                             {"PREFIX": prefix, **values}.items())
            return (f"<!doctype html><html><head><title>{title}</title></head><body>"
                    f"<ul id='list'></ul><div id='ad'></div>"
                    f"<button class='more' style='display:none'>Load more</button>"
                    f"<script>{consts}{script}</script></body></html>").encode()

        def _route(self, path: str, prefix: str) -> None:
            if path == "/robots.txt":
                self._send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
            elif path == "/login" or path.startswith("/login?"):
                self._send(200, b"<html><body><h1>Log in</h1><form method=post>"
                                b"<input name=user><input type=password name=pw>"
                                b"<button>Log in</button></form></body></html>")
            elif path == "/":
                self._send(200, self._shell("Shop", INDEX_JS, prefix))
            elif path.startswith("/api/items"):
                page = int(path.rsplit("=", 1)[-1]) if "=" in path else 1
                ids = sorted(ITEMS)[(page - 1) * 3:page * 3]
                body = {"items": [{"id": i, "title": ITEMS[i][0]} for i in ids],
                        "more": page * 3 < len(ITEMS)}
                self._send(200, json.dumps(body).encode(), "application/json")
            elif path.startswith("/api/item/"):
                n = int(path.rsplit("/", 1)[-1])
                title, price = ITEMS[n]
                self._send(200, json.dumps({"title": title, "price": price}).encode(),
                           "application/json")
            elif path.startswith("/item/"):
                n = path.rsplit("/", 1)[-1]
                self._send(200, self._shell(f"Item {n}", ITEM_JS, prefix, ITEM=n,
                                            INTERNAL=shop["internal"]))
            elif path == "/img/big.png":
                self._send(200, PNG + b"\0" * BIG, "image/png")
            elif path.startswith("/img/"):
                self._send(200, PNG, "image/png")
            else:
                self._send(404, b"<html><body>not found</body></html>")

    return Handler


class _Internal(BaseHTTPRequestHandler):
    hits: Hits

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.hits.add(self.path, "")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


@contextmanager
def js_shop(pages_per_session: int = 3, sessions: tuple[str, ...] = ("good",)
            ) -> Iterator[Shop]:
    """Run the shop (and a local service nobody named) on 127.0.0.1."""
    internal_hits = Hits()
    internal_cls = type("Internal", (_Internal,), {"hits": internal_hits})
    internal = ThreadingHTTPServer(("127.0.0.1", 0), internal_cls)
    state: dict[str, Any] = {"hits": Hits(), "sessions": dict.fromkeys(sessions, 0),
                             "per_session": pages_per_session,
                             "internal": f"http://127.0.0.1:{internal.server_port}"}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    for s in (server, internal):
        threading.Thread(target=s.serve_forever, daemon=True).start()
    try:
        yield Shop(f"http://127.0.0.1:{server.server_port}", state["internal"],
                   state["hits"], internal_hits, state["sessions"], pages_per_session)
    finally:
        for s in (server, internal):
            s.shutdown()
            s.server_close()
