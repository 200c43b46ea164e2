"""Hashed word and character n-gram features of listing texts.

Hashing keeps the featuriser stateless, so a saved model is only its weights: nothing
about the training texts (vocabulary, documents) is stored in a model file, and the same
features are produced in every process. Character n-grams carry misspellings, other
scripts and obfuscations (``t**th``, ``1vory``) that word tokens miss.

:class:`TextFeaturiser` (``hash-w12-c35-v2``) hashes a whole batch at once in NumPy: the
batch's code points in one array, a polynomial hash of every 3-, 4- and 5-character window
that stays inside one word (the word padded with a space on each side, as scikit-learn's
``char_wb`` does), word tokens hashed by prefix sums, bigrams by combining neighbours.
No Python loop runs per n-gram, which made the first version (scikit-learn's
``HashingVectorizer``, kept as :class:`SklearnTextFeaturiser` so that models trained with
it still load and score exactly as before) the slowest part of scoring with a model:
about 0.7 ms per 1,300-character listing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol

import numpy as np
import scipy.sparse as sp

N_FEATURES = 2**18
# Long texts (pages, 10 MB pastes) add nothing to a relevance judgement past a few pages.
MAX_CHARS = 5000
CHAR_NGRAMS = (3, 4, 5)
# Characters hashed at once: bounds the working arrays (about 60 bytes per character)
# and the cached powers of the hash's multiplier (16 bytes per character).
CHUNK_CHARS = 1 << 20

_DIGITS = re.compile(r"\d")
_PLACEHOLDER = re.compile(r"\{\{(url|mention)\}\}|https?://\S+|@\w+")

_P = np.uint64(0x100000001B3)  # odd multiplier of the polynomial hash (FNV prime)
_P_INV = np.uint64(pow(int(_P), -1, 2**64))  # its inverse modulo 2^64
_SALT_WORD, _SALT_BIGRAM = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F)
_WORD_TABLE_SIZE = 0x30000  # \w is looked up in a table below this code point
_SPACE_CP = 32


def normalise(text: str) -> str:
    """Lower-cased NFKC text with digits folded to 0 and links/mentions masked.

    Folding digits lets "14 inch jaw" and "9 inch jaw" share features, and masking links
    keeps URLs (which differ per listing) from being learnt as evidence.
    """
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS]).lower()
    if "{{" in text or "http" in text or "@" in text:
        text = _PLACEHOLDER.sub(lambda m: " xurl " if m.group(0).startswith(("http", "{{url"))
                                else " xmention ", text)
    # str.split() splits where re's \s+ matches (both use Unicode's space class).
    return " ".join(_DIGITS.sub("0", text).split())


class Featuriser(Protocol):
    """What the linear model needs from a featuriser."""

    version: str
    n_features: int

    @property
    def width(self) -> int:
        """Number of columns produced."""
        ...

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Sparse feature matrix of shape (len(texts), width)."""
        ...


@lru_cache(maxsize=1)
def _word_table() -> np.ndarray:
    """True where a code point is a ``\\w`` character of Python's ``re`` (letters,
    digits, underscore); computed once, on first use."""
    return np.fromiter((c.isalnum() or c == "_" for c in map(chr, range(_WORD_TABLE_SIZE))),
                       dtype=bool, count=_WORD_TABLE_SIZE)


