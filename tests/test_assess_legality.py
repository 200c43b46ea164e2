"""Legality verdicts by jurisdiction, from the rules table, with reasons and claims."""

from __future__ import annotations

from pathlib import Path

import pytest

from wildtrace.assess.legality import jurisdiction_for, load_rules, verdict
from wildtrace.errors import ConfigError, ReferencePackError
from wildtrace.identify import TaxonIdentifier, load_identifier
from wildtrace.records import Verdict


@pytest.fixture(scope="module")
def ident() -> TaxonIdentifier:
    return load_identifier()


def judge(ident: TaxonIdentifier, text: str, jurisdiction: str) -> Verdict:
    return verdict(ident.identify(text), jurisdiction, identifier=ident)


@pytest.mark.parametrize(("text", "jurisdiction", "expected", "rule"), [
    ("carved ivory bangle for sale", "CITES", "likely_illegal", "cites.app1"),
    ("carved ivory bangle for sale", "EU", "likely_illegal", "eu.ivory"),
    ("carved ivory bangle for sale", "UK", "likely_illegal", "uk.ivory_act"),
    ("carved ivory bangle for sale", "US", "likely_illegal", "us.african_elephant_ivory"),
    ("象牙手镯 出售", "CN", "likely_illegal", "cn.ivory_ban"),
    ("raw ivory whole tusk 8kg antique", "EU", "likely_illegal", "eu.ivory.raw"),
    ("rhino horn cup", "CN", "likely_illegal", "cn.rhino_tiger"),
    ("rhino horn cup", "US", "likely_illegal", "us.rhino_horn"),
    ("穿山甲片 出售", "CN", "likely_illegal", "cn.pangolin"),
    ("ball python hatchling for sale", "EU", "needs_permit", "eu.annex_b"),
    ("ball python hatchling for sale", "US", "needs_permit", "us.app2"),
    ("ball python hatchling for sale", "CN", "needs_permit", "cn.app2"),
    ("walrus ivory carving", "UK", "needs_permit", "uk.other_ivory"),
    ("walrus ivory carving", "CITES", "needs_permit", "cites.app3"),
    ("mammoth ivory pendant", "UK", "unknown", "any.not_listed"),
    ("a blue cotton shirt", "EU", "unknown", "any.no_taxon"),
])
def test_verdicts_per_jurisdiction(ident: TaxonIdentifier, text: str, jurisdiction: str,
                                   expected: str, rule: str) -> None:
    v = judge(ident, text, jurisdiction)
    assert v.verdict == expected, v
    assert rule in v.rules_fired
    assert v.jurisdiction == jurisdiction
    assert len(v.reasons) == len(v.rules_fired) and all(v.reasons)


def test_antique_claim_is_a_claim_not_proof(ident: TaxonIdentifier) -> None:
    for j, rule in (("UK", "uk.ivory_act.claimed_exemption"),
                    ("EU", "eu.ivory.claimed_antique"),
                    ("US", "us.african_elephant_ivory.claimed_antique"),
                    ("CITES", "cites.app1.claimed_exemption")):
        v = judge(ident, "Antique Victorian carved ivory figure, pre-1947", j)
        assert v.verdict == "needs_permit"  # never likely_legal on the seller's word
        assert rule in v.rules_fired
        assert "antique or pre-Convention" in v.claims
        assert any("not proof" in r for r in v.reasons)
    # The general rule an exemption replaces does not fire beside it.
    assert "uk.annex_a" not in judge(ident, "antique ivory netsuke", "UK").rules_fired


def test_looks_like_cues_and_code_words(ident: TaxonIdentifier) -> None:
    v = judge(ident, "ivory colour lace wedding dress", "UK")
    assert v.verdict == "unknown" and "any.looks_like" in v.rules_fired
    v = judge(ident, "yellow materials, serious buyers only", "CN")
    assert v.verdict == "likely_illegal"
    assert "any.code_word" in v.rules_fired
    assert any("yellow materials" in r for r in v.reasons)


def test_elephant_name_alone_is_not_ivory(ident: TaxonIdentifier) -> None:
    v = judge(ident, "wooden elephant statue", "CN")
    assert "cn.ivory_ban" not in v.rules_fired


@pytest.mark.parametrize(("location", "site", "expected"), [
    ("London, United Kingdom", "", "UK"),
    ("Paris, FR", "", "EU"),
    ("广州", "", "CN"),
    ("Brooklyn, NY, USA", "", "US"),
    ("Nairobi", "", "KE"),
    ("Atlantis", "", "CITES"),
    ("", "DE", "EU"),
    ("Fresno, California", "GB", "US"),  # the listing's location wins over the site
])
def test_jurisdiction_from_location_and_site(location: str, site: str, expected: str) -> None:
    assert jurisdiction_for(location, site) == expected


def test_user_setting_wins_and_is_checked(ident: TaxonIdentifier) -> None:
    assert jurisdiction_for("London", "", "us") == "US"
    with pytest.raises(ConfigError, match="unknown jurisdiction"):
        jurisdiction_for("", "", "Mars")
    v = verdict(ident.identify("ivory bangle"), location="Berlin, Germany", identifier=ident)
    assert v.jurisdiction == "EU"


def test_every_jurisdiction_has_rules() -> None:
    book = load_rules()
    assert {"CITES", "EU", "UK", "US", "CN", "JP", "HK"} <= set(book.jurisdictions)
    for j in book.jurisdictions:
        assert any(r.jurisdiction == j for r in book.rules)


def test_malformed_rules_file(tmp_path: Path) -> None:
    bad = tmp_path / "rules.toml"
    bad.write_text('[jurisdictions]\nCITES = "x"\n[[rule]]\nid = "a"\njurisdiction = "CITES"\n'
                   'verdict = "maybe"\nreason = "r"\n', encoding="utf-8")
    with pytest.raises(ReferencePackError, match="rule #1"):
        load_rules(bad)
    bad.write_text("not = [toml", encoding="utf-8")
    with pytest.raises(ReferencePackError, match="cannot read"):
        load_rules(bad)
