"""Tips in triage: scored by the relevance scorer (through the app layer, shown on the
triage page) and made into a case in one audited action, through the API and the forms
(CSRF and roles checked); a tip's captured page becomes the case's evidence."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from tamper_seed import _Fetcher
from web_seed import WebEnv, login, make_env, tiny_png

from wildtrace.app.cases import case_view, evidence_export
from wildtrace.app.tips import TipDesk

OFFER = "Genuine elephant ivory bangles for sale, raw tusk also available, WhatsApp me"


@pytest.fixture
def env(tmp_path: Path) -> Iterator[WebEnv]:
    e = make_env(tmp_path / "ws")
    yield e
    e.ws.close()


def _tip(env: WebEnv, description: str = OFFER) -> int:
    resp = env.client().post("/api/tips", json={"url": "https://shop.example/p/7",
                                                "description": description})
    assert resp.status_code == 202
    return int(resp.json()["id"])


def test_api_scores_a_tip_and_the_queue_shows_it(env: WebEnv) -> None:
    tip_id = _tip(env)
    toy = _tip(env, "plush elephant toy for kids, soft cotton")
    c = env.client()
    h = env.token("ana")
    assert c.post(f"/api/tips/{tip_id}/score", headers=env.token("vic")).status_code == 403
    assert c.post("/api/tips/99999/score", headers=h).status_code == 404
    got = c.post(f"/api/tips/{tip_id}/score", headers=h)
    assert got.status_code == 200, got.text
    score = got.json()
    assert score["relevant"] is True and score["score"] > 0.5 and score["model_version"]
    assert score["reason"].startswith("Offers ") and score["reason"].endswith(".")
    low = c.post(f"/api/tips/{toy}/score", headers=h).json()
    assert low["score"] < score["score"]
    queue = {t["id"]: t for t in c.get("/api/tips", headers=h).json()}
    assert queue[tip_id]["score"] == score["score"] and queue[tip_id]["reason"] == score["reason"]
    audit = c.get("/api/audit?action=score", headers=env.token("root")).json()
    assert any(tip_id in e["detail"]["tips"] for e in audit)


def test_triage_page_scores_with_csrf_and_shows_the_reason(env: WebEnv) -> None:
    tip_id = _tip(env)
    c = env.client()
    csrf = login(c, "ana")
    page = c.get("/tips").text
    assert f'action="/tips/{tip_id}/score"' in page and 'id="score-all"' in page
    assert c.post(f"/tips/{tip_id}/score", data={"csrf_token": "forged"}).status_code == 403
    assert c.post("/tips/score", data={"csrf_token": "forged"}).status_code == 403
    done = c.post("/tips/score", data={"csrf_token": csrf, "status": "new"})
    assert done.status_code == 200
    row = done.text.split(f'id="tip-{tip_id}"', 1)[1].split("</tr>", 1)[0]
    assert 'class="score"' in row and "Offers " in row and "relevant" in row
    v = env.client()
    vcsrf = login(v, "vic")
    assert f'action="/tips/{tip_id}/case"' not in v.get("/tips").text
    assert v.post(f"/tips/{tip_id}/score", data={"csrf_token": vcsrf},
                  follow_redirects=False).status_code == 403


def test_api_makes_a_tip_a_case_once(env: WebEnv) -> None:
    from wildtrace.app.tips import TipDesk

    tip_id = TipDesk(env.ws).submit("https://shop.example/p/8", OFFER, "en", tiny_png())
    c = env.client()
    h = env.token("ana")
    assert c.post(f"/api/tips/{tip_id}/case", headers=env.token("vic")).status_code == 403
    made = c.post(f"/api/tips/{tip_id}/case", headers=h)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["created"] is True and body["tip_id"] == tip_id
    again = c.post(f"/api/tips/{tip_id}/case", headers=h).json()
    assert (again["case_id"], again["created"]) == (body["case_id"], False)
    case = c.get(f"/api/cases/{body['case_id']}", headers=h).json()
    assert case["title"].startswith(f"Tip {tip_id}: Genuine elephant ivory")
    assert case["items"] == [{"kind": "listing", "ref": str(body["listing_id"]),
                              "note": "", "added_by": "ana"}]
    assert case["platforms"] == ["shop.example"]
    listing = c.get(f"/api/listings/{body['listing_id']}", headers=h).json()["listing"]
    assert listing["source"] == "tip" and listing["url"] == "https://shop.example/p/8"
    tip = c.get("/api/tips?status=triaged", headers=h).json()[0]
    assert (tip["id"], tip["case_id"], tip["listing_id"]) == (
        tip_id, body["case_id"], body["listing_id"])
    view = case_view(env.ws, body["case_id"])
    assert view is not None
    [item] = view.material.listings
    assert [e.role for e in item.evidence] == ["screenshot"] and item.evidence[0].present
    # Assessed as it was made: the case says at once why it matters.
    assert item.assessment is not None and item.assessment["cites"] == "I"
    assert item.reason.startswith("Offers ")
    audit = c.get("/api/audit?action=make_case", headers=env.token("root")).json()
    assert [e["detail"] for e in audit if e["object_id"] == str(tip_id)] == [
        {"case_id": body["case_id"], "listing_id": body["listing_id"]}]


def test_make_case_form_needs_csrf_and_opens_the_case(env: WebEnv) -> None:
    tip_id = _tip(env)
    c = env.client()
    csrf = login(c, "ana")
    assert c.post(f"/tips/{tip_id}/case", data={"csrf_token": "forged"}).status_code == 403
    resp = c.post(f"/tips/{tip_id}/case", data={"csrf_token": csrf}, follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"].startswith("/cases/")
    page = c.get(resp.headers["location"]).text
    assert f"Tip {tip_id}:" in page and "From citizen tip" in page
    triaged = c.get("/tips?status=triaged").text
    assert 'class="tip-case"' in triaged


def test_a_captured_tip_page_is_the_cases_evidence(env: WebEnv) -> None:
    desk = TipDesk(env.ws, _Fetcher(), browser=False)
    tip_id = desk.submit("https://shop.example/p/9", OFFER, "en")
    desk.capture(tip_id)
    made = desk.make_case(tip_id, "ana")
    data = evidence_export(env.ws, made.case_id, "ana")
    assert data is not None
    zf = zipfile.ZipFile(io.BytesIO(data))
    doc = json.loads(zf.read(f"listings/{made.listing_id}.json"))
    roles = {e["role"]: e["file"] for e in doc["evidence"]}
    assert roles["tip page"].endswith(".html") and roles["tip page"] in zf.namelist()
    prov = doc["provenance"]
    assert prov["captured"] is True and prov["server_ip"] == "203.0.113.7"
    assert prov["final_url"] == "https://shop.example/p/9" and prov["custody_seq"]
    assert doc["listing"]["title"] == "Bangle 70"  # the captured page's title
