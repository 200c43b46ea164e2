"""Citizen tips: the public form in five languages, the JSON endpoint, validation, rate
limits, screenshot checks, and guarded capture of the reported page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from tiny_site import tiny_site
from web_seed import WebEnv, make_env, tiny_png

from wildtrace.collect.netguard import SafeFetcher
from wildtrace.collect.tips import sniff_image, validate_tip
from wildtrace.errors import FetchError, InputError

FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def env(tmp_path: Path) -> Iterator[WebEnv]:
    e = make_env(tmp_path / "ws")
    yield e
    e.ws.close()


@pytest.fixture(scope="module")
def server() -> Iterator[int]:
    with tiny_site({"/redirect-internal": "http://10.0.0.8/admin"}, {},
                   b"<html><title>tiger skin</title></html>") as site:
        yield site.port


def test_api_tip_is_public_and_lands_in_triage(env: WebEnv) -> None:
    c = env.client()
    resp = c.post("/api/tips", json={"url": "https://shop.example/p/1",
                                     "description": "ivory\x00 bangles\u202e"})
    assert resp.status_code == 202
    tip_id = resp.json()["id"]
    tips = c.get("/api/tips", headers=env.token("ana")).json()
    assert tips[0]["id"] == tip_id and tips[0]["status"] == "new"
    assert tips[0]["description"] == "ivory bangles"  # control characters dropped
    assert tips[0]["capture_status"] == "pending"  # capture is off in this app
    ok = c.post(f"/api/tips/{tip_id}/status", json={"status": "triaged"},
                headers=env.token("ana"))
    assert ok.status_code == 200
    assert c.get("/api/tips?status=triaged", headers=env.token("vic")).json()[0]["id"] == tip_id


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.com/x", "http://",
                                 "", "https://exa mple.com/", "https://u:p@example.com/",
                                 "https://example.com/" + "a" * 2100, "data:text/html,hi"])
def test_api_tip_refuses_bad_urls(env: WebEnv, url: str) -> None:
    resp = env.client().post("/api/tips", json={"url": url, "description": "x"})
    assert 400 <= resp.status_code < 500
    assert set(resp.json()["error"]) == {"status", "code", "message", "hint"}


def test_api_tip_refuses_malformed_bodies(env: WebEnv) -> None:
    c = env.client()
    assert c.post("/api/tips", content=b"not json",
                  headers={"content-type": "application/json"}).status_code == 422
    assert c.post("/api/tips", json={"description": "no url"}).status_code == 422
    assert c.post("/api/tips", json={"url": "https://a.example/",
                                     "description": "x" * 6000}).status_code == 422


def test_tips_are_rate_limited_per_client(env: WebEnv) -> None:
    c = env.client()
    codes = [c.post("/api/tips", json={"url": f"https://a.example/{i}"}).status_code
             for i in range(12)]
    assert codes[:10] == [202] * 10 and codes[10:] == [429, 429]


@pytest.mark.parametrize("lang,phrase", [("en", "Report a suspicious post"),
                                         ("fr", "Signaler une annonce suspecte"),
                                         ("es", "Denunciar una publicación sospechosa"),
                                         ("zh", "举报可疑帖子"),
                                         ("vi", "Báo cáo bài đăng đáng ngờ")])
def test_tip_form_languages(env: WebEnv, lang: str, phrase: str) -> None:
    page = env.client().get(f"/tips/new?lang={lang}")
    assert page.status_code == 200 and phrase in page.text
    assert f'<html lang="{lang}">' in page.text


def test_tip_form_follows_browser_language(env: WebEnv) -> None:
    page = env.client().get("/tips/new", headers={"Accept-Language": "vi-VN,vi;q=0.9"})
    assert "Báo cáo" in page.text


def _form(c, **fields):  # type: ignore[no-untyped-def]
    token = FIELD.search(c.get("/tips/new").text).group(1)
    return {"csrf_token": token, "lang": "en", **fields}


def test_tip_form_with_png_screenshot(env: WebEnv) -> None:
    c = env.client()
    png = tiny_png()
    resp = c.post("/tips/new", data=_form(c, url="https://shop.example/9",
                                          description="pangolin scales"),
                  files={"screenshot": ("shot.png", png, "image/png")})
    assert resp.status_code == 202 and 'id="tip-thanks"' in resp.text
    tip = c.get("/api/tips", headers=env.token("ana")).json()[0]
    assert tip["screenshot_sha256"] and env.ws.blobs.get(tip["screenshot_sha256"]) == png


@pytest.mark.parametrize("name,data", [
    ("evil.png", b"<svg onload=alert(1)>"),
    ("evil.jpg", b"<html><script>alert(1)</script>"),
    ("fake.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20),  # magic but no IHDR
    ("big.png", tiny_png() + b"\x00" * 5_000_001),
])
def test_tip_form_refuses_non_images_and_big_files(env: WebEnv, name: str,
                                                    data: bytes) -> None:
    c = env.client()
    resp = c.post("/tips/new", data=_form(c, url="https://shop.example/9"),
                  files={"screenshot": (name, data, "image/png")})
    assert resp.status_code == 400 and 'role="alert"' in resp.text
    assert c.get("/api/tips", headers=env.token("ana")).json() == []


def test_tip_form_needs_its_csrf_token(env: WebEnv) -> None:
    c = env.client()
    c.get("/tips/new")
    resp = c.post("/tips/new", data={"url": "https://a.example/", "csrf_token": "forged"})
    assert resp.status_code == 403


def test_validate_tip_and_sniff() -> None:
    assert sniff_image(b"\xff\xd8\xff\xe0\x00\x10JFIF") == "image/jpeg"
    with pytest.raises(InputError):
        sniff_image(b"GIF89a....")
    draft = validate_tip(" https://x.example/a ", "  hello\x07 ", "xx")
    assert draft.url == "https://x.example/a" and draft.description == "hello"
    assert draft.language == ""


def _capturing_env(tmp_path: Path, resolver_table: dict[str, list[str]]) -> WebEnv:
    def resolve(host: str, port: int) -> list[str]:
        if host not in resolver_table:
            raise FetchError("unknown host", url=host)
        return resolver_table[host]

    fetcher = SafeFetcher(resolver=resolve, first_hop_exempt=frozenset({"127.0.0.1"}),
                          timeout=5)
    return make_env(tmp_path / "cap", capture_tips=True, fetcher=fetcher)


def test_tip_capture_stores_the_page_as_evidence(tmp_path: Path, server: int) -> None:
    env = _capturing_env(tmp_path, {"market.example": ["127.0.0.1"]})
    c = env.client()
    tip_id = c.post("/api/tips", json={"url": f"http://market.example:{server}/p"}).json()["id"]
    tip = env.ws.store.tips.get(tip_id)
    assert tip["capture_status"] == "captured", tip
    assert env.ws.blobs.get(tip["capture_sha256"]) == b"<html><title>tiger skin</title></html>"
    # Preserved like any capture: a sealed WARC file holding the response, a capture
    # record whose custody entry names the tip, and nothing for verify to complain of
    # (the seeded listings and blobs are not real evidence: they are left out here).
    from wildtrace.preserve.verify import verify

    report = verify(env.ws)
    assert not [p for p in report["problems"] if p["kind"] not in ("listing", "blob")], \
        report["problems"]
    assert report["checked"]["captures"] == 1 and report["checked"]["warc_records"] >= 2
    logged = [e for e in env.ws.store.evidence.custody_entries() if e.action == "captured"]
    assert logged[0].detail["tip_id"] == tip_id
    assert logged[0].detail["body_sha256"] == tip["capture_sha256"]
    env.ws.close()


def test_tip_screenshot_is_logged_in_custody(env: WebEnv) -> None:
    png = tiny_png()
    from wildtrace.app.tips import TipDesk

    tip_id = TipDesk(env.ws).submit("https://shop.example/p/2", "pangolin scales", "en", png)
    entry = env.ws.store.evidence.custody_entries()[-1]
    assert (entry.action, entry.subject) == ("tip_screenshot", f"tip/{tip_id}")
    assert entry.sha256 == env.ws.store.tips.get(tip_id)["screenshot_sha256"]


def test_tip_capture_refuses_private_dns_and_internal_redirects(tmp_path: Path,
                                                                server: int) -> None:
    env = _capturing_env(tmp_path, {"sneaky.example": ["192.168.1.20"]})
    c = env.client()
    book = env.ws.store.tips
    dns = c.post("/api/tips", json={"url": "https://sneaky.example/x"}).json()["id"]
    meta = c.post("/api/tips", json={"url": "http://169.254.169.254/latest/"}).json()["id"]
    redirect = c.post("/api/tips", json={
        "url": f"http://127.0.0.1:{server}/redirect-internal"}).json()["id"]
    for tip_id in (dns, meta, redirect):
        tip = book.get(tip_id)
        assert tip["capture_status"] == "refused", tip
        assert "not a public internet address" in tip["capture_detail"]
        assert tip["capture_sha256"] == ""
    env.ws.close()