def _fmix(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser: spreads every input bit over the low bits kept."""
    with np.errstate(over="ignore"):
        h = h ^ (h >> np.uint64(33))
        h = h * np.uint64(0xFF51AFD7ED558CCD)
        h = h ^ (h >> np.uint64(33))
        h = h * np.uint64(0xC4CEB9FE1A85EC53)
        return np.asarray(h ^ (h >> np.uint64(33)))


def _l2_rows(rows: np.ndarray, cols: np.ndarray, n_rows: int, width: int) -> sp.csr_matrix:
    """Counts of (row, column) pairs as a CSR matrix with L2-normalised rows."""
    m = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                      shape=(n_rows, width), dtype=np.float32)
    m.sum_duplicates()
    sq = np.asarray(m.multiply(m).sum(axis=1), dtype=np.float64).ravel()
    scale = np.where(sq > 0, 1.0 / np.sqrt(np.maximum(sq, 1e-30)), 0.0).astype(np.float32)
    return sp.csr_matrix(sp.diags(scale) @ m, dtype=np.float32)


class TextFeaturiser:
    """Word 1–2-grams and character 3–5-grams (within words), each block L2-normalised,
    hashed into ``n_features`` columns per block, vectorised over the batch."""

    version = "hash-w12-c35-v2"

    def __init__(self, n_features: int = N_FEATURES) -> None:
        if n_features < 2 or n_features & (n_features - 1):
            raise ValueError("n_features must be a power of two")
        self.n_features = n_features
        self._mask = np.uint64(n_features - 1)

    @property
    def width(self) -> int:
        """Number of columns produced."""
        return 2 * self.n_features

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Sparse feature matrix of shape (len(texts), width)."""
        parts: list[sp.csr_matrix] = []
        chunk: list[str] = []
        size = 0
        for text in texts:
            norm = normalise(text)
            if chunk and size + len(norm) > CHUNK_CHARS:
                parts.append(self._transform(chunk))
                chunk = []
                size = 0
            chunk.append(norm)
            size += len(norm) + 2
        if chunk or not parts:
            parts.append(self._transform(chunk))
        return parts[0] if len(parts) == 1 else sp.vstack(parts, format="csr")

    def _transform(self, norm: list[str]) -> sp.csr_matrix:
        n = len(norm)
        if n == 0:
            return sp.csr_matrix((0, self.width), dtype=np.float32)
        # Each text as " text " and two spaces between texts: no window that stays
        # inside a word can reach from one text into the next.
        joined = " " + "  ".join(norm) + " "
        cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        lengths = np.fromiter((len(t) for t in norm), dtype=np.int64, count=n)
        # The row each position belongs to: a text's leading space, letters and trailing
        # space (the second space between two texts opens the next text).
        row_of = np.repeat(np.arange(n, dtype=np.int32), lengths + 2)[:len(cps)]
        word_rows, word_cols = self._words(cps, row_of)
        char_rows, char_cols = self._chars(cps, row_of)
        return sp.hstack([_l2_rows(word_rows, word_cols, n, self.n_features),
                          _l2_rows(char_rows, char_cols, n, self.n_features)],
                         format="csr", dtype=np.float32)

    def _chars(self, cps: np.ndarray, row_of: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        space = (cps == _SPACE_CP).astype(np.int32)
        spaces_before = np.concatenate([[0], np.cumsum(space, dtype=np.int32)])
        values = cps.astype(np.uint64)
        rows_out, cols_out = [], []
        h = values
        with np.errstate(over="ignore"):
            for k in range(1, max(CHAR_NGRAMS)):
                size = k + 1
                # h[i] is now the hash of cps[i : i + size]
                h = h[:-1] * _P + values[k:]
                if size not in CHAR_NGRAMS:
                    continue
                m = len(h)
                # A window may start and end with a space (its word's padding) but hold
                # none inside: it stays within one word.
                inside = spaces_before[size - 1:size - 1 + m] - spaces_before[1:1 + m]
                keep = inside == 0
                rows_out.append(row_of[:m][keep])
                hk = _fmix(h[keep] ^ np.uint64(size << 56))
                cols_out.append((hk & self._mask).astype(np.int32))
        if not rows_out:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32)
        return np.concatenate(rows_out), np.concatenate(cols_out)

    def _words(self, cps: np.ndarray, row_of: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        table = _word_table()
        small = cps < _WORD_TABLE_SIZE
        word = np.zeros(len(cps), dtype=bool)
        word[small] = table[cps[small]]
        edge = np.diff(np.concatenate([[False], word, [False]]).astype(np.int8))
        tok_start = np.flatnonzero(edge == 1)
        tok_end = np.flatnonzero(edge == -1)  # exclusive
        if not len(tok_start):
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32)
        with np.errstate(over="ignore"):
            # Token hash = sum of cp[j] * P^(j - start) over the token, from prefix sums
            # of cp[j] * P^j times P^-start (P is odd, so it has an inverse mod 2^64).
            powers = _powers(_P, len(cps))
            inverse = _powers(_P_INV, len(cps))
            prefix = np.concatenate([[np.uint64(0)],
                                     np.cumsum(cps.astype(np.uint64) * powers,
                                               dtype=np.uint64)])
            tok = (prefix[tok_end] - prefix[tok_start]) * inverse[tok_start]
            tok = tok + (tok_end - tok_start).astype(np.uint64) * _SALT_WORD
            uni = _fmix(tok)
            rows = row_of[tok_start]
            same = rows[1:] == rows[:-1]
            bi = _fmix(uni[:-1][same] * _SALT_BIGRAM + uni[1:][same] + _SALT_WORD)
        cols = np.concatenate([uni, bi]) & self._mask
        return np.concatenate([rows, rows[:-1][same]]), cols.astype(np.int32)


_POWER_CACHE: dict[int, np.ndarray] = {}


def _powers(base: np.uint64, n: int) -> np.ndarray:
    """base^0 … base^(n-1) modulo 2^64 (read-only; cached, grown by doubling)."""
    have = _POWER_CACHE.get(int(base))
    if have is None or len(have) < n:
        size = max(n, 2 * len(have) if have is not None else 1 << 16)
        out = np.empty(size, dtype=np.uint64)
        out[0] = 1
        with np.errstate(over="ignore"):
            np.cumprod(np.full(size - 1, base, dtype=np.uint64), out=out[1:])
        out.flags.writeable = False
        _POWER_CACHE[int(base)] = have = out
    return have[:n]


class SklearnTextFeaturiser:
    """The first featuriser (``hash-w12-c35-v1``): scikit-learn's ``HashingVectorizer``
    over word 1–2-grams and ``char_wb`` 3–5-grams. Kept so that model files trained with
    it load and score exactly as they did; new models use :class:`TextFeaturiser`."""

    version = "hash-w12-c35-v1"

    def __init__(self, n_features: int = N_FEATURES) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        self.n_features = n_features
        self._word = HashingVectorizer(
            n_features=n_features, ngram_range=(1, 2), alternate_sign=False, norm="l2",
            lowercase=False, token_pattern=r"(?u)\b\w+\b", dtype=np.float32)
        self._char = HashingVectorizer(
            n_features=n_features, analyzer="char_wb", ngram_range=(3, 5),
            alternate_sign=False, norm="l2", lowercase=False, dtype=np.float32)

    @property
    def width(self) -> int:
        """Number of columns produced."""
        return 2 * self.n_features

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Sparse feature matrix of shape (len(texts), width)."""
        norm = [normalise(t) for t in texts]
        return sp.hstack([self._word.transform(norm), self._char.transform(norm)],
                         format="csr")


FEATURISERS: dict[str, type[TextFeaturiser] | type[SklearnTextFeaturiser]] = {
    TextFeaturiser.version: TextFeaturiser,
    SklearnTextFeaturiser.version: SklearnTextFeaturiser,
}


def featuriser_for(version: str, n_features: int) -> TextFeaturiser | SklearnTextFeaturiser:
    """The featuriser a model file names; KeyError for one this version does not know."""
    return FEATURISERS[version](n_features)

