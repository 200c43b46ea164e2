"""What the fuzzers found (``make fuzz``), as regression tests that fail until the bug is
fixed. Each reproducer lies in ``fuzz/findings/<harness>/``; when a fix lands, the strict
xfail turns into a failure here: drop the marker, copy the reproducer into
``fuzz/corpus/<harness>/`` so every fuzz run starts from it, and delete its entry in
``fuzz/fuzzknown.py`` so the fuzzers stop passing over it."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from wildtrace.collect.archive import warc_pages
from wildtrace.collect.importer import import_file
from wildtrace.errors import InputError
from wildtrace.extract.extractor import Extractor
from wildtrace.extract.identifiers import find_identifiers, normalise
from wildtrace.records import Page, RowError
from wildtrace.workspace import Workspace

pytest.importorskip("fastapi", reason="the web extra is not installed")
from web_seed import WebEnv, make_env  # noqa: E402

FINDINGS = Path(__file__).resolve().parent.parent / "fuzz" / "findings"
GOOD = b'{"title": "Carved ivory bangle", "description": "old stock"}\n'


def _jsonl(tmp_path: Path, finding: str) -> Path:
    """A JSON Lines file: a good row, the finding's row, another good row."""
    bad = (FINDINGS / "fuzz_import_jsonl" / finding).read_bytes()
    path = tmp_path / finding
    path.write_bytes(GOOD + bad.rstrip(b"\n") + b"\n" + GOOD.replace(b"old", b"new"))
    return path


def test_deeply_nested_jsonl_row_is_a_row_error(ws: Workspace, tmp_path: Path) -> None:
    res = import_file(ws.store, _jsonl(tmp_path, "deep-nesting.jsonl"), fmt="jsonl")
    assert res.imported == 2 and [e.row for e in res.errors] == [2]


def test_huge_number_jsonl_row_is_a_row_error(ws: Workspace, tmp_path: Path) -> None:
    res = import_file(ws.store, _jsonl(tmp_path, "huge-number.jsonl"), fmt="jsonl")
    assert res.imported == 2 and [e.row for e in res.errors] == [2]


def test_lone_surrogate_in_jsonl_keeps_the_good_rows(ws: Workspace, tmp_path: Path) -> None:
    res = import_file(ws.store, _jsonl(tmp_path, "lone-surrogate.jsonl"), fmt="jsonl")
    assert res.imported + len(res.errors) == 3 and res.imported >= 2


# Found by fuzzing; fixed.
def test_warc_record_with_a_bad_status_line_loses_no_pages() -> None:
    data = (FINDINGS / "fuzz_archive" / "bad-status.warc").read_bytes()
    items = list(warc_pages(io.BytesIO(data), Path("bad-status.warc"), "0" * 64))
    pages = [i for i in items if isinstance(i, Page)]
    # Two HTML responses: the damaged one (kept or reported) and the good one after it.
    assert len(pages) + sum(isinstance(i, RowError) for i in items) == 2
    assert any(p.url == "https://shop.example/zh" for p in pages)


# Found by fuzzing; fixed.
def test_page_with_an_unsplittable_url_still_extracts() -> None:
    data = (FINDINGS / "fuzz_extract_html" / "og-image-bad-ipv6.html").read_bytes()[1:]
    ex = Extractor().extract(data, "https://chirper.example/p/1", "text/html")
    assert ex.fields.get("title")
    small = (b'<meta property="og:title" content="Parrots">'
             b'<meta property="og:image" content="https://img].example/p.jpg">')
    assert Extractor().extract(small, "https://shop.example/1", "text/html").fields["title"]


# Found by fuzzing; fixed.
def test_profile_urls_with_a_scheme_in_the_path_are_canonical() -> None:
    text = (FINDINGS / "fuzz_identifiers" / "scheme-in-path.txt").read_bytes()[1:].decode()
    later = [(FINDINGS / "fuzz_identifiers" / name).read_bytes()[1:].decode(
        "utf-8", "surrogateescape") for name in ("later-scheme.txt",
                                                 "profile-php-later-scheme.txt")]
    for t in (text, "www.facebook.com/a://b", *later):
        for ident in find_identifiers(t, "ZZ"):
            assert normalise(ident.kind, ident.value) == ident.value, ident


def test_csv_misread_as_utf16_is_an_input_error_not_a_crash(ws: Workspace,
                                                             tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes((FINDINGS / "fuzz_import_csv" / "nul-bytes-misread-as-utf16.csv")
                     .read_bytes())
    try:
        res = import_file(ws.store, path, fmt="csv")
    except InputError:
        return
    assert all(isinstance(e, RowError) for e in res.errors)


# Found by fuzzing (a 19-byte JSONL file taken for UTF-16-LE raised UnicodeDecodeError);
# fixed in tabular's encoding detection while the fuzzers were being written.
def test_jsonl_misread_as_utf16_is_an_input_error_not_a_crash(ws: Workspace,
                                                               tmp_path: Path) -> None:
    path = tmp_path / "odd.jsonl"
    path.write_bytes((FINDINGS / "fuzz_import_jsonl" / "misread-as-utf16.jsonl").read_bytes())
    try:
        res = import_file(ws.store, path, fmt="jsonl")
    except InputError:
        return
    assert all(isinstance(e, RowError) for e in res.errors)


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebEnv]:
    env = make_env(tmp_path_factory.mktemp("findings") / "ws")
    yield env
    env.ws.close()


