"""The listing view shows what the other stages wrote: preserve's captures, artefacts and
hash-chained custody log, and the link stage's resolved sellers."""

from __future__ import annotations

from pathlib import Path

from web_seed import PASSWORD, login, tiny_png

from wildtrace.app.accounts import Accounts
from wildtrace.link.sellers import run_link
from wildtrace.preserve.capture import Preserver
from wildtrace.preserve.custody import CustodyLog
from wildtrace.records import Identifier, ListingDraft, Page
from wildtrace.store import content_key
from wildtrace.web import create_app
from wildtrace.workspace import open_workspace

BODY = b"<html><body><p>Pangolin scales 1kg</p><script>alert(1)</script></body></html>"


def test_listing_view_shows_preserved_evidence_and_linked_sellers(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    ws = open_workspace(tmp_path / "ws")
    try:
        custody = CustodyLog(ws.store, ws.evidence_dir / "custody.jsonl", "tester")
        preserver = Preserver(ws.store, ws.blobs, custody, "tester", durable=False)
        page = Page(requested_url="https://m.example/p/1", url="https://m.example/p/1",
                    redirects=(), status=200, headers=(("Content-Type", "text/html"),),
                    body=BODY, media_type="text/html", server_ip="93.184.216.34",
                    started="2024-05-01T10:00:00Z", ended="2024-05-01T10:00:01Z",
                    user_agent="wildtrace-test", method="capture")
        cap = preserver.preserve(page, "key-1").capture
        shot = preserver.add_artefact(cap.id, "screenshot", tiny_png(), "image/png")
        preserver.close()
        phone = (Identifier("phone", "+84912345678"),)
        drafts = [ListingDraft(source="m.example", title="Pangolin scales", seller="scaly",
                               url="https://m.example/p/1", identifiers=phone,
                               description="call +84 912 345 678",
                               capture_sha256=cap.body_sha256),
                  ListingDraft(source="other.example", title="Scales wholesale",
                               seller="scaly2", url="https://other.example/9",
                               description="call +84 912 345 678", identifiers=phone)]
        ws.store.add_listings([(d, content_key(d)) for d in drafts])
        first, second = [x.id for x in ws.store.iter_listings()]
        run_link(ws.store, ws.blobs)
        Accounts(ws.store).add_user("ana", "analyst", PASSWORD)
        c = TestClient(create_app(ws, capture_tips=False))
        h = {"Authorization": "Bearer " + Accounts(ws.store).create_token("ana")}
        d = c.get(f"/api/listings/{first}", headers=h).json()
        roles = {e["role"]: e for e in d["evidence"]}
        assert roles["capture"]["sha256"] == cap.body_sha256
        assert roles["capture"]["media_type"] == "text/html" and roles["capture"]["present"]
        assert roles["screenshot"]["sha256"] == shot
        events = [e["event"] for e in d["custody"]]
        assert "captured" in events and "stored_screenshot" in events
        assert all(e["who"] == "tester" for e in d["custody"])
        accounts = [a for a in d["linked_accounts"] if a["kind"] == "account"]
        assert accounts and accounts[0]["listing_id"] == second
        assert "scaly2 on other.example" == accounts[0]["value"]
        login(c, "ana")
        html = c.get(f"/listings/{first}").text
        assert f'src="/replay/{cap.body_sha256}"' in html
        assert f'src="/evidence/{shot}"' in html
        replay = c.get(f"/replay/{cap.body_sha256}")
        assert replay.content == BODY and replay.headers["content-security-policy"].startswith(
            "sandbox")
    finally:
        ws.close()
