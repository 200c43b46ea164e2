"""Risk of a listing: how urgently it deserves an analyst's eyes, 0–1, with reasons.

Risk builds on relevance (a listing that is not a real wildlife offer carries little
risk) and adds what raises the stakes: the CITES appendix of the taxa, the legality
verdict where the legality rules give one, code words and covert phrasing, intent to
sell, and scam signals (advance-fee and shipping-fee patterns, a price far below the
market for the taxon, and the same text reused by unrelated sellers). A species hint
from the listing's photos adds one small term when it looks like an Appendix I or II taxon
(:mod:`.photohint`: a hint, weighted by its confidence, never a verdict).

The weights are set by hand from what enforcement guidance treats as aggravating, and are
listed in :data:`WEIGHTS` so every score can be explained term by term. There are no
labelled risk data to fit them to, so risk is an ordering, not a measured probability.
"""

from __future__ import annotations

import hashlib
import math
import re
import statistics
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from wildtrace.assess.evidence import evidence_of
from wildtrace.assess.photohint import PhotoHint, best_hint, says_lookalike
from wildtrace.records import Identification

WEIGHTS: dict[str, float] = {
    "bias": -3.2,
    "relevance": 3.2,  # times the relevance probability
    "appendix_I": 1.6,
    "appendix_II": 0.8,
    "appendix_III": 0.4,
    "likely_illegal": 1.6,  # the legality rules' verdict
    "needs_permit": 0.7,
    "code_word": 1.0,
    "covert": 0.9,
    "intent_sell": 0.4,
    "scam": 0.6,
    "price_below_market": 0.5,
    "reused_text": 0.5,
    # times the confidence of the listing's best photo hint ("I/II", a split listing,
    # counts as II: the photo cannot tell which population)
    "photo_appendix_I": 0.5,
    "photo_appendix_II": 0.25,
}

_ADVANCE_FEE = re.compile(
    r"western\s*union|money\s*gram|gift\s*cards?|itunes\s*cards?|steam\s*cards?|"
    r"(?:pay|payment)\s+(?:in\s+)?advance|advance\s+(?:payment|fee)|up-?front\s+payment|"
    r"(?:refundable\s+)?deposit\s+(?:first|required|before)|pay\s+(?:via|by|with)\s+"
    r"(?:bitcoin|btc|usdt|crypto)", re.I)
_SHIPPING_FEE = re.compile(
    r"(?:shipping|delivery|customs|clearance|insurance|transport|courier)\s+"
    r"(?:fee|fees|charge|charges)\b|"
    r"(?:just|only)\s+pay\s+(?:for\s+)?(?:the\s+)?(?:shipping|delivery|transport)|"
    r"free\s+(?:to\s+a\s+good\s+home|adoption).{0,40}(?:shipping|delivery)", re.I)

# A price below this fraction of the taxon's median (same currency) is "far below".
BELOW_MARKET = 0.25
MIN_MARKET_SAMPLES = 5


# Every pattern above contains one of these words: a cheap test that skips the regexes
# for the great majority of texts.
_ANCHORS = ("union", "gram", "card", "advance", "front", "deposit", "bitcoin", "btc", "usdt",
            "crypto", "fee", "charge", "pay", "adoption", "good home")
# Tighter tests, one per pattern and branch: words that any match of that branch must
# contain. Words such as "pay", "card" and "fee" are common in long product texts, where
# running the two regexes (which try every branch at every position) used to cost more
# than the rest of assess together.
_FEE_SUBJECTS = ("shipping", "delivery", "customs", "clearance", "insurance", "transport",
                 "courier")
# Under re.IGNORECASE, "ı" matches "i" and "ſ" matches "s" in a lower-cased text: with
# either present, the word tests could miss a match the regexes find, so they are skipped.
_CASE_TWINS = ("ı", "ſ")


def _may_be_advance_fee(low: str) -> bool:
    # One clause per branch of _ADVANCE_FEE, in its order.
    return (("western" in low and "union" in low) or ("money" in low and "gram" in low)
            or ("card" in low and ("gift" in low or "itunes" in low or "steam" in low))
            or ("advance" in low and ("pay" in low or "fee" in low))
            or ("front" in low and "up" in low and "pay" in low)
            or ("deposit" in low and ("first" in low or "required" in low
                                      or "before" in low))
            or ("pay" in low and any(w in low for w in ("bitcoin", "btc", "usdt", "crypto"))))


def _may_be_shipping_fee(low: str) -> bool:
    # One clause per branch of _SHIPPING_FEE, in its order.
    if ("fee" in low or "charge" in low) and any(w in low for w in _FEE_SUBJECTS):
        return True
    if "pay" in low and ("just" in low or "only" in low):
        return True
    return "free" in low and ("adoption" in low or ("good" in low and "home" in low)) and (
        "shipping" in low or "delivery" in low)


def scam_patterns(text: str) -> list[str]:
    """Names of the advance-fee / shipping-fee patterns found in ``text``."""
    low = text.lower()
    if not any(a in low for a in _ANCHORS):
        return []
    exact = any(c in low for c in _CASE_TWINS)
    found = []
    if (exact or _may_be_advance_fee(low)) and _ADVANCE_FEE.search(low):
        found.append("advance_fee")
    if (exact or _may_be_shipping_fee(low)) and _SHIPPING_FEE.search(low):
        found.append("shipping_fee")
    return found


