"""Near-duplicate photo search over millions of 64-bit perceptual hashes.

Multi-index hashing (Norouzi, Punjani & Fleet, 2012): the 64 bits are cut into four
16-bit bands, each band's values sorted once. Two hashes within ``r`` bits differ, by
pigeonhole, in at most ``r // 4`` bits of at least one band, so the candidates of a
query are the hashes whose value in some band lies within ``r // 4`` bits of the
query's (1 probe per band for r ≤ 3, 17 for r ≤ 7); only those are compared in full.
A query thus touches a few hundred hashes, not the million a brute-force scan reads
(``bench/bench_photos.py`` measures both on the same hashes).

Arrays are numpy (``uint64`` hashes, ``uint16`` bands, ``int64`` ids and band orders):
1M photos take 56 MB.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from itertools import combinations

import numpy as np
import numpy.typing as npt

BANDS = 4
BAND_BITS = 16
DEFAULT_RADIUS = 4  # the seller linker's IMAGE_BITS: re-encoded or resized copies
PENDING = 4096  # photos added one by one before the bands are sorted again


@functools.lru_cache(maxsize=8)
def _mask_array(flips: int) -> npt.NDArray[np.int64]:
    """:func:`_masks` of one band as an array (cached: a query needs it every time)."""
    return np.array(_masks(BAND_BITS, flips), dtype=np.int64)


def _masks(bits: int, flips: int) -> list[int]:
    """Every ``bits``-bit value with at most ``flips`` bits set (XOR masks to probe)."""
    out = [0]
    for k in range(1, flips + 1):
        out += [sum(1 << b for b in combo) for combo in combinations(range(bits), k)]
    return out


class PhotoIndex:
    """A static multi-index over (id, hash) pairs; rebuild (or :meth:`extend`) to add."""

    def __init__(self, ids: Iterable[int] = (), hashes: Iterable[int] = ()) -> None:
        self.ids: npt.NDArray[np.int64] = np.fromiter(ids, dtype=np.int64)
        self.hashes: npt.NDArray[np.uint64] = np.fromiter(hashes, dtype=np.uint64)
        if len(self.ids) != len(self.hashes):
            raise ValueError("ids and hashes differ in length")
        self._build()

    @classmethod
    def of(cls, pairs: Iterable[tuple[int, int]]) -> PhotoIndex:
        """An index of (id, hash) pairs."""
        items = list(pairs)
        return cls((i for i, _ in items), (h for _, h in items))

    def _build(self) -> None:
        self._pending: list[tuple[int, int]] = getattr(self, "_pending", [])
        n = len(self.hashes)
        orders, starts = [], []
        for band in range(BANDS):
            values = ((self.hashes >> np.uint64(BAND_BITS * band))
                      & np.uint64(0xFFFF)).astype(np.uint16)
            order = np.argsort(values, kind="stable").astype(np.int64)
            orders.append(order)
            # Where each 16-bit value's run starts in the sorted band (plus the end).
            starts.append(np.searchsorted(values[order], np.arange(1 << BAND_BITS),
                                          side="left").astype(np.int64) + band * n)
        self._order = np.concatenate(orders) if orders else np.empty(0, np.int64)
        self._start = np.stack([np.append(s, (b + 1) * n) for b, s in enumerate(starts)])

    def extend(self, pairs: Iterable[tuple[int, int]]) -> None:
        """Add (id, hash) pairs now (re-sorts the bands: for batches)."""
        self._merge()
        items = list(pairs)
        if not items:
            return
        self.ids = np.concatenate([self.ids, np.array([i for i, _ in items], np.int64)])
        self.hashes = np.concatenate([self.hashes,
                                      np.array([h for _, h in items], np.uint64)])
        self._build()

    def add(self, photo_id: int, h: int) -> None:
        """Add one pair as photos arrive: it is kept in a small buffer scanned whole by
        :meth:`near`, merged into the sorted bands once ``PENDING`` have gathered (a
        re-sort per photo would cost O(n log n) each)."""
        self._pending.append((photo_id, h))
        if len(self._pending) >= PENDING:
            self._merge()

    def _merge(self) -> None:
        pending, self._pending = self._pending, []
        if pending:
            self.extend(pending)

    def nbytes(self) -> int:
        """Bytes held by the index's arrays."""
        return int(self.hashes.nbytes + self.ids.nbytes + self._order.nbytes
                   + self._start.nbytes)

    def __len__(self) -> int:
        return len(self.ids) + len(self._pending)

    def candidates(self, h: int, radius: int = DEFAULT_RADIUS) -> npt.NDArray[np.int64]:
        """Positions of every stored hash sharing a band within ``radius // 4`` bits
        (one vectorised gather over the four bands' runs)."""
        if not len(self.hashes):
            return np.empty(0, dtype=np.int64)
        masks = _mask_array(radius // BANDS)
        bands = np.arange(BANDS)
        values = np.array([(h >> (BAND_BITS * b)) & 0xFFFF for b in range(BANDS)],
                          dtype=np.int64)
        keys = (values[:, None] ^ masks[None, :])  # (bands, probes)
        lo = self._start[bands[:, None], keys].ravel()
        hi = self._start[bands[:, None], keys + 1].ravel()
        lens = hi - lo
        total = int(lens.sum())
        if total == 0:
            return np.empty(0, dtype=np.int64)
        offsets = np.repeat(lo - (np.cumsum(lens) - lens), lens)
        return np.unique(self._order[offsets + np.arange(total)])

    def near(self, h: int, radius: int = DEFAULT_RADIUS) -> list[tuple[int, int]]:
        """(id, distance) of every stored hash within ``radius`` bits of ``h``, nearest
        first."""
        pos = self.candidates(h, radius)
        out: list[tuple[int, int]] = []
        if len(pos):
            dist = np.bitwise_count(self.hashes[pos] ^ np.uint64(h))
            keep = dist <= radius
            out = [(int(self.ids[p]), int(d)) for p, d in zip(pos[keep], dist[keep],
                                                                strict=True)]
        out += [(i, d) for i, g in self._pending if (d := (g ^ h).bit_count()) <= radius]
        out.sort(key=lambda x: (x[1], x[0]))
        return out


def brute_near(ids: npt.NDArray[np.int64], hashes: npt.NDArray[np.uint64], h: int,
               radius: int = DEFAULT_RADIUS) -> list[tuple[int, int]]:
    """The same answer as :meth:`PhotoIndex.near` by scanning every hash (the baseline
    the benchmark compares against, and the tests' oracle)."""
    dist = np.bitwise_count(hashes ^ np.uint64(h))
    pos = np.nonzero(dist <= radius)[0]
    order = np.argsort(dist[pos], kind="stable")
    return [(int(ids[p]), int(dist[p])) for p in pos[order]]
