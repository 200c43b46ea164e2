"""Seed data for the web tests: listings (some hostile), assessments, evidence, users."""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from wildtrace.app import accounts as _accounts
from wildtrace.app.accounts import Accounts
from wildtrace.records import Assessment, Identifier, ListingDraft, TaxonMatch
from wildtrace.store import content_key
from wildtrace.web import create_app
from wildtrace.workspace import Workspace, open_workspace

# Tests hash with cheap argon2 parameters (still argon2id) so the suite stays fast.
_accounts._hasher = lambda: PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

PASSWORD = "correct horse battery"
XSS_TITLE = '<script>alert("t")</script><img src=x onerror=alert(1)>'
XSS_DESC = ('<svg onload=alert(2)><a href="javascript:alert(3)">click</a>'
            '<iframe src="javascript:alert(4)"></iframe>"><b onmouseover=alert(5)>x</b>')
CAPTURED_HTML = (b"<html><body><h1>Ivory bangles for sale</h1>"
                 b"<script>parent.document.title='pwned';alert('replay')</script>"
                 b"<img src=x onerror=\"alert('img')\"></body></html>")


def tiny_png(width: int = 4, height: int = 3) -> bytes:
    """A real, valid PNG image."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    raw = b"".join(b"\x00" + b"\x80\x20\x20" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def put_blob(ws: Workspace, data: bytes, media_type: str) -> str:
    """Store evidence bytes and index them."""
    sha = ws.blobs.put(data)
    ws.store.blob_index.add(sha, len(data), media_type)
    return sha


def seed(ws: Workspace) -> dict[str, object]:
    """Listings, assessments, evidence and three users; returns useful ids."""
    html_sha = put_blob(ws, CAPTURED_HTML, "text/html")
    png_sha = put_blob(ws, tiny_png(), "image/png")
    drafts = [
        ListingDraft(source="shopmart", title="Carved ivory bangle, old stock",
                     description="Genuine elephant ivory bangle. WhatsApp +84 912 345 678",
                     url="https://www.shopmart.example/item/1", price=350.0, currency="USD",
                     seller="ivorytrader88", location="Hà Nội", posted="2024-03-02",
                     language="en",
                     identifiers=(Identifier("whatsapp", "+84912345678"),),
                     capture_sha256=html_sha, extra={"screenshot_sha256": png_sha}),
        ListingDraft(source="forumx", title=XSS_TITLE, description=XSS_DESC,
                     url="javascript:alert(6)", price=90.0, currency="EUR",
                     seller="<b>evil</b>", location="Lagos, NG", posted="2024-04-10",
                     language="en"),
        ListingDraft(source="shopmart", title="犀牛角 rhino horn powder 出售",
                     description="Rhino horn, WeChat rh1no", url="https://shopmart.example/2",
                     price=2000.0, currency="CNY", seller="hornking", location="广州 Guangdong",
                     posted="2024-04-15", language="zh",
                     identifiers=(Identifier("whatsapp", "+84912345678"),)),
        ListingDraft(source="forumx", title="Plush elephant toy", description="Soft toy",
                     url="https://forumx.example/t/9", price=10.0, currency="EUR",
                     seller="toyshop", location="Paris, France", posted="2024-05-01",
                     language="fr"),
    ]
    ws.store.add_listings([(d, content_key(d)) for d in drafts])
    ids = [lst.id for lst in ws.store.iter_listings()]
    run = ws.store.start_run("assess", "test-1")
    scores = [(0.95, True, ("Loxodonta africana",), "I"), (0.80, True, ("Loxodonta",), "I"),
              (0.90, True, ("Rhinocerotidae",), "I"), (0.10, False, (), "")]
    results = []
    for lid, (score, rel, taxa, cites) in zip(ids, scores, strict=True):
        matches = tuple(TaxonMatch(taxon=t, rank="species", appendix=cites, start=0, end=5,
                                   matched="ivory", rule="product:ivory", kind="product")
                        for t in taxa)
        results.append((lid, Assessment(relevant=rel, score=score, taxa=taxa, cites=cites,
                                         flags=("code_word",) if rel else (),
                                         reasons=("CITES Appendix I: commercial trade "
                                                  "prohibited",) if rel else (),
                                         model="rules", model_version="test-1",
                                         matches=matches)))
    ws.store.save_assessments(run, results)
    ws.store.finish_run(run)
    acc = Accounts(ws.store)
    acc.add_user("ana", "analyst", PASSWORD)
    acc.add_user("root", "admin", PASSWORD)
    acc.add_user("vic", "viewer", PASSWORD)
    return {"ids": ids, "html_sha": html_sha, "png_sha": png_sha,
            "seeded_at": datetime.now(UTC)}


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def login(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Log ``client`` in through the form; returns the session's CSRF token."""
    page = client.get("/login")
    token = CSRF_FIELD.search(page.text)
    assert token is not None
    resp = client.post("/login", data={"username": name, "password": password,
                                       "csrf_token": token.group(1)},
                       follow_redirects=False)
    assert resp.status_code == 303, resp.text
    queue = client.get("/queue")
    found = CSRF_FIELD.search(queue.text)
    assert found is not None
    return found.group(1)


@dataclass
class WebEnv:
    """A seeded workspace, its app, and ids of what was seeded."""

    ws: Workspace
    app: FastAPI
    info: dict[str, object]

    def client(self) -> TestClient:
        """A fresh client (its own cookie jar)."""
        return TestClient(self.app)

    def token(self, name: str) -> dict[str, str]:
        """Bearer headers for a new API token of ``name``."""
        return {"Authorization": "Bearer " + Accounts(self.ws.store).create_token(name)}


def make_env(root: Path, **app_kwargs: object) -> WebEnv:
    """Open, seed and serve a workspace under ``root``."""
    ws = open_workspace(root)
    info = seed(ws)
    kwargs = {"capture_tips": False, **app_kwargs}
    return WebEnv(ws=ws, app=create_app(ws, **kwargs), info=info)
