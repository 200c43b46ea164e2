"""The zero-shot relevance rules on identify's evidence (no embeddings)."""

from __future__ import annotations

import pytest

from wildtrace.assess.batch import analyse
from wildtrace.assess.evidence import FEATURES, evidence_of
from wildtrace.assess.zeroshot import WEIGHTS, ZeroShot
from wildtrace.identify import TaxonIdentifier, load_identifier


@pytest.fixture(scope="module")
def ident() -> TaxonIdentifier:
    return load_identifier()


def _p(ident: TaxonIdentifier, *texts: str) -> list[float]:
    return [float(x) for x in ZeroShot().proba(analyse(list(texts), ident, None))]


def test_every_weight_names_an_evidence_feature() -> None:
    assert set(WEIGHTS) <= set(FEATURES)


def test_offer_beats_the_same_product_in_news(ident: TaxonIdentifier) -> None:
    offer, news = _p(ident, "Carved ivory netsuke for sale, estimate £500",
                     "Customs seized and destroyed 2 tonnes of poached ivory, the ban works")
    assert offer >= 0.5 > news


def test_colour_ivory_is_not_relevant(ident: TaxonIdentifier) -> None:
    (p,) = _p(ident, "Yellow and Ivory Blazer, size 12")
    assert p < 0.5


def test_specimen_listing_with_family_name_is_relevant(ident: TaxonIdentifier) -> None:
    with_family, without = _p(ident, "Insects, Cerambycidae sp. Vietnam North",
                              "Insects, sp. Vietnam North")
    assert with_family >= 0.5 > without


def test_negated_replica_raises_the_score(ident: TaxonIdentifier) -> None:
    real, fake = _p(ident, "rhino horn cup, not resin", "rhino horn cup, resin")
    assert real > fake
    assert "cue_authenticity" in evidence_of(ident.identify("rhino horn cup, not resin"))
