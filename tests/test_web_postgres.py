"""The web app on PostgreSQL: the same migration, queue, labels, cases and tips."""

from __future__ import annotations

from pathlib import Path

import pytest
from web_seed import seed

from wildtrace.app.accounts import Accounts
from wildtrace.app.sellers import resolve
from wildtrace.web import create_app
from wildtrace.workspace import open_workspace

pytestmark = pytest.mark.postgres


def test_web_app_on_postgres(tmp_path: Path, pg_url: str) -> None:
    from fastapi.testclient import TestClient

    ws = open_workspace(tmp_path / "ws", overrides={"database_url": pg_url})
    try:
        info = seed(ws)
        ids = info["ids"]
        app = create_app(ws, capture_tips=False)
        c = TestClient(app)
        h = {"Authorization": "Bearer " + Accounts(ws.store).create_token("ana")}
        queue = c.get("/api/queue?taxon=loxodonta", headers=h).json()
        assert [i["id"] for i in queue["items"]] == [ids[0], ids[1]]  # type: ignore[index]
        assert c.get("/api/queue?platform=shopmart.example&date_from=2024-04-01",
                     headers=h).json()["items"][0]["id"] == ids[2]  # type: ignore[index]
        page = c.get("/api/queue?limit=1", headers=h).json()
        nxt = c.get("/api/queue", params={"limit": 1, "cursor": page["next_cursor"]},
                    headers=h).json()
        assert nxt["items"][0]["id"] == ids[2]  # type: ignore[index]
        assert c.post(f"/api/listings/{ids[0]}/labels", json={"label": "confirm"},
                      headers=h).status_code == 200  # type: ignore[index]
        cid = c.post("/api/cases", json={"title": "pg case"}, headers=h).json()["id"]
        assert c.post(f"/api/cases/{cid}/items", json={"kind": "listing",
                                                       "ref": str(ids[0])},  # type: ignore[index]
                      headers=h).json() == {"ok": True}
        assert c.get(f"/api/cases/{cid}/evidence.zip", headers=h).status_code == 200
        assert c.post("/api/tips", json={"url": "https://a.example/x"}).status_code == 202
        assert c.get("/api/dashboard/volume?by=taxon", headers=h).status_code == 200
        resolve(ws)  # the network is the newest link run's, as `wildtrace sellers` makes one
        assert c.get("/api/dashboard/network", headers=h).json()["edges"]
        assert c.get("/api/listings/2147483647", headers=h).status_code == 404
    finally:
        ws.close()
