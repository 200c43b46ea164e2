"""The request to the time-stamping authority goes through the network guard: the
configured ``tsa_url`` is a named origin (here on 127.0.0.1, so the local TSA of
tests/local_tsa.py serves), but a redirect from it to another non-public address is
refused before anything is sent there; a redirect within the named origin is followed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from local_tsa import OPENSSL, LocalTSA, local_tsa

from wildtrace.app.timestamps import timestamp_custody
from wildtrace.errors import FetchError
from wildtrace.preserve.session import custody_log
from wildtrace.workspace import Workspace, open_workspace

pytestmark = pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed")


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalTSA]:
    with local_tsa(tmp_path_factory.mktemp("tsa")) as running:
        yield running


@pytest.fixture(scope="module")
def redirector(tsa: LocalTSA) -> Iterator[tuple[str, list[str]]]:
    """A server on 127.0.0.1 (another port than the TSA's): ``/away`` answers 307 to the
    TSA, ``/here`` 307 to ``/away`` on itself; its base URL and the paths it was sent."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server interface
            seen.append(self.path)
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            target = {"/away": tsa.url, "/here": "/away"}.get(self.path)
            self.send_response(307 if target else 404)
            if target:
                self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def _ws(root: Path, tsa_url: str, tsa: LocalTSA) -> Workspace:
    ws = open_workspace(root)
    ws.settings = ws.settings.replace(tsa_url=tsa_url, tsa_ca_file=tsa.ca_file,
                                      timeout=10.0)
    custody_log(ws.evidence_dir, ws.store, "tester").record(
        "imported", "file.csv", ws.blobs.put(b"imported file\n"), {})
    return ws


def test_a_redirect_to_another_internal_address_is_refused(
        tmp_path: Path, tsa: LocalTSA, redirector: tuple[str, list[str]]) -> None:
    base, seen = redirector
    ws = _ws(tmp_path / "ws", base + "/here", tsa)
    try:
        with pytest.raises(FetchError) as caught:
            timestamp_custody(ws)
        message = str(caught.value)
        assert "refused by the network guard" in message, message
        assert tsa.url in message and "not an origin you named" in message
        # Both hops on the named origin were followed; nothing went to the TSA.
        assert seen[-2:] == ["/here", "/away"]
        assert ws.store.timestamps.all() == []
    finally:
        ws.close()


def test_the_configured_internal_tsa_is_named_and_answers(tmp_path: Path,
                                                          tsa: LocalTSA) -> None:
    ws = _ws(tmp_path / "ws", tsa.url, tsa)
    try:
        stamp = timestamp_custody(ws)
        assert stamp.signature == "verified" and stamp.row.tsa_url == tsa.url
    finally:
        ws.close()
