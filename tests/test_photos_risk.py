"""Photo species hints as one more, bounded, feature of relevance and risk (issue 17)."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest

from wildtrace.app.photos import photo_hints
from wildtrace.app.process import process, score_batch
from wildtrace.assess.photohint import RELEVANCE_BUMP, PhotoHint, bump_relevance
from wildtrace.assess.risk import WEIGHTS, assess_risk
from wildtrace.assess.scorer import Scorer
from wildtrace.identify import load_identifier
from wildtrace.records import Assessment, Listing, ListingDraft
from wildtrace.store import content_key
from wildtrace.store.photos import Finding, PhotoRow
from wildtrace.workspace import Workspace

TIGER = PhotoHint(label="tiger", taxon="Panthera tigris", confidence=0.87, cites="I",
                  group="Felidae")


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer(load_identifier())  # zero-shot, no embeddings: fast and deterministic


def _listing(text: str, lid: int = 1, seller: str = "s1") -> Listing:
    return Listing(id=lid, source="t", title=text, description="", url=f"https://x.example/{lid}",
                   price=None, currency="", seller=seller, location="", posted="",
                   language="", origin="", capture_sha256="", content_sha256="")


def _both(scorer: Scorer, text: str, *hints: PhotoHint) -> tuple[Assessment, Assessment]:
    x = _listing(text)
    [bare] = scorer.assess_listings([x])
    [seen] = scorer.assess_listings([x], photo_hints={x.id: list(hints)})
    return bare, seen


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def test_same_listing_with_and_without_a_hint(scorer: Scorer) -> None:
    bare, seen = _both(scorer, "Tiger claw pendant 925 silver", TIGER)
    assert seen.score > bare.score and seen.risk > bare.risk
    # Bounded: at most RELEVANCE_BUMP log-odds, whatever the confidence.
    assert _logit(seen.score) - _logit(bare.score) <= RELEVANCE_BUMP * 0.87 + 1e-3
    said = " | ".join(seen.reasons)
    assert "a photo looks like a tiger (0.87, a hint)" in said
    assert "CITES Appendix I" in said and "photo" not in " | ".join(bare.reasons)
    # Nothing else changed: the text's own taxa, appendix and flags are the same.
    assert (seen.taxa, seen.cites, seen.flags) == (bare.taxa, bare.cites, bare.flags)


@pytest.mark.parametrize("text", [
    "Tiger beer 24 pack cold lager, delivery same day",  # names no wildlife
    "Tiger balm ointment 30g genuine",                   # a product, not a wildlife one
])
def test_lookalike_text_with_a_hint_stays_not_relevant(scorer: Scorer, text: str) -> None:
    bare, seen = _both(scorer, text, replace(TIGER, confidence=0.99))
    assert not bare.relevant and not seen.relevant
    assert seen.score == bare.score  # no wildlife named, or a look-alike: untouched
    # The risk term still applies (a covert advert may hide the species in its picture),
    # explains itself, and stays small where the text is not an offer.
    assert any("a photo looks like a tiger (0.99, a hint)" in r for r in seen.reasons)
    assert 0 < seen.risk - bare.risk < 0.06


def test_a_toy_with_a_tiger_photo_gains_neither_relevance_nor_risk(scorer: Scorer) -> None:
    bare, seen = _both(scorer, "Cute plush tiger toy for kids", replace(TIGER, confidence=1))
    assert (seen.score, seen.risk, seen.reasons) == (bare.score, bare.risk, bare.reasons)
    assert not seen.relevant


def test_a_hint_never_makes_a_listing_relevant_on_its_own(scorer: Scorer) -> None:
    texts = ["Nice leather shoes size 42", "Selling my car, contact me",
             "Fresh vegetables every morning", "Tiger Airways cheap flights",
             "Jaguar XF 2015 for sale, low mileage", "Python programming course"]
    strong = [replace(TIGER, confidence=1.0),
              PhotoHint("African elephant", "Loxodonta africana", 1.0, "I/II", "Elephantidae")]
    for text in texts:
        bare, seen = _both(scorer, text, *strong)
        assert not seen.relevant, text
        assert seen.score == bare.score, text  # the text names no wildlife: no bump at all


def test_a_species_hidden_in_the_picture_raises_risk_not_relevance(scorer: Scorer) -> None:
    bare, seen = _both(scorer, "Rare item, real not fake, PM me for price", TIGER)
    assert seen.score == bare.score and not seen.relevant
    assert seen.risk > bare.risk


def test_bump_needs_wildlife_in_the_text_and_no_lookalike() -> None:
    hints = [TIGER]
    assert bump_relevance(0.3, {}, hints) == (0.3, "")
    assert bump_relevance(0.3, {"taxon_name": 1.0, "cue_print": 1.0}, hints) == (0.3, "")
    # An embedding that reads the text as a look-alike blocks it too.
    assert bump_relevance(0.3, {"taxon_name": 1.0}, hints, margin=-0.2) == (0.3, "")
    p, why = bump_relevance(0.3, {"taxon_name": 1.0}, hints, margin=0.1,
                            taxa=("Panthera tigris",))
    assert 0.3 < p < 0.4 and why.startswith("+ a photo looks like a tiger")
    # Names wildlife, but no taxon the photo could corroborate: no bump.
    assert bump_relevance(0.3, {"product_term": 1.0}, hints) == (0.3, "")


def test_the_bump_is_bounded_and_never_crosses_the_threshold() -> None:
    ev = {"taxon_name": 1.0}
    for i in range(1, 100):
        p = i / 100
        new, why = bump_relevance(p, ev, [replace(TIGER, confidence=1.0)],
                                  taxa=("Panthera tigris",), threshold=0.5)
        assert new >= p
        assert _logit(new) - _logit(p) <= RELEVANCE_BUMP + 1e-9
        assert (new >= 0.5) == (p >= 0.5), p
        assert ("held just below" in why) == (p < 0.5 and _logit(p) + RELEVANCE_BUMP
                                              >= _logit(0.5)), p


def test_a_stamp_of_the_animal_stays_not_relevant(scorer: Scorer) -> None:
    # A stamp shows the animal, so the classifier would say "snow leopard"; the text alone
    # scores it near the line, and the photo may lift it, never across.
    text = "JERSEY, CAT, Snow leopard, Panthera uncia, grey 1984, 12p on eBid"
    hint = PhotoHint("snow leopard", "Panthera uncia", 0.95, "I", "Felidae")
    bare, seen = _both(scorer, text, hint)
    assert not bare.relevant and not seen.relevant
    assert bare.score <= seen.score < scorer.threshold


def test_the_photo_must_show_what_the_text_names(scorer: Scorer) -> None:
    # A tiger photo corroborates a leopard skin (same genus), not a shark tooth or bear
    # bile; the risk term (an Appendix I look) applies to all three.
    for text, moves in (("Leopard skin coat, real, for sale", True),
                        ("Shark teeth for sale, genuine", False),
                        ("Bear gall bladder for sale", False)):
        bare, seen = _both(scorer, text, TIGER)
        assert (seen.score > bare.score) is moves, text
        assert seen.risk > bare.risk, text
    shark = PhotoHint("great white shark", "Carcharodon carcharias", 0.8, "II",
                      "Elasmobranchii")
    bare, seen = _both(scorer, "Shark teeth for sale, genuine", shark)
    assert seen.score > bare.score


def test_weak_hints_and_unlisted_taxa_add_no_risk(scorer: Scorer) -> None:
    text = "Tiger tooth for sale, genuine"
    bare, _ = _both(scorer, text)
    # Below the classifier's own thresholds (0.20 for a class, 0.35 for a group): ignored.
    _, weak = _both(scorer, text, replace(TIGER, confidence=0.15),
                    PhotoHint("Felidae", "Felidae", 0.30, "I", "Felidae", group_only=True))
    assert (weak.score, weak.risk) == (bare.score, bare.risk)
    # A confident hint of a taxon with only some species listed moves relevance, not risk.
    turtle = PhotoHint("mud turtle", "Kinosternidae", 0.9, "some", "Testudines")
    r = assess_risk(text, load_identifier().identify(text), 0.8, photo_hints=[turtle])
    assert not any("photo" in x for x in r.reasons)


def test_many_photos_of_one_animal_weigh_as_one(scorer: Scorer) -> None:
    text = "Tiger tooth for sale, genuine"
    _, one = _both(scorer, text, TIGER)
    _, ten = _both(scorer, text, *([replace(TIGER, confidence=0.5)] * 9 + [TIGER]))
    assert (one.score, one.risk) == (ten.score, ten.risk)
    ident = load_identifier().identify(text)
    base = assess_risk(text, ident, 0.5)
    split = assess_risk(text, ident, 0.5, photo_hints=[replace(TIGER, cites="I/II")])
    full = assess_risk(text, ident, 0.5, photo_hints=[TIGER])
    assert base.score < split.score < full.score  # I/II counts as II
    assert WEIGHTS["photo_appendix_I"] < WEIGHTS["appendix_I"]  # weaker than the text's


def _stored(ws: Workspace, title: str, *, images: bool = True) -> int:
    draft = ListingDraft(source="shop.example", title=title, description="",
                         seller="s", url=f"https://shop.example/{title}",
                         extra={"images": ["https://shop.example/a.jpg"]} if images else {})
    ws.store.add_listings([(draft, content_key(draft))])
    return next(x.id for x in ws.store.iter_listings() if x.title == title)


def _hint_row(ws: Workspace, lid: int, confidence: float, url: str = "a.jpg") -> None:
    pid = ws.store.photos.add(PhotoRow(lid, f"https://shop.example/{url}", "stored",
                                       sha256="0" * 64, media_type="image/jpeg"))
    ws.store.photos.add_findings([Finding(
        pid, "species", "test-engine", "Panthera tigris", label="tiger",
        confidence=confidence, detail={"group": "Felidae", "cites": "I",
                                       "imagenet_class": 292})])


def test_process_reads_hints_from_the_workspace(ws: Workspace) -> None:
    with_hint = _stored(ws, "Tiger claw pendant 925 silver")
    without = _stored(ws, "Tiger claw pendant, 925 silver")
    _hint_row(ws, with_hint, 0.6)
    _hint_row(ws, with_hint, 0.87)  # a second photo: only the best hint counts
    listings = list(ws.store.iter_listings())
    hints = photo_hints(ws, listings)
    assert set(hints) == {with_hint} and max(h.confidence for h in hints[with_hint]) == 0.87
    process(ws)
    rows = {r["id"]: r for r in ws.store.latest_assessments()}
    reasons = rows[with_hint]["reasons"]
    said = " | ".join(json.loads(reasons) if isinstance(reasons, str) else reasons)
    assert "a photo looks like a tiger (0.87, a hint)" in said
    assert rows[with_hint]["risk"] > rows[without]["risk"]
    assert rows[with_hint]["score"] > rows[without]["score"]


def test_hint_reader_distrusts_odd_rows_and_skips_text_only_listings(ws: Workspace) -> None:
    odd = _stored(ws, "Tiger claw pendant")
    _hint_row(ws, odd, 7.5)  # not a probability: never moves a score
    plain = _stored(ws, "Tiger tooth", images=False)
    _hint_row(ws, plain, 0.9)  # no photos named by its extraction: not looked up
    assert photo_hints(ws, list(ws.store.iter_listings())) == {}


def test_score_batch_passes_hints_the_dask_path_does_not(scorer: Scorer) -> None:
    # Dask workers call score_batch without hints (documented in app/process.py): the
    # same batch then scores as it does with no photos at all.
    x = _listing("Tiger claw pendant 925 silver", lid=5)
    bare = score_batch(scorer, [x], 10_000)
    seen = score_batch(scorer, [x], 10_000, hints={5: [TIGER]})
    assert seen.assessments[0].risk > bare.assessments[0].risk
    assert bare.assessments[0] == scorer.assess_listings([x])[0]
