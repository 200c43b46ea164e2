"""Cookie files read for one site only, sessions sealed, and lapsed sessions or robot
checks told from real pages (wildtrace.collect.sessions)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wildtrace.collect.sessions import (
    lapse_reason,
    new_key,
    read_cookie_file,
    seal,
    site_of,
    unseal,
)
from wildtrace.errors import InputError

COOKIES_TXT = (
    "# Netscape HTTP Cookie File\n"
    "forum.example.org\tFALSE\t/\tTRUE\t4102444800\tsid\tabc123\n"
    "#HttpOnly_.example.org\tTRUE\t/\tFALSE\t0\tauth\tt0k3n\n"
    ".bank.example\tTRUE\t/\tTRUE\t4102444800\tsession\tDO-NOT-TAKE\n"
)


def test_cookies_txt_keeps_only_the_sites_cookies(tmp_path: Path) -> None:
    path = tmp_path / "cookies.txt"
    path.write_text(COOKIES_TXT)
    got = read_cookie_file(path, "forum.example.org")
    assert [(c.name, c.domain) for c in got.cookies] == [("sid", "forum.example.org"),
                                                         ("auth", ".example.org")]
    assert got.other_sites == 1 and got.format == "cookies.txt"
    auth = got.cookies[1]
    assert auth.http_only and not auth.secure and auth.expires == -1.0
    assert got.cookies[0].secure and got.expires(0) == 4102444800


def test_storage_state_is_read(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"cookies": [
        {"name": "c_user", "value": "42", "domain": ".social.example", "path": "/",
         "expires": -1, "httpOnly": True, "secure": True, "sameSite": "None"},
        {"name": "x", "value": "y", "domain": "elsewhere.example", "path": "/"}],
        "origins": [{"origin": "https://social.example", "localStorage": []}]}))
    got = read_cookie_file(path, "social.example")
    assert got.format == "storage-state" and got.other_sites == 1
    assert got.cookies[0].for_browser()["sameSite"] == "None"


@pytest.mark.parametrize(("text", "message"), [
    ("forum.example.org\tFALSE\t/\n", "cookies.txt:1: not a cookies.txt line"),
    ("\n\nforum.example.org\tFALSE\t/\tFALSE\tsoon\tsid\tv\n", "cookies.txt:3: expiry"),
    ("forum.example.org\tFALSE\t/\tFALSE\t0\tsid\tv;evil=1\n", "is not a cookie value"),
    ("forum.example.org\tFALSE\t/\tFALSE\t0\tbad name\tv\n", "not a valid cookie name"),
    ("other.example\tFALSE\t/\tFALSE\t0\tsid\tv\n", "no cookie for forum.example.org"),
])
def test_bad_cookie_files_say_where(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "cookies.txt"
    path.write_text(text)
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        read_cookie_file(path, "forum.example.org")


def test_a_huge_file_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "cookies.txt"
    path.write_bytes(b"#" * 3_000_000)
    with pytest.raises(InputError, match="too big for a cookie file"):
        read_cookie_file(path, "forum.example.org")


def test_sealed_cookies_need_the_key(tmp_path: Path) -> None:
    path = tmp_path / "cookies.txt"
    path.write_text(COOKIES_TXT)
    cookies = read_cookie_file(path, "forum.example.org").cookies
    key = new_key()
    token = seal(cookies, key)
    assert "abc123" not in token and "t0k3n" not in token
    assert unseal(token, key) == cookies
    with pytest.raises(InputError, match="cannot be decrypted"):
        unseal(token, new_key(), "forum.example.org")
    with pytest.raises(InputError, match="cannot be decrypted"):
        unseal(token[:-4] + "AAAA", key)


def test_site_names() -> None:
    assert site_of("https://www.Forum.Example.org/groups/9") == "forum.example.org"
    assert site_of("forum.example.org:8443") == "forum.example.org"
    with pytest.raises(InputError):
        site_of("not a site/")


PAGE = "https://forum.example.org/groups/ivory/post/7"
LOGIN_FORM = ("<html><body><h1>Log in to continue</h1><form><input name=u>"
              "<input type='password' name=p></form></body></html>")


@pytest.mark.parametrize(("status", "url", "html", "expected"), [
    (200, PAGE, "<h1>Ivory bangle</h1><p>200 USD</p>", ""),
    (401, PAGE, "", "HTTP 401"),
    (403, PAGE, "<h1>Forbidden</h1>", "HTTP 403"),
    (200, "https://forum.example.org/login?next=/groups", "<h1>x</h1>", "login page"),
    (200, "https://forum.example.org/checkpoint/block", "", "login page"),
    (200, PAGE, LOGIN_FORM, "login form"),
    (200, PAGE, "<div class='g-recaptcha' data-sitekey=x></div>", "CAPTCHA"),
    (503, PAGE, "<title>Just a moment...</title>", "robot check"),
    (200, PAGE, "<p>Customs said access denied at the border; 2 tusks left</p>", ""),
    (200, "https://forum.example.org/blog/how-we-authenticate-ivory", "<p>x</p>", ""),
])
def test_lapse_reasons(status: int, url: str, html: str, expected: str) -> None:
    why = lapse_reason(status, url, PAGE, html)
    assert (expected in why) if expected else why == "", why


def test_the_login_page_asked_for_is_no_lapse() -> None:
    login = "https://forum.example.org/login"
    assert lapse_reason(200, login, login, LOGIN_FORM) == ""


def test_a_public_crawl_only_pauses_for_robot_checks() -> None:
    assert lapse_reason(200, PAGE, PAGE, LOGIN_FORM, logged_in=False) == ""
    assert lapse_reason(403, PAGE, PAGE, "<h1>Forbidden</h1>", logged_in=False) == ""
    assert "robot check" in lapse_reason(
        403, PAGE, PAGE, "<title>Attention Required! | Cloudflare</title>", logged_in=False)