def fingerprint(text: str) -> str:
    """A hash of the text's word sequence, blind to case, punctuation and numbers."""
    words = re.findall(r"[^\W\d_]{2,}", text.lower())
    return hashlib.blake2b(" ".join(words[:400]).encode(), digest_size=12).hexdigest()


@dataclass
class MarketContext:
    """What is known about other listings: prices per taxon, sellers per text."""

    prices: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    sellers_by_text: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, items: Sequence[tuple[str, str, float | None, str, Sequence[str]]]
              ) -> MarketContext:
        """From (text, seller, price, currency, taxa) tuples of a batch or workspace."""
        prices: dict[tuple[str, str], list[float]] = defaultdict(list)
        sellers: dict[str, set[str]] = defaultdict(set)
        for text, seller, price, currency, taxa in items:
            if seller and len(text) >= 40:
                sellers[fingerprint(text)].add(seller.strip().lower())
            if price is not None and price > 0 and currency:
                for taxon in taxa:
                    prices[(taxon, currency)].append(float(price))
        return cls(dict(prices), dict(sellers))

    def below_market(self, taxa: Sequence[str], price: float | None,
                     currency: str) -> str | None:
        """The taxon whose market median this price is far below, if any."""
        if price is None or price <= 0 or not currency:
            return None
        for taxon in taxa:
            seen = self.prices.get((taxon, currency), [])
            if len(seen) >= MIN_MARKET_SAMPLES:
                median = statistics.median(seen)
                if price < BELOW_MARKET * median:
                    return f"{taxon}: {price:g} {currency} vs median {median:g}"
        return None

    def reused_by(self, text: str, seller: str) -> int:
        """How many other sellers posted the same text."""
        if len(text) < 40:
            return 0
        others = self.sellers_by_text.get(fingerprint(text), set())
        return len(others - {seller.strip().lower()})


@dataclass(frozen=True)
class RiskResult:
    """A risk score with the flags and reasons that produced it."""

    score: float
    flags: tuple[str, ...]
    reasons: tuple[str, ...]


# (identification, listing location) -> (verdict, reason) or None when no rule applies.
Verdict = Callable[[Identification, str], tuple[str, str] | None]


def assess_risk(text: str, ident: Identification, relevance: float, *,
                seller: str = "", price: float | None = None, currency: str = "",
                location: str = "", context: MarketContext | None = None,
                verdict: Verdict | None = None,
                photo_hints: Sequence[PhotoHint] = ()) -> RiskResult:
    """Risk 0–1 of one listing, with flags and human-readable reasons."""
    z = WEIGHTS["bias"] + WEIGHTS["relevance"] * relevance
    flags: list[str] = []
    reasons: list[str] = []
    if ident.cites in ("I", "II", "III"):
        z += WEIGHTS[f"appendix_{ident.cites}"]
        listed = [m.taxon for m in ident.matches if m.appendix == ident.cites]
        reasons.append(f"CITES Appendix {ident.cites}: {', '.join(sorted(set(listed))[:3])}")
    if verdict is not None and ident.taxa:
        got = verdict(ident, location)
        if got is not None:
            status, why = got
            if status in ("likely_illegal", "needs_permit"):
                z += WEIGHTS[status]
                flags.append(status)
            reasons.append(f"legality: {status.replace('_', ' ')}: {why}")
    codes = [m.matched for m in ident.matches if m.kind == "code_word"]
    if codes or "code_word" in ident.flags:
        z += WEIGHTS["code_word"]
        reasons.append("code word: " + ", ".join(sorted(set(codes))[:3]))
    cue_kinds = {c.kind for c in ident.cues}
    if "covert" in cue_kinds or "covert" in ident.flags:
        z += WEIGHTS["covert"]
        phrases = [c.matched for c in ident.cues if c.kind == "covert"]
        reasons.append("covert phrasing: " + ", ".join(sorted(set(phrases))[:3]))
    if "intent_sell" in cue_kinds:
        z += WEIGHTS["intent_sell"]
        reasons.append("offers to sell")
    scams = scam_patterns(text) + (["identify"] if "scam" in cue_kinds else [])
    if scams:
        z += WEIGHTS["scam"]
        flags.append("scam")
        reasons.append("scam signal: " + ", ".join(s.replace("_", "-") for s in scams))
    if context is not None:
        low = context.below_market(ident.taxa, price, currency)
        if low:
            z += WEIGHTS["price_below_market"]
            flags.append("price_below_market")
            reasons.append(f"price far below market ({low})")
        reused = context.reused_by(text, seller)
        if reused:
            z += WEIGHTS["reused_text"]
            flags.append("reused_text")
            reasons.append(f"same text posted by {reused} other seller(s)")
    hint = best_hint(photo_hints)
    appendix = {"I": "I", "II": "II", "I/II": "II"}.get(hint.cites) if hint else None
    if hint is not None and appendix is not None and not says_lookalike(evidence_of(ident)):
        z += WEIGHTS[f"photo_appendix_{appendix}"] * min(hint.confidence, 1.0)
        reasons.append(f"{hint.describe()}: CITES Appendix {hint.cites}")
    score = 1.0 / (1.0 + math.exp(-z))
    return RiskResult(round(score, 4), tuple(flags), tuple(reasons))
