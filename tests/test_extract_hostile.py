"""Extraction never raises on hostile input, and never lets it through unbounded."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from wildtrace.extract.extractor import Extractor

EX = Extractor(())
TAGS = ["<html>", "<body>", "<div class='price'>", "</div>", "<h1>", "</h1>", "<p>", "<a href='",
        "'>", "</a>", "<script type='application/ld+json'>", "</script>", "<meta property='og:",
        "' content='", "'>", "{\"@type\": \"Product\", \"offers\": {\"price\": ", "}}", "€", "¥",
        "đ", "triệu", "WeChat: ", "+84 9", "<time datetime='", "<img src='", "&#0;", "\x00"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(TAGS), st.text(max_size=30)), max_size=60),
       st.sampled_from(["text/html", "text/html; charset=utf-16", "text/html; charset=bogus",
                        "text/html; charset=gbk", ""]))
def test_extractor_never_raises(parts: list[str], ctype: str) -> None:
    body = "".join(parts).encode("utf-8", "surrogatepass")
    ex = EX.extract(body, "http://hostile.test/x", ctype)
    assert isinstance(ex.is_listing, bool)
    for value in ex.fields.values():
        assert len(str(value)) <= 50_000


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=3000))
def test_binary_garbage(body: bytes) -> None:
    EX.extract(body, "http://hostile.test/x", "text/html")


def test_huge_page_is_truncated() -> None:
    body = b"<html><body><h1>x</h1><p>" + b"ivory " * 2_000_000 + b"</p></body></html>"
    ex = EX.extract(body, "http://hostile.test/x", "text/html")
    assert len(ex.fields.get("description", "")) <= 20_000


def test_not_html_is_not_a_listing() -> None:
    ex = EX.extract(b"\x89PNG\r\n", "http://hostile.test/x.png", "image/png")
    assert not ex.is_listing and ex.reason.startswith("not HTML")
