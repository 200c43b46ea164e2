"""MinHash signatures and LSH banding for near-duplicate listing texts, in numpy.

Dealers repost the same advertisement under new accounts and on other platforms, with a
changed price or a phone number swapped. Texts are compared as sets of character
5-grams; MinHash estimates their Jaccard similarity and LSH banding finds candidate
pairs without comparing every pair. Everything is vectorised over a batch of texts
(one rolling hash over the concatenated bytes, ``minimum.reduceat`` per hash function)
so a million listings take a minute, not an hour, and memory stays at
``n × num_perm × 4`` bytes for the signatures.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

SHINGLE = 5
NUM_PERM = 64
BANDS = 16
MAX_CHARS = 4000  # texts beyond this add little to similarity and much to time
MAX_BUCKET = 200  # a bucket bigger than this is boilerplate (a footer), not one advert
_SPACE = re.compile(r"\s+")
_EMPTY = np.uint32(0xFFFFFFFF)


def _params(num_perm: int, seed: int = 20240611) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**63 - 1, size=num_perm, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**63 - 1, size=num_perm, dtype=np.uint64)
    return a, b


_A, _B = _params(NUM_PERM)
_A32 = (_A >> np.uint64(32)).astype(np.uint32) | np.uint32(1)
_B32 = (_B >> np.uint64(32)).astype(np.uint32)


def normalise_text(text: str) -> bytes:
    """Lower case, collapse white space, cap the length; the bytes that are shingled."""
    return _SPACE.sub(" ", text[:MAX_CHARS].lower()).strip().encode("utf-8", "replace")


def signatures(texts: Sequence[str], min_shingles: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """MinHash signatures (``len(texts) × NUM_PERM`` uint32) and a mask of texts long
    enough (at least ``min_shingles`` shingles) to be compared at all."""
    blobs = [normalise_text(t) for t in texts]
    counts = np.array([max(len(b) - SHINGLE + 1, 0) for b in blobs], dtype=np.int64)
    ok = counts >= min_shingles
    sig = np.full((len(texts), NUM_PERM), _EMPTY, dtype=np.uint32)
    if not ok.any():
        return sig, ok
    used = [b for b, good in zip(blobs, ok, strict=True) if good]
    buf = np.frombuffer(b"".join(used), dtype=np.uint8).astype(np.uint64)
    lengths = np.array([len(b) for b in used], dtype=np.int64)
    # Polynomial hash of every 5-byte window over the concatenation; windows that cross
    # from one text into the next are dropped below.
    h = np.zeros(len(buf) - SHINGLE + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(SHINGLE):
            h = h * np.uint64(1099511628211) + buf[j:len(buf) - SHINGLE + 1 + j]
        h ^= h >> np.uint64(29)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    valid = np.zeros(len(h), dtype=bool)
    n_sh = lengths - SHINGLE + 1
    valid_idx = np.concatenate([np.arange(s, s + n) for s, n in zip(starts, n_sh, strict=True)])
    valid[valid_idx] = True
    h = h[valid]
    seg = np.concatenate([[0], np.cumsum(n_sh)[:-1]])
    rows = np.flatnonzero(ok)
    # 32-bit shingle ids; each "permutation" is x ↦ a·x + b mod 2^32 with odd a (a true
    # permutation of 32-bit values), done in uint32 for half the memory traffic.
    h32 = (h ^ (h >> np.uint64(32))).astype(np.uint32)
    out = np.empty((len(seg), NUM_PERM), dtype=np.uint32)
    with np.errstate(over="ignore"):
        for k in range(NUM_PERM):
            out[:, k] = np.minimum.reduceat(_A32[k] * h32 + _B32[k], seg)
    sig[rows] = out
    return sig, ok


def similarity(sig_a: np.ndarray, sig_b: np.ndarray) -> np.ndarray:
    """Estimated Jaccard similarity of paired signature rows."""
    return np.asarray((sig_a == sig_b).mean(axis=-1))


def band_keys(sig: np.ndarray, band: int, bands: int = BANDS) -> np.ndarray:
    """One uint64 key per row for LSH band ``band``."""
    r = sig.shape[1] // bands
    part = sig[:, band * r:(band + 1) * r].astype(np.uint64)
    key = np.zeros(len(sig), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(r):
            key = key * np.uint64(0x9E3779B97F4A7C15) + part[:, j]
            key ^= key >> np.uint64(31)
    return key


def candidate_pairs(sig: np.ndarray, ok: np.ndarray, *, bands: int = BANDS,
                    max_bucket: int = 200) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Candidate pairs (row index arrays) sharing at least one LSH band.

    Within a bucket every member is paired with the bucket's first row (enough for
    clustering); buckets larger than ``max_bucket`` are skipped, because a text shared by
    hundreds of listings is boilerplate (a platform footer), not one dealer's advert.
    """
    rows = np.flatnonzero(ok)
    if len(rows) < 2:
        return
    sub = sig[rows]
    for band in range(bands):
        keys = band_keys(sub, band, bands)
        order = np.argsort(keys, kind="stable")
        k_sorted = keys[order]
        boundary = np.flatnonzero(np.diff(k_sorted)) + 1
        starts = np.concatenate([[0], boundary])
        ends = np.concatenate([boundary, [len(k_sorted)]])
        size = ends - starts
        keep = (size >= 2) & (size <= max_bucket)
        if not keep.any():
            continue
        s, e = starts[keep], ends[keep]
        lens = e - s - 1
        heads = np.repeat(order[s], lens)
        members = order[np.concatenate([np.arange(a + 1, b) for a, b in zip(s, e, strict=True)])]
        yield rows[heads], rows[members]


