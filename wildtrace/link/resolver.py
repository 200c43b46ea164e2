"""Seller resolution: which listings, on which platforms, belong to the same dealer.

Evidence, strongest first, each becoming a link with its confidence:

* ``account`` (0.99): the same account name on the same platform;
* ``identifier`` (0.95 for phones, WhatsApp/Zalo/Viber/Signal numbers, e-mail, wallets
  and profile URLs; 0.9 for WeChat/Telegram/Line/QQ/KakaoTalk handles): the same
  normalised contact identifier; payment traces weigh by how surely they name one holder
  (IBAN 0.98, Pix 0.97, bank account, GCash, UPI and PayPal 0.96, Alipay and WeChat Pay
  0.95, Venmo and Cash App 0.9; :data:`wildtrace.link.keys.PAYMENT_KINDS`);
* ``image`` (0.85): a near-identical photo (64-bit difference hash within 4 bits);
* ``text`` (0.8 × estimated Jaccard): a near-duplicate advert (MinHash ≥ 0.8), unless
  the text is boilerplate shared by more than five sellers told apart otherwise;
* ``handle`` (0.6): the same distinctive account name on two platforms.

Links at or above ``min_confidence`` join listings into one seller (union–find). The
work is streaming and bucketed: identifier and account groups are dict lookups, texts
are compared only within LSH buckets, so a million listings fit in a few GB.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from wildtrace.link import keys, minhash
from wildtrace.link.keys import KeyState, scan
from wildtrace.records import Identifier
from wildtrace.store.link_index import LinkIndex

TEXT_WEIGHT = 0.8
MAX_TEXT_MERGE = 5  # a text shared by more known-distinct sellers than this is boilerplate
MIN_CONFIDENCE = 0.5
TEXT_THRESHOLD = 0.8


@dataclass(frozen=True, slots=True)
class LinkInput:
    """What the resolver needs of one listing."""

    listing_id: int
    platform: str
    account: str = ""
    identifiers: tuple[Identifier, ...] = ()
    text: str = ""
    image_hashes: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Link:
    """Evidence that two listings share a seller."""

    a: int
    b: int
    kind: str
    evidence: str
    confidence: float


@dataclass
class Resolution:
    """Sellers found: ``seller_of[listing_id]`` is the seller id (its smallest listing id)."""

    seller_of: dict[int, int]
    links: list[Link]
    skipped_groups: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    index: LinkIndex | None = None

    @property
    def n_sellers(self) -> int:
        """Number of distinct sellers."""
        return len(set(self.seller_of.values()))


class UnionFind:
    """Union–find over positions ``0..n-1`` with path halving, on numpy arrays."""

    def __init__(self, n: int) -> None:
        self.parent = np.arange(n, dtype=np.int64)

    def find(self, x: int) -> int:
        """Representative of ``x``."""
        p = self.parent
        while p[x] != x:
            p[x] = p[p[x]]
            x = int(p[x])
        return x

    def union(self, a: int, b: int) -> None:
        """Merge the sets of ``a`` and ``b``."""
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if ra < rb:
                self.parent[rb] = ra
            else:
                self.parent[ra] = rb


class Regroup:
    """Union–find over listing ids, sparse (a dict): an incremental run merges a few
    thousand listings out of millions. :meth:`find` gives a set's smallest member, which
    is what makes a seller's id the same whichever run reached it."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        """The smallest member of ``x``'s set (``x`` alone when never joined)."""
        parent = self.parent
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while x != root:  # path compression
            parent[x], x = root, parent.get(x, x)
        return root

    def union(self, a: int, b: int) -> None:
        """Join the sets of ``a`` and ``b``."""
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            lo, hi = (ra, rb) if ra < rb else (rb, ra)
            self.parent[hi] = lo


def resolve(inputs: Iterable[LinkInput], *, text_threshold: float = TEXT_THRESHOLD,
            min_confidence: float = MIN_CONFIDENCE, batch: int = 20_000,
            keep_links: bool = True, index: bool = False) -> Resolution:
    """Resolve sellers over ``inputs`` (any iterable in listing-id order; consumed once,
    in batches).

    With ``keep_links=False`` only the counts of links are kept (for very large runs).
    With ``index=True`` the resolution also carries the :class:`LinkIndex` (first
    holders, band keys, owners, boilerplate) that later incremental runs start from.
    """
    ids: list[int] = []
    state = KeyState()
    sig_parts: list[np.ndarray] = []
    ok_parts: list[np.ndarray] = []
    pending: list[tuple[int, int, str, str, float]] = []
    by_kind: dict[str, int] = {}
    texts: list[str] = []
    known: list[bool] = []  # listing has an account or a strong identifier

    def add(a: int, b: int, kind: str, evidence: str, conf: float) -> None:
        by_kind[kind] = by_kind.get(kind, 0) + 1
        if conf >= min_confidence or keep_links:
            pending.append((a, b, kind, evidence if keep_links else "", conf))

    def flush_texts() -> None:
        if texts:
            sig, ok = minhash.signatures(texts)
            sig_parts.append(sig)
            ok_parts.append(ok)
            texts.clear()

    for item in inputs:
        pos = len(ids)
        ids.append(item.listing_id)
        known.append(scan(pos, item.platform, item.account, item.identifiers,
                          item.image_hashes, state, add))
        texts.append(item.text)
        if len(texts) >= batch:
            flush_texts()
    flush_texts()

    n = len(ids)
    uf = UnionFind(n)
    links: list[Link] = []
    for a, b, kind, evidence, conf in pending:
        if conf >= min_confidence:
            uf.union(a, b)
        if keep_links:
            links.append(Link(ids[a], ids[b], kind, evidence, conf))
    pending.clear()
    owner_roots = np.array([uf.find(i) for i in range(n)], dtype=np.int64)
    sig = np.concatenate(sig_parts) if sig_parts else \
        np.zeros((0, minhash.NUM_PERM), dtype=np.uint32)
    ok = np.concatenate(ok_parts) if ok_parts else np.zeros(0, dtype=bool)
    del sig_parts[:], ok_parts[:]
    known_arr = np.array(known, dtype=bool)
    shared = minhash.boilerplate_detail(sig, ok, np.where(known_arr, owner_roots, -1),
                                        max_owners=MAX_TEXT_MERGE, tables=index)
    if shared.counts.any():
        by_kind["boilerplate_texts"] = int((shared.counts > 0).sum())
    seen_pairs: set[tuple[int, int]] = set()
    for heads, members in minhash.candidate_pairs(sig, ok & (shared.counts == 0),
                                                    max_bucket=minhash.MAX_BUCKET):
        sim = minhash.similarity(sig[heads], sig[members])
        hit = sim >= text_threshold
        for a, b, s in zip(heads[hit].tolist(), members[hit].tolist(), sim[hit].tolist(),
                           strict=True):
            pair = (a, b) if a < b else (b, a)
            if pair in seen_pairs:
                continue
            seen_pairs.add(pair)
            conf = text_confidence(s)
            by_kind["text"] = by_kind.get("text", 0) + 1
            if conf >= min_confidence:
                uf.union(a, b)
            if keep_links:
                links.append(Link(ids[a], ids[b], "text", text_evidence(s), conf))
    del seen_pairs
    roots = np.array([uf.find(i) for i in range(n)], dtype=np.int64)
    id_arr = np.array(ids, dtype=np.int64)
    seller_of = dict(zip(id_arr.tolist(), _smallest_per_group(roots, id_arr).tolist(),
                         strict=True))
    skipped = sum(1 for s in state.size.values() if s > keys.MAX_GROUP)
    res = Resolution(seller_of=seller_of, links=links, skipped_groups=skipped,
                     by_kind=by_kind)
    if index:
        owner = _smallest_per_group(owner_roots, id_arr)
        res.index = LinkIndex.from_full(id_arr, owner, known_arr, ok, shared.counts,
                                        [(t.rows, t.keys, t.close) for t in shared.tables],
                                        shared.buckets, _stored_keys(state, ids), sig)
    return res


def text_confidence(s: float) -> float:
    """The confidence of a text link between adverts of estimated Jaccard ``s``."""
    return round(TEXT_WEIGHT * s, 4)


def text_evidence(s: float) -> str:
    """The evidence line of a text link."""
    return f"near-duplicate text (Jaccard ≈ {s:.2f})"


def _smallest_per_group(roots: np.ndarray, id_arr: np.ndarray) -> np.ndarray:
    """For each position, the smallest listing id of its group (the stable seller id)."""
    if len(roots) == 0:
        return id_arr.copy()
    smallest = np.full(int(roots.max()) + 1, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(smallest, roots, id_arr)
    return np.asarray(smallest[roots])


def _stored_keys(state: KeyState, ids: list[int]) -> list[tuple[str, int, int, str]]:
    """The key state as stored rows ``(key, first holder id, size, aux)``: aux is a
    handle's first platform, or a photo band holder's first hash (hex)."""
    out = []
    for key, pos in state.first.items():
        kind = key[0]
        aux = state.platform.get(key, "") if kind == "h" else \
            (f"{state.image_of.get(pos, 0):016x}" if kind == "p" else "")
        out.append((key, ids[pos], state.size.get(key, 0), aux))
    return out
