"""A workspace holding every kind of evidence, for the tamper matrix
(tests/test_preserve_tamper.py): crawled captures with listings, screenshots and a DOM,
an imported WARC and HTML file, a citizen's tip with its screenshot and captured page,
and a CSV listing; plus :class:`Ctx`, look-ups and tampering helpers over a copy of it.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from click.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter
from web_seed import tiny_png

from wildtrace.app.archives import import_archives
from wildtrace.app.pages import evidence_session, page_processor
from wildtrace.app.tips import TipDesk
from wildtrace.cli import main
from wildtrace.collect.netguard import Fetched
from wildtrace.records import Exchange, ListingDraft, Page
from wildtrace.store import content_key
from wildtrace.workspace import Workspace, open_workspace

T0 = "2026-11-01T10:00:00.000000Z"


def _html(i: int) -> bytes:
    offer = {"@context": "https://schema.org", "@type": "Product",
             "name": f"Carved ivory bangle {i}",
             "description": f"Genuine old ivory bangle number {i}, 60 mm, ships worldwide",
             "offers": {"@type": "Offer", "price": f"{100 + i}.00", "priceCurrency": "USD",
                        "seller": {"@type": "Organization", "name": f"dealer{i}"}}}
    return (f"<html><head><title>Bangle {i}</title><script type=\"application/ld+json\">"
            f"{json.dumps(offer)}</script></head><body><h1>Bangle {i}</h1></body>"
            "</html>").encode()


def _page(session: Any, i: int) -> Page:
    url = f"http://shop.test/item/{i}"
    body = _html(i)
    rid = session.recorder.record(Exchange(
        url=url, method="GET", request_headers=(("Host", "shop.test"),), status=200,
        reason="OK", protocol="HTTP/1.1", response_headers=(("Content-Type", "text/html"),),
        body=body, server_ip="127.0.0.1", started=T0, ended=T0))
    return Page(requested_url=url, url=url, redirects=(), status=200,
                headers=(("Content-Type", "text/html"),), body=body, media_type="text/html",
                server_ip="127.0.0.1", started=T0, ended=T0, user_agent="wildtrace/test",
                robots_url="http://shop.test/robots.txt", robots_body=b"User-agent: *\n",
                exchanges=(rid,))


def warc_file(path: Path) -> Path:
    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=True)
        body = _html(90)
        w.write_record(w.create_warc_record(
            "http://other.test/lot/90", "response", payload=io.BytesIO(body),
            length=len(body), http_headers=StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")))
    return path


class _Fetcher:
    """A tip's page, as the SSRF guard would return it (no network)."""

    def fetch(self, url: str) -> Fetched:
        return Fetched(url=url, status=200, media_type="text/html", body=_html(70),
                       address="203.0.113.7")


def build(root: Path, overrides: dict[str, Any] | None = None) -> None:
    """Every kind of evidence in one workspace (``overrides``: its settings, e.g. a
    PostgreSQL ``database_url``)."""
    ws = open_workspace(root, overrides=overrides)
    try:
        session = evidence_session(ws, durable=True, purpose="test crawl")
        processor = page_processor(ws, session, lambda text: 0.9, None)
        processor.remember = True
        processor.many([_page(session, i) for i in range(4)])
        ids = sorted(processor.captures.values())
        session.preserver.add_artefact(ids[0], "screenshot", tiny_png(5, 5), "image/png")
        session.preserver.add_artefact(ids[1], "screenshot", tiny_png(6, 6), "image/png")
        session.preserver.add_artefact(ids[0], "dom", b"<html>dom 0</html>", "text/html")
        session.close()
        html = root.parent / "saved.html"
        html.write_bytes(_html(80))
        import_archives(ws, [warc_file(root.parent / "lot.warc.gz")], "warc")
        import_archives(ws, [html], "html")
        desk = TipDesk(ws, _Fetcher())
        tip = desk.submit("https://market.example/p/7", "tiger skin", "en", tiny_png(7, 7))
        desk.capture(tip)
        draft = ListingDraft(source="survey.csv", title="ivory chopsticks",
                             origin="survey.csv:2")
        ws.store.add_listings([(draft, content_key(draft))])
    finally:
        ws.close()


@dataclass
class Ctx:
    """A fresh copy of the prepared workspace, and handy look-ups in it."""

    ws: Workspace

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.ws.store.engine.connect() as conn:
            return list(conn.execute(sa.text(sql), params))

    def one(self, sql: str, **params: Any) -> Any:
        return self.rows(sql, **params)[0][0]

    def run(self, sql: str, **params: Any) -> None:
        with self.ws.store.engine.begin() as conn:
            conn.execute(sa.text(sql), params)

    def art(self, kind: str, nth: int = 0) -> Any:
        return self.rows("SELECT id, capture_id, sha256 FROM artefacts WHERE kind = :k "
                         "ORDER BY id", k=kind)[nth]

    def crawled(self, nth: int = 0) -> Any:
        return self.rows("SELECT id, body_sha256, final_url, record_sha256 FROM captures "
                         "WHERE method = 'crawl' ORDER BY id")[nth]

    def listing(self, nth: int = 0) -> Any:
        return self.rows("SELECT id, capture_sha256, extra FROM listings "
                         "WHERE capture_sha256 != '' ORDER BY id")[nth]

    def blob(self, sha: str) -> Path:
        return self.ws.blobs.path(sha)

    def imported(self, fmt: str) -> str:
        return str(self.one("SELECT sha256 FROM custody WHERE action = 'imported_file' "
                            "AND detail LIKE :f", f=f'%"format": "{fmt}"%'))

    @property
    def mirror(self) -> Path:
        return self.ws.evidence_dir / "custody.jsonl"

    @property
    def warc(self) -> Any:
        return self.rows("SELECT name, sha256 FROM warc_files ORDER BY name")[0]


def flip(path: Path, offset: int = 7) -> None:
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[offset % len(data)] ^= 0x01
    path.write_bytes(bytes(data))


def unlink(path: Path) -> None:
    path.unlink()


def cli_report(root: Path) -> tuple[int, dict[str, Any]]:
    """``wildtrace evidence verify --json`` on a workspace: (exit code, report)."""
    res = CliRunner().invoke(main, ["--workspace", str(root), "evidence", "verify",
                                    "--json"])
    # The report is the first JSON value on stdout; anything another part of the process
    # prints after it (a warning, a log line) is not part of it.
    assert res.stdout.strip(), (res.output, res.exception)
    report, _ = json.JSONDecoder().raw_decode(res.stdout.lstrip())
    return res.exit_code, report


