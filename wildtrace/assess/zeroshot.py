"""Zero-shot relevance: is this a real wild animal or plant, or a product from one, on offer?

No labels needed. Identify's evidence (taxon names, product terms such as ivory or shark
fin, code words, product forms, intent to sell) pushes the logit up; its look-alike cues
(replica, toy, print, stamp, colour words, fossil, news/advocacy) push it down. The
weights are set by hand, each with a reason, in :data:`WEIGHTS`. Where the ``[embed]``
extra is on, the text's sentence embedding adds the margin between its similarity to
our own prototype offers and to prototype look-alikes (:mod:`.prototypes`).

The prototypes are English. A multilingual encoder (multilingual-e5-small) places a
Vietnamese or Thai offer near them as it would an English one, so its margin counts for
every text. The English-only fallback (all-MiniLM-L6-v2) pulls every non-English text
towards the look-alikes (it reads their words as noise), so its margin counts only for
text detected as English (or of no detected language); other texts are judged on
their evidence alone, as without embeddings.

Fossils count as not relevant: they are minerals outside wildlife-trade law (CITES does
not cover them), although some labelled sets call them animal products.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from wildtrace.assess import prototypes
from wildtrace.assess.batch import Analysis, Encoder
from wildtrace.assess.evidence import FEATURES, evidence_matrix
from wildtrace.extract.language import detect_languages

VERSION = "zeroshot-4"

# Logit contributions of identify's evidence (names as in evidence.FEATURES).
WEIGHTS: dict[str, float] = {
    "taxon_name": 1.2,  # a species or group is named
    "taxon_name_scientific": 0.4,  # scientific names are typical of specimen sellers
    "product_term": 1.8,  # ivory, shark fin, pangolin scale, skin, horn...
    "code_word": 2.5,  # trade code words are used to hide real offers
    "n_taxa": 0.2,
    "appendix_I": 0.2,
    "appendix_II": 0.1,
    "product_form": 0.4,  # skull, jaw, tooth, hide, carving: a physical part
    "form_raw": 0.5,  # tusks, horns, fins, scales: raw parts are rarely anything else
    "form_finished": 0.2,
    "form_live": -0.8,  # "live" words mostly hit pet supplies and toys
    "cue_context": 0.5,  # wildlife context words (specimen, genuine, real)
    "cue_taxidermy": 1.5,
    "cue_intent_sell": 0.3,
    "cue_antique_claim": 0.2,  # also common in debate about antique-ivory bans
    "cue_legal_claim": 0.8,  # "pre-ban", "with certificate": made when selling
    "cue_covert": 0.8,
    "cue_poaching_locality": 0.4,
    "cue_replica": -2.5,
    "cue_toy": -3.0,
    "cue_print": -3.0,  # stamps, engravings, posters, "croc print"
    "cue_fossil": -3.0,
    "cue_colour": -2.5,  # "ivory white"
    "cue_authenticity": 0.8,  # "not resin": a seller insisting the item is real
    "cue_specimen": 2.5,  # "Cerambycidae sp.": written by natural-history specimen dealers
    "cue_by_weight": 0.5,  # "1.78kg", "per kg": raw parts are sold by weight
    "cue_news": -2.0,  # bans, seizures, trafficking: talk about the trade, cancels a
    # product term (1.8): a tweet about an ivory ban is not an ivory offer
}
# Without embeddings the evidence alone decides; with them the prototype margin is added
# and the bias moves so that a text with no evidence needs a clear margin to count.
BIAS = -2.5
# Per encoder: (weight of the margin, bias with embeddings). The margin is (similarity to
# offers - similarity to look-alikes), each side the mean of its TOP_K nearest prototypes.
# MiniLM's margins spread within about ±0.3; multilingual-e5-small's similarities are
# compressed (most pairs 0.75-0.9), its margins within about ±0.05, so its weight is
# larger. Chosen on tests/data/multilingual/tune.csv and the two labelled title sets
# (bench/README.md, section multilingual, has the grid).
CALIBRATION: dict[str, tuple[float, float]] = {
    "multilingual-e5-small": (35.0, -3.0),
    "all-MiniLM-L6-v2": (18.0, -4.0),
}
EMBED_WEIGHT, BIAS_WITH_EMBEDDINGS = CALIBRATION["all-MiniLM-L6-v2"]
TOP_K = 2
# Languages an English-only encoder's margin is trusted for ("" = none detected).
ENGLISH = frozenset({"en", ""})

# An offer is a named wildlife product *and* a seller's words (sell, price, contact):
# either alone is common in news, questions and pet talk, both together rarely. Added
# once when the text has at least one of each kind, so long listings that repeat both
# gain nothing more; the look-alike cues (news -2.0, replica -2.5, toy/print -3.0) still
# outweigh it. Without it a seller's "Продам палисандр, цена договорная" (a product
# term, 1.8, and a price, 0.3) stayed at 0.40 in every language.
OFFER_BONUS = 1.0
_NAMED = ("taxon_name", "product_term", "code_word")
_SELLING = ("cue_intent_sell", "cue_covert")

_W = np.array([WEIGHTS.get(name, 0.0) for name in FEATURES], dtype=np.float64)
_NAMED_IX = [FEATURES.index(n) for n in _NAMED]
_SELLING_IX = [FEATURES.index(n) for n in _SELLING]
_NEWS_IX = FEATURES.index("cue_news")


def evidence_logits(ev: np.ndarray) -> np.ndarray:
    """The evidence part of the logit of each row of an evidence matrix.

    The offer bonus needs no news or campaign words beside the seller's: "don't buy,
    don't sell ivory" names the product and a selling word, and is an appeal.
    """
    z = ev.astype(np.float64) @ _W
    offer = ((ev[:, _NAMED_IX].max(axis=1) > 0) & (ev[:, _SELLING_IX].max(axis=1) > 0)
             & (ev[:, _NEWS_IX] <= 0))
    return np.asarray(z + OFFER_BONUS * offer)


class ZeroShot:
    """Hand-weighted evidence plus (optionally) prototype similarity."""

    def __init__(self, encoder: Encoder | None = None) -> None:
        self.encoder = encoder
        self._pos: np.ndarray | None = None
        self._neg: np.ndarray | None = None
        version = str(getattr(encoder, "version", ""))
        self.embed_weight, self.embed_bias = next(
            (cal for name, cal in CALIBRATION.items() if version.startswith(name)),
            (EMBED_WEIGHT, BIAS_WITH_EMBEDDINGS))
        # Encoders that do not say are taken as English-only (the cautious reading).
        self.multilingual = bool(getattr(encoder, "multilingual", False))
        if encoder is not None:
            self._pos = encoder.encode(list(prototypes.POSITIVE))
            self._neg = encoder.encode(list(prototypes.NEGATIVE))

    @property
    def version(self) -> str:
        """Version of the rules, plus the embedding model when used."""
        return VERSION + ("+emb" if self.encoder is not None else "")

    def margins(self, embeddings: np.ndarray) -> np.ndarray:
        """Similarity to the nearest offer prototype minus the nearest look-alike."""
        assert self._pos is not None and self._neg is not None

        def near(protos: np.ndarray) -> np.ndarray:
            sims = embeddings @ protos.T
            k = min(TOP_K, sims.shape[1])
            return np.asarray(np.sort(sims, axis=1)[:, -k:].mean(axis=1), dtype=np.float64)

        return np.asarray(near(self._pos) - near(self._neg), dtype=np.float64)

    def logits(self, analysis: Analysis) -> np.ndarray:
        """Relevance logits of a batch."""
        z = evidence_logits(evidence_matrix(analysis.idents))
        if self._pos is None or analysis.embeddings is None:
            return np.asarray(z + BIAS)
        with_emb = z + self.embed_bias + self.embed_weight * self.margins(analysis.embeddings)
        if self.multilingual:
            return np.asarray(with_emb)
        read = np.array([lang in ENGLISH for lang in detect_languages(analysis.texts)],
                        dtype=bool)
        return np.asarray(np.where(read, with_emb, z + BIAS))

    def proba(self, analysis: Analysis) -> np.ndarray:
        """Relevance probabilities of a batch."""
        z = np.clip(self.logits(analysis), -40, 40)
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)


def reasons(evidence: dict[str, float], margin: float | None) -> list[str]:
    """The evidence terms that moved one text's zero-shot score most, as phrases."""
    terms = sorted(((WEIGHTS.get(k, 0.0) * v, k) for k, v in evidence.items()),
                   key=lambda t: -abs(t[0]))
    out = [f"{'+' if w > 0 else '-'} {name.removeprefix('cue_').replace('_', ' ')}"
           for w, name in terms if abs(w) >= 0.5][:5]
    if margin is not None and abs(margin) >= 0.03:
        out.append(("+ reads like a wildlife offer" if margin > 0
                    else "- reads like a look-alike") + f" (embedding margin {margin:+.2f})")
    return out


def names(features: Sequence[str] = FEATURES) -> list[str]:
    """Evidence features that carry a zero-shot weight (for documentation)."""
    return [f for f in features if f in WEIGHTS]
