"""Cases: gathering listings and sellers, PDF case file, evidence ZIP, takedown CSV."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
import zlib
from collections.abc import Iterator

import pytest
from web_seed import CAPTURED_HTML, WebEnv, login, make_env

from wildtrace.act import casefile
from wildtrace.errors import MissingExtraError
from wildtrace.extras import available


def pdf_fonts(pdf: bytes) -> set[bytes]:
    """Font names embedded in a PDF (looking inside its compressed object streams)."""
    names: set[bytes] = set()
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            data = zlib.decompress(m.group(1))
        except zlib.error:
            continue
        names.update(re.findall(rb"/(?:BaseFont|FontName)\s*/([^\s/>\]]+)", data))
    return names


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebEnv]:
    e = make_env(tmp_path_factory.mktemp("cases") / "ws")
    yield e
    e.ws.close()


@pytest.fixture(scope="module")
def case_id(env: WebEnv) -> int:
    """A case with the ivory listing, the hostile listing, and seller hornking."""
    first, xss, _, _ = env.info["ids"]  # type: ignore[misc]
    h = env.token("ana")
    c = env.client()
    cid = c.post("/api/cases", json={"title": "Hanoi ivory ring", "notes": "象牙 lead"},
                 headers=h).json()["id"]
    for kind, ref in (("listing", str(first)), ("listing", str(xss)), ("seller", "hornking")):
        assert c.post(f"/api/cases/{cid}/items", json={"kind": kind, "ref": ref},
                      headers=h).json() == {"ok": True}
    return int(cid)


def test_case_gathers_listings_and_sellers(env: WebEnv, case_id: int) -> None:
    h = env.token("vic")
    c = env.client()
    case = c.get(f"/api/cases/{case_id}", headers=h).json()
    assert [(i["kind"], i["ref"]) for i in case["items"]][-1] == ("seller", "hornking")
    assert case["platforms"] == ["forumx", "shopmart.example"]
    again = c.post(f"/api/cases/{case_id}/items", json={"kind": "seller", "ref": "hornking"},
                   headers=env.token("ana"))
    assert again.json() == {"ok": False}
    missing = c.post(f"/api/cases/{case_id}/items", json={"kind": "listing", "ref": "99999"},
                     headers=env.token("ana"))
    assert missing.status_code == 404
    assert c.get("/api/cases/9999", headers=h).status_code == 404
    tmp = c.post("/api/cases", json={"title": "scratch"}, headers=env.token("ana")).json()["id"]
    c.post(f"/api/cases/{tmp}/items", json={"kind": "seller", "ref": "x"},
           headers=env.token("ana"))
    gone = c.delete(f"/api/cases/{tmp}/items?kind=seller&ref=x", headers=env.token("ana"))
    assert gone.json() == {"ok": True}
    assert c.get(f"/api/cases/{tmp}", headers=h).json()["items"] == []
    assert any(x["id"] == case_id for x in c.get("/api/cases", headers=h).json())


def test_evidence_zip_manifest_matches_contents(env: WebEnv, case_id: int) -> None:
    resp = env.client().get(f"/api/cases/{case_id}/evidence.zip", headers=env.token("ana"))
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/zip"
    zf = zipfile.ZipFile(io.BytesIO(resp.content))
    manifest = {}
    for line in zf.read("MANIFEST-SHA256.txt").decode().splitlines():
        digest, name = line.split("  ", 1)
        manifest[name] = digest
    assert set(manifest) == set(zf.namelist()) - {"MANIFEST-SHA256.txt"}
    for name, digest in manifest.items():
        assert hashlib.sha256(zf.read(name)).hexdigest() == digest
    # Evidence blobs are named by their hash, with the extension of their media type.
    html_sha = str(env.info["html_sha"])
    assert zf.read(f"evidence/{html_sha}.html") == CAPTURED_HTML
    assert manifest[f"evidence/{html_sha}.html"] == html_sha
    assert all("." in n.rsplit("/", 1)[-1] for n in zf.namelist()), zf.namelist()
    assert any(n.startswith("evidence/") and n.endswith(".png") for n in zf.namelist())
    case = json.loads(zf.read("case.json"))
    assert case["title"] == "Hanoi ivory ring" and "hornking" in case["sellers"]
    assert len([n for n in zf.namelist() if n.startswith("listings/")]) == 3


def test_takedown_csv_per_platform_neutralises_formulas(env: WebEnv, case_id: int) -> None:
    c = env.client()
    h = env.token("ana")
    shop = c.get(f"/api/cases/{case_id}/takedown.csv?platform=shopmart.example", headers=h)
    assert shop.status_code == 200 and shop.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(shop.text)))
    assert sorted(r["title"] for r in rows) == ["Carved ivory bangle, old stock",
                                                "犀牛角 rhino horn powder 出售"]
    assert all(r["platform"] == "shopmart.example" and r["cites_appendix"] == "I"
               for r in rows)
    first = next(r for r in rows if r["title"].startswith("Carved"))
    assert str(env.info["html_sha"]) in first["evidence_sha256"]
    forum = list(csv.DictReader(io.StringIO(
        c.get(f"/api/cases/{case_id}/takedown.csv?platform=forumx", headers=h).text)))
    assert len(forum) == 1 and forum[0]["seller_account"] == "<b>evil</b>"
    assert c.get(f"/api/cases/{case_id}/takedown.csv", headers=h).status_code == 422


def test_takedown_csv_escapes_spreadsheet_formulas() -> None:
    from wildtrace.act.exports.safecsv import safe_cell as _csv_safe

    assert _csv_safe("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert _csv_safe("+1 555") == "'+1 555" and _csv_safe("ivory") == "ivory"


@pytest.mark.skipif(not available("weasyprint"), reason="weasyprint not installed "
                    "(pip install 'wildtrace[pdf]')")
def test_pdf_case_file_with_cjk_font(env: WebEnv, case_id: int) -> None:
    resp = env.client().get(f"/api/cases/{case_id}/casefile.pdf", headers=env.token("ana"))
    assert resp.status_code == 200 and resp.content.startswith(b"%PDF-")
    assert resp.headers["content-type"] == "application/pdf"
    fonts = pdf_fonts(resp.content)
    assert any(b"CJK" in f for f in fonts), \
        f"no CJK font embedded ({fonts}): install Debian's fonts-noto-cjk"
    html = casefile.render_html(
        __import__("wildtrace.act.material", fromlist=["gather"]).gather(
            env.ws.store, env.ws.blobs, env.ws.store.cases.get(case_id)),
        env.ws.blobs, "ana")
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "data:image/png;base64," in html  # the screenshot is inlined, not fetched


def test_pdf_export_without_the_extra_names_the_install_line(env: WebEnv, case_id: int,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    def missing(module: str, extra: str, feature: str) -> None:
        raise MissingExtraError(extra, feature)

    monkeypatch.setattr(casefile, "require", missing)
    resp = env.client().get(f"/api/cases/{case_id}/casefile.pdf", headers=env.token("ana"))
    assert resp.status_code == 501
    assert resp.json()["error"]["hint"] == "pip install 'wildtrace[pdf]'"


def test_exports_are_audited_and_need_analyst(env: WebEnv, case_id: int) -> None:
    c = env.client()
    assert c.get(f"/api/cases/{case_id}/evidence.zip",
                 headers=env.token("vic")).status_code == 403
    audit = c.get("/api/audit?action=export", headers=env.token("root")).json()
    assert any(e["object_id"] == str(case_id) and e["detail"]["format"] == "zip"
               for e in audit)


def test_case_pages_build_a_case_from_a_listing(env: WebEnv) -> None:
    c = env.client()
    csrf = login(c, "ana")
    rhino = env.info["ids"][2]  # type: ignore[index]
    resp = c.post("/cases/add", data={"kind": "listing", "ref": str(rhino), "case_id": "new",
                                      "new_title": "Rhino horn", "csrf_token": csrf})
    assert resp.status_code == 200 and "Case " in resp.text
    assert "takedown.csv?platform=shopmart.example" in resp.text
    assert "Rhino horn" in c.get("/cases").text


def test_seller_behind_a_listing_through_the_api_and_the_listing_page(env: WebEnv) -> None:
    first = env.info["ids"][0]  # type: ignore[index]
    c = env.client()
    h = env.token("ana")
    cid = c.post("/api/cases", json={"title": "seller of the first listing"},
                 headers=h).json()["id"]
    ok = c.post(f"/api/cases/{cid}/items", json={"kind": "seller_of", "ref": str(first)},
                headers=h)
    assert ok.json() == {"ok": True}
    for bad in ("99999", "x1"):
        missing = c.post(f"/api/cases/{cid}/items", json={"kind": "seller_of", "ref": bad},
                         headers=h)
        assert missing.status_code == 404
    case = c.get(f"/api/cases/{cid}", headers=h).json()
    assert ("seller_of", str(first)) in [(i["kind"], i["ref"]) for i in case["items"]]
    assert c.delete(f"/api/cases/{cid}/items?kind=seller_of&ref={first}",
                    headers=h).json() == {"ok": True}
    login(c, "ana")
    page = c.get(f"/listings/{first}").text
    assert 'name="kind" value="seller_of"' in page and f'name="ref" value="{first}"' in page


def test_case_status_and_notes_through_the_api_are_audited(env: WebEnv) -> None:
    c = env.client()
    h = env.token("ana")
    cid = c.post("/api/cases", json={"title": "status walk"}, headers=h).json()["id"]
    done = c.patch(f"/api/cases/{cid}", json={"status": "submitted", "notes": "sent to the "
                                              "platform 2026-12-01"}, headers=h)
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["notes"]) == (
        "submitted", "sent to the platform 2026-12-01")
    # A field left out stays; an unknown status is refused; a viewer may not change.
    assert c.patch(f"/api/cases/{cid}", json={"status": "closed"},
                   headers=h).json()["notes"] == "sent to the platform 2026-12-01"
    assert c.patch(f"/api/cases/{cid}", json={"status": "lost"},
                   headers=h).status_code == 422
    assert c.patch(f"/api/cases/{cid}", json={"status": "open"},
                   headers=env.token("vic")).status_code == 403
    assert c.patch("/api/cases/99999", json={"status": "open"}, headers=h).status_code == 404
    audit = c.get("/api/audit?action=update", headers=env.token("root")).json()
    changes = [e["detail"] for e in audit if e["object_id"] == str(cid)]
    assert {"status": "closed", "was": "submitted"} in changes


def test_case_page_changes_status_notes_and_removes_items(env: WebEnv) -> None:
    first, _, rhino, _ = env.info["ids"]  # type: ignore[misc]
    h = env.token("ana")
    api = env.client()
    cid = api.post("/api/cases", json={"title": "page edits"}, headers=h).json()["id"]
    for ref in (first, rhino):
        api.post(f"/api/cases/{cid}/items", json={"kind": "listing", "ref": str(ref)},
                 headers=h)
    c = env.client()
    csrf = login(c, "ana")
    page = c.get(f"/cases/{cid}").text
    assert f'action="/cases/{cid}/edit"' in page and "remove-item" in page
    # Without the session's CSRF token nothing changes.
    bad = c.post(f"/cases/{cid}/edit", data={"status": "closed", "csrf_token": "x"})
    assert bad.status_code == 403
    bad = c.post(f"/cases/{cid}/remove", data={"kind": "listing", "ref": str(rhino),
                                               "csrf_token": "x"})
    assert bad.status_code == 403
    saved = c.post(f"/cases/{cid}/edit", data={"status": "actioned", "notes": "<b>gone</b>",
                                               "csrf_token": csrf})
    assert saved.status_code == 200 and '<strong id="case-status">actioned</strong>' in saved.text
    assert "&lt;b&gt;gone&lt;/b&gt;" in saved.text and "<b>gone</b>" not in saved.text
    removed = c.post(f"/cases/{cid}/remove", data={"kind": "listing", "ref": str(rhino),
                                                   "csrf_token": csrf})
    assert removed.status_code == 200
    case = api.get(f"/api/cases/{cid}", headers=h).json()
    assert [i["ref"] for i in case["items"]] == [str(first)]
    assert case["status"] == "actioned" and case["notes"] == "<b>gone</b>"
    # A viewer sees the case but gets no forms, and a posted form is refused.
    v = env.client()
    vcsrf = login(v, "vic")
    assert "remove-item" not in v.get(f"/cases/{cid}").text
    assert v.post(f"/cases/{cid}/edit", data={"status": "open", "csrf_token": vcsrf},
                  follow_redirects=False).status_code == 403
    assert api.get(f"/api/cases/{cid}", headers=h).json()["status"] == "actioned"
    audit = api.get("/api/audit?action=remove", headers=env.token("root")).json()
    assert any(e["object_id"] == str(cid) and e["detail"]["ref"] == str(rhino) for e in audit)
