"""Hashed word and character n-gram features of listing texts.

Hashing keeps the featuriser stateless, so a saved model is only its weights: nothing
about the training texts (vocabulary, documents) is stored in a model file, and the same
features are produced in every process. Character n-grams carry misspellings, other
scripts and obfuscations (``t**th``, ``1vory``) that word tokens miss.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

N_FEATURES = 2**18
# Long texts (pages, 10 MB pastes) add nothing to a relevance judgement past a few pages.
MAX_CHARS = 5000

_DIGITS = re.compile(r"\d")
_SPACE = re.compile(r"\s+")
_PLACEHOLDER = re.compile(r"\{\{(url|mention)\}\}|https?://\S+|@\w+")


def normalise(text: str) -> str:
    """Lower-cased NFKC text with digits folded to 0 and links/mentions masked.

    Folding digits lets "14 inch jaw" and "9 inch jaw" share features, and masking links
    keeps URLs (which differ per listing) from being learnt as evidence.
    """
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS]).lower()
    text = _PLACEHOLDER.sub(lambda m: " xurl " if m.group(0).startswith(("http", "{{url"))
                            else " xmention ", text)
    text = _DIGITS.sub("0", text)
    return _SPACE.sub(" ", text).strip()


class TextFeaturiser:
    """Word 1–2-grams and character 3–5-grams, each block L2-normalised, hashed."""

    version = "hash-w12-c35-v1"

    def __init__(self, n_features: int = N_FEATURES) -> None:
        self.n_features = n_features
        self._word = HashingVectorizer(
            n_features=n_features, ngram_range=(1, 2), alternate_sign=False, norm="l2",
            lowercase=False, token_pattern=r"(?u)\b\w+\b", dtype=_float32())
        self._char = HashingVectorizer(
            n_features=n_features, analyzer="char_wb", ngram_range=(3, 5),
            alternate_sign=False, norm="l2", lowercase=False, dtype=_float32())

    @property
    def width(self) -> int:
        """Number of columns produced."""
        return 2 * self.n_features

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Sparse feature matrix of shape (len(texts), width)."""
        norm = [normalise(t) for t in texts]
        return sp.hstack([self._word.transform(norm), self._char.transform(norm)],
                         format="csr")


def _float32() -> type:
    import numpy as np

    return np.float32