# Found by the stateful run (positive_data_acceptance): the route refused appendix values
# the schema allowed; the schema now publishes the route's rule.
def test_queue_appendix_filter_is_published_as_the_values_it_accepts(web: WebEnv) -> None:
    client = web.client()
    params = client.get("/openapi.json").json()["paths"]["/api/queue"]["get"]["parameters"]
    schema = next(p["schema"] for p in params if p["name"] == "appendix")
    allowed = {v for v in ("", "I", "II", "III", "S", "IV", "i")
               if v in schema.get("enum", [v]) and re.fullmatch(schema.get("pattern", ".*"), v)}
    assert allowed == {"", "I", "II", "III"}, schema


# Found by fuzzing; fixed.
def test_takedown_csv_for_a_non_latin_platform_name(web: WebEnv) -> None:
    from fastapi.testclient import TestClient

    client, headers = TestClient(web.app, raise_server_exceptions=False), web.token("ana")
    case = client.post("/api/cases", json={"title": "fuzz"}, headers=headers).json()
    resp = client.get(f"/api/cases/{case['id']}/takedown.csv", params={"platform": "象牙"},
                      headers=headers)
    assert resp.status_code < 500, resp.text


# Found by fuzzing; fixed.
def test_listing_search_with_a_nul_byte(web: WebEnv) -> None:
    from fastapi.testclient import TestClient

    client, headers = TestClient(web.app, raise_server_exceptions=False), web.token("ana")
    for q in ("ivory\x00", "x\x00y"):
        resp = client.get("/api/listings", params={"q": q}, headers=headers)
        assert resp.status_code < 500, (q, resp.text)


# Found by fuzzing; fixed: a response whose Content-Type names "html" only in a parameter
# ("texd...; html") was handed on as a page with a non-HTML media type.
def test_a_warc_response_is_a_page_only_when_its_media_type_is_html() -> None:
    data = (FINDINGS / "fuzz_archive" / "html-only-in-a-parameter.warc").read_bytes()
    try:
        items = list(warc_pages(io.BytesIO(data), Path("odd.warc"), "0" * 64))
    except Exception:  # noqa: BLE001 - a damaged archive may stop the reader; that is allowed
        return
    assert all("html" in i.media_type for i in items if isinstance(i, Page))


# Found by fuzzing (CI, 2026-12-01); fixed.
def test_phone_readings_never_exceed_fifteen_digits() -> None:
    data = (FINDINGS / "fuzz_identifiers" / "phone-longer-than-e164.txt").read_bytes()
    text = data[1:].decode("utf-8", "surrogateescape")
    phones = [i.value for i in find_identifiers(text, "ZZ") if i.kind in ("phone", "whatsapp")]
    assert phones, "the +84 number in the text is still found"
    assert all(re.fullmatch(r"\+[1-9][0-9]{5,14}", p) for p in phones), phones


def test_lone_surrogate_reaches_the_language_detector_without_a_crash() -> None:
    from wildtrace.extract.language import detect_language, detect_languages
    from wildtrace.identify import load_identifier

    data = (FINDINGS / "fuzz_identify" / "lone-surrogate-lingua.txt").read_bytes()
    text = data.decode("utf-8", "surrogateescape")
    assert "\udca9" in text
    assert detect_language(text) == "en"
    assert detect_languages([text, "Bán ngà voi"])[0] == "en"
    assert load_identifier().identify(text).matches  # "elephant ivory" is still read


# Found by fuzzing (CI, 2026-12-01); fixed.
def test_structured_currency_is_kept_only_as_an_iso_code() -> None:
    data = (FINDINGS / "fuzz_extract_html" / "lowercase-jsonld-currency.html").read_bytes()[1:]
    ex = Extractor().extract(data, "https://shop.example/item/1", "text/html")
    assert ex.fields.get("currency", "USD") == "USD"  # "usd" upper-cased, never kept as is
    page = ('<script type="application/ld+json">{"@type": "Product", "name": "Ivory bangle", '
            '"offers": {"price": "450", "priceCurrency": "%s"}}</script>')
    for written, kept in (("usd", "USD"), (" eur ", "EUR"), ("$$", None), ("12", None)):
        fields = Extractor().extract((page % written).encode(), "https://shop.example/1",
                                     "text/html").fields
        assert fields.get("currency") == kept, (written, fields.get("currency"))
