"""Turn identify's findings into named numeric evidence features.

The same named features feed the zero-shot model (hand-set weights with reasons) and the
trained model (learnt weights), so a label an analyst gives moves the very evidence the
zero-shot model already reasons about.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from wildtrace.records import Identification

# Cue kinds that identify reports and assess reads; any other kind counts as "other_cue".
CUE_KINDS: tuple[str, ...] = (
    "intent_sell", "intent_buy", "replica", "toy", "print", "fossil", "colour",
    "antique_claim", "legal_claim", "covert", "taxidermy", "scam", "context",
    "poaching_locality", "authenticity", "news", "specimen", "by_weight",
)
PRODUCT_FORMS: tuple[str, ...] = ("live", "raw", "semi_worked", "finished", "derivative")

FEATURES: tuple[str, ...] = (
    "taxon_name", "taxon_name_scientific", "product_term", "code_word", "n_taxa",
    "appendix_I", "appendix_II", "appendix_III", "product_form", "other_cue",
    *(f"cue_{k}" for k in CUE_KINDS), *(f"form_{k}" for k in PRODUCT_FORMS),
)
INDEX = {name: i for i, name in enumerate(FEATURES)}


def _cue_base(kind: str) -> str:
    return kind.split(":", 1)[0]


def evidence_of(ident: Identification) -> dict[str, float]:
    """Named evidence values (0/1 flags, log counts) for one identification."""
    f: dict[str, float] = {}
    kinds = {m.kind for m in ident.matches}
    if "name" in kinds:
        f["taxon_name"] = 1.0
    if any(m.kind == "name" and (m.rule.startswith(("scientific", "synonym", "name:la")))
           for m in ident.matches):
        f["taxon_name_scientific"] = 1.0
    if "product" in kinds:
        f["product_term"] = 1.0
    if "code_word" in kinds or "code_word" in ident.flags:
        f["code_word"] = 1.0
    if ident.taxa:
        f["n_taxa"] = math.log1p(len(ident.taxa))
    if ident.cites in ("I", "II", "III"):
        f[f"appendix_{ident.cites}"] = 1.0
    for cue in ident.cues:
        base = _cue_base(cue.kind)
        if base == "product_form":
            f["product_form"] = 1.0
            form = cue.kind.partition(":")[2]
            if form in PRODUCT_FORMS:
                f[f"form_{form}"] = 1.0
        elif base == "wildlife":
            # A traded animal, plant or part named in a language the pack's names do not
            # (yet) cover: the same evidence as a product term, without a taxon.
            f["product_term"] = 1.0
        elif base in CUE_KINDS:
            f[f"cue_{base}"] = 1.0
        else:
            f["other_cue"] = 1.0
    for flag in ident.flags:
        if flag in CUE_KINDS:
            f[f"cue_{flag}"] = 1.0
    return f


def evidence_matrix(idents: Sequence[Identification]) -> np.ndarray:
    """Dense (n, len(FEATURES)) float32 matrix of evidence values."""
    out = np.zeros((len(idents), len(FEATURES)), dtype=np.float32)
    for row, ident in enumerate(idents):
        for name, value in evidence_of(ident).items():
            out[row, INDEX[name]] = value
    return out
