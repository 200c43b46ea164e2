"""The photos page and API of a listing, and the photo route: access control, audit,
hostile text escaped, only decoded photos served, with their decoded media type."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from markupsafe import escape
from web_seed import WebEnv, login, make_env

sys.path.insert(0, str(Path(__file__).parent))
from photo_site import jpeg, scene  # noqa: E402
from test_photos import FakeFetcher, _listing  # noqa: E402

from wildtrace.app.photos import analyse_photos  # noqa: E402
from wildtrace.collect.netguard import NetPolicy  # noqa: E402
from wildtrace.store.photos import Finding  # noqa: E402

HOSTILE = "<script>alert(1)</script> 微信 wx_seller"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebEnv]:
    e = make_env(tmp_path_factory.mktemp("photos") / "ws")
    good, bad = "https://shop.example/p.jpg", "https://shop.example/p.svg"
    lid = _listing(e.ws, "with photos", "s1", [good, bad])
    analyse_photos(e.ws, NetPolicy(), ocr=False, species=False, fetcher=FakeFetcher(
        {good: jpeg(scene(4)), bad: b"<svg onload=alert(1)></svg>"}))
    photos = e.ws.store.photos.of_listing(lid)
    e.ws.store.photos.add_findings([
        Finding(photos[0].id, "ocr", "test-engine", HOSTILE),
        Finding(photos[0].id, "species", "test-classifier", "Nycticebus <i>x</i>",
                label="slow loris <b>", confidence=0.834,
                detail={"group": "Primates", "cites": "I", "note": "species <u>"})])
    e.info["photo_listing"] = lid
    e.info["photo_ids"] = [p.id for p in photos]
    yield e
    e.ws.close()


def test_photos_page_shows_text_escaped_and_audits(env: WebEnv) -> None:
    lid = env.info["photo_listing"]
    c = env.client()
    assert c.get(f"/listings/{lid}/photos", follow_redirects=False).status_code in (302, 303)
    login(c, "ana")
    page = c.get(f"/listings/{lid}/photos")
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 微信 wx_seller" in page.text
    assert "rejected" in page.text and "not a readable image" in page.text
    assert "looks like: <b>slow loris &lt;b&gt;</b> 0.83" in page.text
    assert "Nycticebus &lt;i&gt;x&lt;/i&gt;" in page.text and "CITES I" in page.text
    assert "a hint, not a verdict" in page.text and "cannot tell: species &lt;u&gt;" in page.text
    entries = [e for e in env.ws.store.audit.entries()
               if e.action == "view" and e.object_kind == "listing_photos"]
    assert entries and entries[-1].object_id == str(lid) and entries[-1].user == "ana"


def test_photos_api_lists_status_and_provenance(env: WebEnv) -> None:
    lid = env.info["photo_listing"]
    got = env.client().get(f"/api/listings/{lid}/photos", headers=env.token("vic")).json()
    stored, rejected = got["photos"]
    assert stored["status"] == "stored" and stored["ocr_text"] == HOSTILE
    assert stored["ocr_engine"] == "test-engine" and len(stored["sha256"]) == 64
    assert rejected["status"] == "rejected"
    assert env.client().get(f"/api/listings/{lid}/photos").status_code == 401
    assert env.client().get("/api/listings/999999/photos",
                            headers=env.token("vic")).status_code == 404


def test_photo_route_serves_only_decoded_photos(env: WebEnv) -> None:
    good, bad = env.info["photo_ids"]  # type: ignore[misc]
    c = env.client()
    assert c.get(f"/photos/{good}", follow_redirects=False).status_code in (302, 303)
    login(c, "ana")
    r = c.get(f"/photos/{good}")
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in r.headers["content-security-policy"]
    assert c.get(f"/photos/{bad}").status_code == 404  # the SVG is kept, never served


def test_case_file_carries_the_listings_photos(env: WebEnv) -> None:
    from wildtrace.act import casefile
    from wildtrace.act.cases import CaseBook
    from wildtrace.act.material import gather
    from wildtrace.app.cases import _photos

    lid = env.info["photo_listing"]
    book = CaseBook(env.ws.store)
    case_id = book.create("photos case", "ana")
    book.add(case_id, "listing", str(lid), "ana")
    case = env.ws.store.cases.get(case_id)
    assert case is not None
    material = gather(env.ws.store, env.ws.blobs, case)
    html = casefile.render_html(material, env.ws.blobs, "ana", None, _photos(env.ws, material))
    stored = env.ws.store.photos.of_listing(lid)[0]
    assert "Photos of the listing" in html and stored.sha256 in html
    assert escape(stored.warc_record) in html
    assert "data:image/jpeg;base64," in html  # the photo is inlined, never fetched
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "<svg onload" not in html  # the rejected file is listed, not inlined
    assert "looks like: slow loris &lt;b&gt; 0.83" in html and "not a verdict" in html


def test_listing_page_shows_the_species_hint_as_a_hint(env: WebEnv) -> None:
    lid = env.info["photo_listing"]
    c = env.client()
    login(c, "ana")
    page = c.get(f"/listings/{lid}")
    assert page.status_code == 200
    hints = page.text.split('id="photo-hints"', 1)[1].split("</div>", 1)[0]
    assert "never a verdict" in hints
    assert "looks like slow loris &lt;b&gt; 0.83" in hints
    assert "Nycticebus &lt;i&gt;x&lt;/i&gt;, CITES I" in hints and "<b>" not in hints
    assert "cannot tell: species &lt;u&gt;" in hints
