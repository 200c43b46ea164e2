"""Risk scores, scam signals and market context."""

from __future__ import annotations

from wildtrace.assess.risk import MarketContext, assess_risk, fingerprint, scam_patterns
from wildtrace.records import Cue, Identification, TaxonMatch


def _ident(appendix: str = "", code: bool = False, covert: bool = False,
           taxa: tuple[str, ...] = ()) -> Identification:
    matches = []
    if appendix:
        matches.append(TaxonMatch("Loxodonta africana", "species", appendix, 0, 5, "ivory",
                                  "product:ivory", "product"))
    if code:
        matches.append(TaxonMatch("Loxodonta africana", "species", appendix, 6, 17,
                                  "white gold", "code_word", "code_word"))
    cues = (Cue("covert", 0, 5, "dm me", "covert"),) if covert else ()
    flags = tuple(f for f, on in (("code_word", code), ("covert", covert)) if on)
    return Identification(tuple(matches), cues, taxa or (("Loxodonta africana",)
                                                         if appendix else ()), appendix, flags)


def test_scam_patterns() -> None:
    assert scam_patterns("Payment by Western Union only") == ["advance_fee"]
    assert scam_patterns("puppy is free, you just pay the delivery") == ["shipping_fee"]
    assert "shipping_fee" in scam_patterns("send the customs fee first")
    assert scam_patterns("lovely vintage ivory brooch") == []


def test_risk_is_a_probability_that_rises_with_aggravating_evidence() -> None:
    low = assess_risk("plush toy", _ident(), 0.05)
    mid = assess_risk("ivory", _ident("II"), 0.9)
    high = assess_risk("white gold, dm me, western union", _ident("I", code=True,
                                                                  covert=True), 0.9)
    assert 0.0 <= low.score < mid.score < high.score <= 1.0
    assert "scam" in high.flags
    assert any("Appendix I" in r for r in high.reasons)
    assert any("code word" in r for r in high.reasons)
    assert any("covert" in r for r in high.reasons)


def test_price_far_below_market_and_reused_text() -> None:
    text = "Genuine tiger claw pendant, real, contact me on whatsapp for the price"
    items = [(f"listing {i} tiger claw", f"s{i}", 200.0 + i, "USD", ("Panthera tigris",))
             for i in range(6)]
    items += [(text, "alice", 20.0, "USD", ("Panthera tigris",)),
              (text, "bob", 220.0, "USD", ("Panthera tigris",))]
    ctx = MarketContext.build(items)
    ident = Identification((), (), ("Panthera tigris",), "I", ())
    r = assess_risk(text, ident, 0.9, seller="alice", price=20.0, currency="USD", context=ctx)
    assert "price_below_market" in r.flags and "reused_text" in r.flags
    fair = assess_risk(text, ident, 0.9, seller="carol", price=210.0, currency="EUR",
                       context=ctx)
    assert "price_below_market" not in fair.flags
    assert fingerprint("Tiger  CLAW, 12cm!") == fingerprint("tiger claw 9cm")


def test_legality_verdict_is_used_with_its_reason() -> None:
    def verdict(ident: Identification, location: str) -> tuple[str, str]:
        return "likely_illegal", "commercial trade in Appendix I specimens is prohibited"

    with_v = assess_risk("ivory", _ident("I"), 0.8, verdict=verdict)
    without = assess_risk("ivory", _ident("I"), 0.8)
    assert with_v.score > without.score and "likely_illegal" in with_v.flags
    assert any("prohibited" in r for r in with_v.reasons)


def test_scorer_uses_the_legality_rules() -> None:
    from wildtrace.assess.scorer import Scorer, legality_verdict
    from wildtrace.identify import load_identifier

    judge = legality_verdict("")
    assert judge is not None
    scorer = Scorer(load_identifier(), verdict=judge)
    a = scorer.assess(["Raw elephant ivory tusk for sale, whatsapp for price"])[0]
    assert a.cites == "I" and any(r.startswith("legality:") for r in a.reasons)
    assert 0.0 <= a.risk <= 1.0


def test_word_tests_never_skip_a_scam_the_regexes_find() -> None:
    # The per-branch word tests are a speed-up only: on every text they must give what
    # the two regexes alone give, including the case twins that re.IGNORECASE matches.
    import random

    from wildtrace.assess import risk

    def regexes_only(text: str) -> list[str]:
        low = text.lower()
        return ([n for n, rx in (("advance_fee", risk._ADVANCE_FEE),
                                 ("shipping_fee", risk._SHIPPING_FEE)) if rx.search(low)]
                if any(a in low for a in risk._ANCHORS) else [])

    words = ("pay via btc usdt western union money gram gift steam itunes card up-front "
             "upfront front payment advance fee fees deposit first required before just "
             "only shipping delivery customs courier charge charges free to a good home "
             "adoption the for in by with ſhipping PAY ıtunes").split()
    rng = random.Random(5)
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(2, 9)))
             for _ in range(4000)]
    texts += ["free to a good\nhome, buyer pays delivery", "ſhipping fee only",
              "Western Union accepted", "customs clearance charges apply"]
    found = 0
    for text in texts:
        assert scam_patterns(text) == regexes_only(text), text
        found += bool(regexes_only(text))
    assert found > 200  # the sample does exercise the patterns
