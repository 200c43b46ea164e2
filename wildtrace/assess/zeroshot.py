"""Zero-shot relevance: is this a real wild animal or plant, or a product from one, on offer?

No labels needed. Identify's evidence (taxon names, product terms such as ivory or shark
fin, code words, product forms, intent to sell) pushes the logit up; its look-alike cues
(replica, toy, print, stamp, colour words, fossil, news/advocacy) push it down. The
weights are set by hand, each with a reason, in :data:`WEIGHTS`. Where the ``[embed]``
extra is on, the text's sentence embedding adds the margin between its similarity to
our own prototype offers and to prototype look-alikes (:mod:`.prototypes`).

Fossils count as not relevant: they are minerals outside wildlife-trade law (CITES does
not cover them), although some labelled sets call them animal products.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from wildtrace.assess import prototypes
from wildtrace.assess.batch import Analysis, Encoder
from wildtrace.assess.evidence import FEATURES, evidence_matrix

VERSION = "zeroshot-3"

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
BIAS_WITH_EMBEDDINGS = -4.0
# Multiplies (similarity to offers - similarity to look-alikes), typically within ±0.3;
# each side's similarity is the mean of its TOP_K nearest prototypes.
EMBED_WEIGHT = 18.0
TOP_K = 2

_W = np.array([WEIGHTS.get(name, 0.0) for name in FEATURES], dtype=np.float64)


class ZeroShot:
    """Hand-weighted evidence plus (optionally) prototype similarity."""

    def __init__(self, encoder: Encoder | None = None) -> None:
        self.encoder = encoder
        self._pos: np.ndarray | None = None
        self._neg: np.ndarray | None = None
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
        z = evidence_matrix(analysis.idents).astype(np.float64) @ _W
        if self._pos is not None and analysis.embeddings is not None:
            return np.asarray(z + BIAS_WITH_EMBEDDINGS
                              + EMBED_WEIGHT * self.margins(analysis.embeddings))
        return np.asarray(z + BIAS)

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
