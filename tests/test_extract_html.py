"""Decoding and parsing hostile HTML, prices with multipliers, language detection."""

from __future__ import annotations

import pytest

from wildtrace.extract.generic import parse_price_text
from wildtrace.extract.html import decode_html, lines_of, parse_html
from wildtrace.extract.language import detect_language

VI = "<html><body><h1>Bán vảy tê tê</h1><p>Giá 3 triệu</p></body></html>"


def test_declared_latin1_but_utf8_is_overruled() -> None:
    d = decode_html(VI.encode("utf-8"), "text/html; charset=iso-8859-1")
    assert "vảy tê tê" in d.text and d.how == "header-overruled-utf8"


def test_header_beats_meta_and_meta_is_used_without_header() -> None:
    body = "<meta charset='gbk'><p>象牙</p>".encode("gbk")
    assert "象牙" in decode_html(body, "text/html").text
    assert decode_html(body, "text/html").how == "meta"
    assert "象牙" in decode_html(body, "text/html; charset=gbk").text


def test_missing_charset_is_detected() -> None:
    body = ("<html><body><p>" + "犀牛角杯一只，雕工精美，价格：120000元。" * 5 +
            "</p></body></html>").encode("gb18030")
    d = decode_html(body, "text/html")
    assert "犀牛角杯" in d.text and d.how == "detected"


def test_bom_wins() -> None:
    assert decode_html(b"\xef\xbb\xbf<p>\xc3\xa9</p>", "text/html; charset=latin-1").how == "bom"


@pytest.mark.parametrize("junk", [b"", b"\x00\x00\x00", b"<", b"<?xml version='1.0'?><a>",
                                  b"<div>" * 5000, bytes(range(256)) * 10])
def test_parser_never_raises(junk: bytes) -> None:
    root = parse_html(decode_html(junk).text)
    assert root is not None
    lines_of(root)


def test_lines_split_at_blocks_and_survive_deep_nesting() -> None:
    root = parse_html("<div>Seller: <a href='/u/x'>x</a></div><div>Location: Hanoi</div>"
                      + "<div>" * 250 + "deep" + "</div>" * 250)
    lines = lines_of(root)
    assert "Location: Hanoi" in lines and "deep" in lines


@pytest.mark.parametrize("text,amount,currency", [
    ("Giá: 45 triệu", 45_000_000, "VND"), ("500k đ", 500_000, "VND"),
    ("8 juta rupiah", 8_000_000, "IDR"), ("¥2万", 20_000, "CNY"),
    ("US $1,250.00", 1250, "USD"), ("€ 900", 900, "EUR"), ("Rp 8.000.000", 8_000_000, "IDR"),
])
def test_prices(text: str, amount: float, currency: str) -> None:
    assert parse_price_text(text) == (amount, currency)


@pytest.mark.parametrize("text,lang", [
    ("出售老象牙手镯，包老保真", "zh"), ("Bán vảy tê tê khô loại 1, giá liên hệ", "vi"),
    ("Carved ivory bangle for sale, contact the seller", "en"),
    ("象牙の根付を売ります", "ja"), ("งาช้างแท้ ราคาถูก", "th"),
    ("Jual gading gajah asli, harga nego, hubungi kami", "id"),
])
def test_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_language_too_little_text_falls_back_to_hint() -> None:
    assert detect_language("42", "vi-VN") == "vi"
