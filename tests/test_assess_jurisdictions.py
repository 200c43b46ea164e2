"""The law where the trade is: jurisdictions inferred from a listing, and the hand-written
cases of ``tests/data/legality_cases.csv`` (text, location, URL, currency → jurisdiction,
verdict, the rule that must fire) checked one by one."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from wildtrace.assess.legality import infer_jurisdiction, load_rules, verdict
from wildtrace.errors import ReferencePackError
from wildtrace.identify import TaxonIdentifier, load_identifier

CASES = Path(__file__).parent / "data" / "legality_cases.csv"
NEW = {"VN", "TH", "ID", "MY", "PH", "JP", "HK", "SG", "IN", "BR", "ZA", "KE", "NG", "AU"}


def _cases() -> list[dict[str, str]]:
    with CASES.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def ident() -> TaxonIdentifier:
    return load_identifier()


@pytest.mark.parametrize("case", _cases(), ids=lambda c: f"{c['jurisdiction']}:{c['rule']}")
def test_hand_written_cases(ident: TaxonIdentifier, case: dict[str, str]) -> None:
    v = verdict(ident.identify(case["text"]), location=case["location"], url=case["url"],
                currency=case["currency"], identifier=ident)
    assert v.jurisdiction == case["jurisdiction"], (case, v.jurisdiction_reason)
    assert v.verdict == case["verdict"], (case, v)
    assert case["rule"] in v.rules_fired, (case, v.rules_fired)
    assert v.jurisdiction_reason


def test_every_new_jurisdiction_has_cases_rules_and_sources() -> None:
    seen = Counter(c["jurisdiction"] for c in _cases())
    book = load_rules()
    assert NEW <= set(book.jurisdictions)
    for j in NEW:
        assert seen[j] >= 2, j
        assert any(r.jurisdiction == j for r in book.rules), j
        # the description names the statute and its year
        assert any(ch.isdigit() for ch in book.jurisdictions[j]), j


def test_japanese_domestic_ivory_is_not_judged_by_the_trade_ban(ident: TaxonIdentifier) -> None:
    v = verdict(ident.identify("象牙 バングル"), location="東京都渋谷区", identifier=ident)
    assert v.jurisdiction == "JP"
    assert v.verdict != "likely_illegal"
    assert "cites.app1" not in v.rules_fired and "jp.app1" not in v.rules_fired
    assert "registration" in " ".join(v.reasons)
    # the same bangle with no place named falls back to CITES' international rules
    assert verdict(ident.identify("象牙 バングル"), identifier=ident).verdict == "likely_illegal"


@pytest.mark.parametrize(("kwargs", "expected", "why"), [
    ({"location": "Tokyo", "url": "https://item.taobao.com/x", "currency": "THB"}, "JP",
     "listing location 'Tokyo'"),
    ({"url": "https://item.taobao.com/x", "currency": "THB"}, "CN", "marketplace taobao.com"),
    ({"url": "https://shop.example.vn/x", "currency": "THB"}, "VN",
     "country-code domain of shop.example.vn"),
    ({"url": "https://shop.example.com/x", "currency": "thb"}, "TH", "price in THB"),
    ({"site_country": "KE", "currency": "NGN"}, "KE", "site country 'KE'"),
    ({"url": "http://[broken", "currency": "USD"}, "CITES", "no location"),
    ({"url": "https://evil-taobao.com/x"}, "CITES", "no location"),  # not a subdomain
    ({"location": "x" * 100_000}, "CITES", "no location"),
])
def test_order_and_reason_of_the_hints(kwargs: dict[str, str], expected: str,
                                       why: str) -> None:
    juris, reason = infer_jurisdiction(**kwargs)
    assert juris == expected
    assert reason.startswith(why)


def test_tables_naming_an_unknown_jurisdiction_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "rules.toml"
    bad.write_text('[jurisdictions]\nCITES = "x"\n[platforms]\nXX = ["shop.example"]\n',
                   encoding="utf-8")
    with pytest.raises(ReferencePackError, match=r"\[platforms\].*XX"):
        load_rules(bad)
