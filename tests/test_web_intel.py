"""The anticipate page, the term decisions, the public unsubscribe link, intelligence
exports and the read-only TAXII 2.1 collection, with their access rules."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from web_seed import WebEnv, login, make_env

from wildtrace.act.cases import CaseBook
from wildtrace.app.alerts import subscribe


@pytest.fixture
def env(tmp_path: Path) -> Iterator[WebEnv]:
    e = make_env(tmp_path / "ws")
    yield e
    e.ws.close()


def test_anticipate_page_and_term_decisions(env: WebEnv) -> None:
    c = env.client()
    assert c.get("/anticipate", follow_redirects=False).status_code == 303  # login first
    csrf = login(c, "ana")
    page = c.get("/anticipate")
    assert page.status_code == 200 and "What is rising" in page.text
    assert "Emerging terms" in page.text and "Watch runs" in page.text
    forged = c.post("/anticipate/terms", data={"term": "blue moon", "action": "reject",
                                               "csrf_token": "forged"})
    assert forged.status_code == 403
    done = c.post("/anticipate/terms", data={"term": "blue moon", "action": "reject",
                                             "csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303
    assert env.ws.store.intel.term_decisions()["blue moon"]["decided_by"] == "ana"
    bad = c.post("/anticipate/terms", data={"term": "x", "action": "accept",
                                            "taxon": "Nonexistentia", "csrf_token": csrf})
    assert bad.status_code == 400
    viewer = env.client()
    vcsrf = login(viewer, "vic")
    assert "Emerging terms" not in viewer.get("/anticipate").text
    assert viewer.post("/anticipate/terms", data={"term": "y", "action": "reject",
                                                  "csrf_token": vcsrf}).status_code == 403
    assert c.get("/api/rising").status_code == 200
    assert 'id="rising"' in c.get("/dashboard").text  # the dashboard's panel
    assert c.get("/api/watch/runs").json()["runs"] == []


def test_unsubscribe_link_is_public_and_needs_a_post(env: WebEnv) -> None:
    _, token = subscribe(env.ws, "ana", name="x", rule="appendix_i", channel="email",
                         target="a@ngo.test")
    c = env.client()
    page = c.get(f"/alerts/unsubscribe/{token}")
    assert page.status_code == 200 and "Stop these alerts" in page.text
    assert env.ws.store.intel.subscriptions(active_only=True)  # a GET changes nothing
    assert c.get("/alerts/unsubscribe/not-a-token").status_code in (404, 422)
    one_click = c.post(f"/alerts/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200 and "no more" in one_click.text
    assert not env.ws.store.intel.subscriptions(active_only=True)
    again = c.post(f"/alerts/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert again.status_code == 404


def test_exports_and_taxii_need_an_analyst_and_are_audited(env: WebEnv) -> None:
    pytest.importorskip("stix2")
    ids = env.info["ids"]
    assert isinstance(ids, list)
    book = CaseBook(env.ws.store)
    case_id = book.create("shared", "ana")
    book.add(case_id, "listing", str(ids[0]), "ana")
    assert env.client().get(f"/api/intel/export?case={case_id}").status_code == 401
    assert env.client().get("/api/taxii2/", headers=env.token("vic")).status_code == 403
    h = env.token("ana")
    resp = env.client().get(f"/api/intel/export?case={case_id}&format=misp", headers=h)
    assert resp.status_code == 200 and '"Event"' in resp.text
    cols = env.client().get("/api/taxii2/cases/collections/", headers=h)
    assert cols.headers["content-type"].startswith("application/taxii+json")
    assert {"id": f"case-{case_id}", "title": "shared", "can_read": True,
            "can_write": False,
            "media_types": ["application/stix+json;version=2.1"]} in cols.json()["collections"]
    objs = env.client().get(f"/api/taxii2/cases/collections/case-{case_id}/objects/", headers=h)
    assert any(o["type"] == "observed-data" for o in objs.json()["objects"])
    assert env.client().get("/api/taxii2/cases/collections/case-999/objects/",
                            headers=h).status_code == 404
    exports = env.ws.store.audit.entries(action="export")
    assert len([e for e in exports if e.object_id == str(case_id)]) == 2
