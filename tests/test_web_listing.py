"""The listing view: fields with provenance, matches, evidence, a sandboxed replay, and
hostile listing text rendered inert."""

from __future__ import annotations

import html
from collections.abc import Iterator

import pytest
from markupsafe import escape
from web_seed import CAPTURED_HTML, XSS_DESC, XSS_TITLE, WebEnv, login, make_env


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebEnv]:
    e = make_env(tmp_path_factory.mktemp("listing") / "ws")
    yield e
    e.ws.close()


def test_api_listing_detail_has_provenance_matches_and_evidence(env: WebEnv) -> None:
    first = env.info["ids"][0]  # type: ignore[index]
    d = env.client().get(f"/api/listings/{first}", headers=env.token("ana")).json()
    assert d["listing"]["title"] == "Carved ivory bangle, old stock"
    assert d["listing"]["platform"] == "shopmart.example"
    assert d["listing"]["origin"] == "" and len(d["listing"]["content_sha256"]) == 64
    assert d["matches"][0]["taxon"] == "Loxodonta africana"
    assert d["matches"][0]["appendix"] == "I" and d["matches"][0]["rule"] == "product:ivory"
    assert d["assessments"][0]["model_version"] == "test-1"
    # The assess stage's legality rules judge the text (old ivory claimed as antique).
    assert d["verdict"]["verdict"] in ("likely_illegal", "needs_permit")
    assert any("Appendix I" in r for r in d["legality"]) and d["legality"] == \
        d["verdict"]["reasons"]
    roles = {e["role"]: e for e in d["evidence"]}
    assert roles["capture"]["sha256"] == env.info["html_sha"]
    assert roles["screenshot"]["media_type"] == "image/png" and roles["screenshot"]["present"]
    assert {c["sha256"] for c in d["custody"]} == {env.info["html_sha"], env.info["png_sha"]}
    assert d["identifiers"] == [{"kind": "whatsapp", "value": "+84912345678"}]
    assert d["linked_accounts"][0]["value"] == "+84912345678"


def test_api_listings_pages_and_searches(env: WebEnv) -> None:
    h = env.token("vic")
    c = env.client()
    page = c.get("/api/listings?limit=2", headers=h).json()
    assert len(page["items"]) == 2 and page["next_cursor"] == str(page["items"][1]["id"])
    rest = c.get(f"/api/listings?cursor={page['next_cursor']}", headers=h).json()
    assert len(rest["items"]) == 2 and rest["next_cursor"] == ""
    found = c.get("/api/listings?q=rhino", headers=h).json()
    assert [i["title"] for i in found["items"]] == ["犀牛角 rhino horn powder 出售"]
    assert c.get("/api/listings/424242", headers=h).status_code == 404


def test_listing_page_escapes_hostile_text(env: WebEnv) -> None:
    xss = env.info["ids"][1]  # type: ignore[index]
    c = env.client()
    login(c, "ana")
    page = c.get(f"/listings/{xss}").text
    body = page.split("<main>")[1]
    for raw in ("<script>alert", "<img src=x onerror", "<svg onload", "<iframe src=\"javascript",
                "<b onmouseover", '<a href="javascript:', "<b>evil</b>"):
        assert raw not in body, raw
    assert str(escape(XSS_TITLE)) in body and str(escape(XSS_DESC)) in body
    assert html.unescape(str(escape(XSS_DESC))) == XSS_DESC
    # The hostile URL is shown as text, never as a link.
    assert 'href="javascript' not in page
    queue = c.get("/queue").text
    assert "<script>alert" not in queue and "&lt;script&gt;" in queue


def test_replay_is_sandboxed_in_its_own_path(env: WebEnv) -> None:
    first = env.info["ids"][0]  # type: ignore[index]
    c = env.client()
    login(c, "ana")
    page = c.get(f"/listings/{first}").text
    sha = env.info["html_sha"]
    assert f'<iframe class="replay" sandbox="" referrerpolicy="no-referrer" src="/replay/{sha}"' \
        in page
    assert "parent.document.title" not in page  # the captured HTML is never inlined
    replay = c.get(f"/replay/{sha}")
    assert replay.status_code == 200 and replay.content == CAPTURED_HTML
    csp = replay.headers["content-security-policy"]
    assert csp.startswith("sandbox;") and "default-src 'none'" in csp
    assert "script-src" not in csp  # falls back to default-src 'none'
    assert replay.headers["x-frame-options"] == "SAMEORIGIN"
    assert c.get(f"/replay/{env.info['png_sha']}").status_code == 415
    assert env.client().get(f"/replay/{sha}", follow_redirects=False).status_code == 303


def test_evidence_serves_images_inline_and_nothing_as_html(env: WebEnv) -> None:
    c = env.client()
    login(c, "vic")
    img = c.get(f"/evidence/{env.info['png_sha']}")
    assert img.status_code == 200 and img.headers["content-type"] == "image/png"
    page = c.get(f"/evidence/{env.info['html_sha']}")
    assert page.headers["content-type"] == "application/octet-stream"
    assert page.headers["content-disposition"].startswith("attachment")
    assert c.get("/evidence/" + "0" * 64).status_code == 404
    assert c.get("/evidence/../../etc/passwd").status_code == 404


def test_viewer_sees_no_label_buttons(env: WebEnv) -> None:
    c = env.client()
    login(c, "vic")
    page = c.get(f"/listings/{env.info['ids'][0]}").text  # type: ignore[index]
    assert 'data-key="c"' not in page and "Viewers cannot label" in page
