"""Golden files: each tests/pages/<site>/x.html is extracted and compared with x.json
(fields, the rule that produced each field, listing or not, language, identifiers)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wildtrace.extract.extractor import Extractor

PAGES = Path(__file__).parent / "pages"
PROFILES = Path(__file__).parent / "sites" / "profiles"
GOLDEN = sorted(PAGES.glob("*/*.html"))


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor((PROFILES,))


def test_there_are_goldens_for_every_site() -> None:
    assert {p.parent.name for p in GOLDEN} >= {"classifieds", "shop", "forum", "social",
                                               "zh", "vi"}
    for page in GOLDEN:
        assert page.with_suffix(".json").exists(), f"{page} has no golden .json"


@pytest.mark.parametrize("page", GOLDEN, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_golden(page: Path, extractor: Extractor) -> None:
    gold = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    got = extractor.extract(page.read_bytes(), gold["url"], gold["content_type"])
    assert got.is_listing == gold["is_listing"]
    assert got.language == gold["language"]
    assert got.fields == gold["fields"]
    assert got.provenance == gold["rules"]
    assert {(i.kind, i.value) for i in got.identifiers} == {
        (i["kind"], i["value"]) for i in gold["identifiers"]}


def test_rule_order_profile_before_structured_before_generic(extractor: Extractor) -> None:
    ad = extractor.extract((PAGES / "classifieds" / "ad1.html").read_bytes(),
                           "http://classifieds.test/ad/1", "text/html")
    assert ad.provenance["title"].startswith("profile:")
    shop = extractor.extract((PAGES / "shop" / "turtle-shell-bracelet.html").read_bytes(),
                             "http://shop.test/x", "text/html")
    # The page also has an OpenGraph title; JSON-LD comes first.
    assert shop.fields["title"] == "Hawksbill tortoiseshell bracelet"
    assert shop.provenance["title"] == "jsonld:Product.name"
    assert shop.provenance["images"] == "jsonld:Product.image"
    without_profiles = Extractor(())
    generic = without_profiles.extract((PAGES / "classifieds" / "ad1.html").read_bytes(),
                                       "http://classifieds.test/ad/1", "text/html")
    assert generic.provenance["title"] == "generic:h1"
    assert generic.fields["title"] == ad.fields["title"]


def test_draft_keeps_provenance_and_capture(extractor: Extractor) -> None:
    ex = extractor.extract((PAGES / "vi" / "vay-te-te.html").read_bytes(),
                           "http://vi.test/vay-te-te", "text/html")
    draft = ex.draft(source="vi.test", url="http://vi.test/vay-te-te",
                     capture_sha256="ab" * 32, capture_id=7)
    assert draft.price == 3_500_000 and draft.currency == "VND"
    assert draft.extra["capture_id"] == 7
    assert draft.extra["provenance"]["price"] == {"rule": "generic:price-element",
                                                  "capture": "ab" * 32}
    assert draft.extra["quantity"] == 5
    assert draft.identifiers and draft.identifiers[0].value == "+84903123456"