def boilerplate(sig: np.ndarray, ok: np.ndarray, owners: np.ndarray, *, bands: int = BANDS,
                max_owners: int = 5, threshold: float = 0.8) -> np.ndarray:
    """Rows whose text is shared, near-identically, by more than ``max_owners`` distinct
    owners (sellers already told apart by accounts and identifiers).

    An advert copied by many unrelated sellers (a supplier's catalogue text, a platform
    template) says nothing about who posted it; linking on it would chain them all.
    Within each LSH bucket only the members at least ``threshold`` similar to the
    bucket's first member count. Rows whose owner is negative (anonymous listings with
    neither account nor identifier) are not counted as owners.
    """
    return boilerplate_detail(sig, ok, owners, bands=bands, max_owners=max_owners,
                              threshold=threshold).counts > 0


@dataclass
class BandTable:
    """One LSH band over the comparable rows: each row's key (as signed 64 bits, the way
    it is stored), and whether it is close (at least the boilerplate threshold similar)
    to its bucket's first row."""

    rows: np.ndarray
    keys: np.ndarray
    close: np.ndarray


@dataclass
class Boilerplate:
    """Boilerplate in detail: per row, in how many bands it sits close to the head of a
    bucket shared by too many owners (``counts > 0`` is the flag); those buckets as
    ``(band, key)``; and, when asked for, every band's table (the link index)."""

    counts: np.ndarray
    buckets: list[tuple[int, int]]
    tables: list[BandTable]


def boilerplate_detail(sig: np.ndarray, ok: np.ndarray, owners: np.ndarray, *,
                       bands: int = BANDS, max_owners: int = 5, threshold: float = 0.8,
                       tables: bool = False) -> Boilerplate:
    """:func:`boilerplate` with what an incremental run needs to redo it later."""
    counts = np.zeros(len(sig), dtype=np.int64)
    out = Boilerplate(counts, [], [])
    rows = np.flatnonzero(ok)
    if len(rows) == 0 or (len(rows) < 2 and not tables):
        return out
    sub, own = sig[rows], owners[rows]
    for band in range(bands):
        keys = band_keys(sub, band, bands)
        order = np.argsort(keys, kind="stable")
        k = keys[order]
        new_key = np.concatenate([[True], k[1:] != k[:-1]])
        starts = np.flatnonzero(new_key)
        sizes = np.diff(np.concatenate([starts, [len(k)]]))
        big = len(k) > 0 and sizes.max() > max_owners
        if not big and not tables:
            continue
        head = np.repeat(order[starts], sizes)
        close = similarity(sub[order], sub[head]) >= threshold
        if tables:
            in_row_order = np.empty(len(order), dtype=bool)
            in_row_order[order] = close
            out.tables.append(BandTable(rows, keys.view(np.int64), in_row_order))
        if not big:
            continue
        o = np.where(close, own[order], -1)
        bucket = np.repeat(np.arange(len(starts)), sizes)
        # Distinct (bucket, owner) pairs among close, identified members.
        pairs = np.unique(np.stack([bucket[o >= 0], o[o >= 0]]), axis=1)
        distinct = np.bincount(pairs[0], minlength=len(starts))
        bad = distinct > max_owners
        if bad.any():
            counts[rows[order[bad[bucket] & close]]] += 1
            out.buckets.extend((band, int(x)) for x in k[starts[bad]].view(np.int64).tolist())
    return out
