"""Seller resolution: which listings, on which platforms, belong to the same dealer.

Evidence, strongest first, each becoming a link with its confidence:

* ``account`` (0.99): the same account name on the same platform;
* ``identifier`` (0.95 for phones, WhatsApp, e-mail, wallets and profile URLs; 0.9 for
  WeChat/Telegram/Line/QQ handles): the same normalised contact identifier;
* ``image`` (0.85): a near-identical photo (64-bit difference hash within 4 bits);
* ``text`` (0.8 × estimated Jaccard): a near-duplicate advert (MinHash ≥ 0.8), unless
  the text is boilerplate shared by more than five sellers told apart otherwise;
* ``handle`` (0.6): the same distinctive account name on two platforms.

Links at or above ``min_confidence`` join listings into one seller (union–find). The
work is streaming and bucketed: identifier and account groups are dict lookups, texts
are compared only within LSH buckets, so a million listings fit in a few GB.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from wildtrace.link import minhash
from wildtrace.records import Identifier

STRONG_KINDS = {"phone": 0.95, "whatsapp": 0.95, "email": 0.95, "wallet": 0.95,
                "profile_url": 0.95, "wechat": 0.9, "telegram": 0.9, "line": 0.9, "qq": 0.9}
ACCOUNT_CONFIDENCE = 0.99
IMAGE_CONFIDENCE = 0.85
HANDLE_CONFIDENCE = 0.6
TEXT_WEIGHT = 0.8
MAX_TEXT_MERGE = 5  # a text shared by more known-distinct sellers than this is boilerplate
MAX_GROUP = 5000  # an identifier on more listings than this is a platform's own number
_GENERIC_HANDLES = {"admin", "seller", "shop", "store", "user", "anonymous", "guest",
                    "private", "unknown", "n/a", "none"}


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


def normalise_account(name: str) -> str:
    """Account names compared case- and spacing-insensitively."""
    return re.sub(r"[\s._\-]+", "", name.strip().lower())[:200]


def resolve(inputs: Iterable[LinkInput], *, text_threshold: float = 0.8,
            min_confidence: float = 0.5, batch: int = 20_000,
            keep_links: bool = True) -> Resolution:
    """Resolve sellers over ``inputs`` (any iterable; consumed once, in batches).

    With ``keep_links=False`` only the counts of links are kept (for very large runs).
    """
    ids: list[int] = []
    first_by_key: dict[tuple[str, str], int] = {}
    group_size: dict[tuple[str, str], int] = {}
    handle_first: dict[str, tuple[int, str]] = {}
    image_first: dict[tuple[int, int], int] = {}
    image_of: dict[int, int] = {}
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
        account = normalise_account(item.account)
        if account:
            key = ("account", f"{item.platform}\x1f{account}")
            if key in first_by_key:
                add(first_by_key[key], pos, "account", f"{item.platform}: {item.account}",
                    ACCOUNT_CONFIDENCE)
            else:
                first_by_key[key] = pos
            if len(account) >= 6 and account not in _GENERIC_HANDLES:
                seen = handle_first.get(account)
                if seen is None:
                    handle_first[account] = (pos, item.platform)
                elif seen[1] != item.platform:
                    add(seen[0], pos, "handle", f"same name {item.account!r} on "
                        f"{seen[1]} and {item.platform}", HANDLE_CONFIDENCE)
        for ident in item.identifiers:
            conf = STRONG_KINDS.get(ident.kind)
            if conf is None:
                continue
            key = (ident.kind, ident.value)
            size = group_size.get(key, 0) + 1
            group_size[key] = size
            if size > MAX_GROUP:
                continue
            if key in first_by_key:
                add(first_by_key[key], pos, "identifier", f"{ident.kind}: {ident.value}", conf)
            else:
                first_by_key[key] = pos
        for h in item.image_hashes:
            # Pigeonhole: within 3 differing bits, one of four 16-bit bands is equal;
            # the exact distance is checked against the band's first holder.
            for band in range(4):
                bkey = (band, (h >> (16 * band)) & 0xFFFF)
                other = image_first.get(bkey)
                if other is None:
                    image_first[bkey] = pos
                elif other != pos and _image_close(other, pos, h, image_of):
                    add(other, pos, "image", f"photo hash {h:016x}", IMAGE_CONFIDENCE)
                    break
            image_of.setdefault(pos, h)
        known.append(bool(account) or any(i.kind in STRONG_KINDS for i in item.identifiers))
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
    if sig_parts:
        sig = np.concatenate(sig_parts)
        ok = np.concatenate(ok_parts)
        del sig_parts[:], ok_parts[:]
        owners = np.array([uf.find(i) if known[i] else -1 for i in range(n)], dtype=np.int64)
        shared = minhash.boilerplate(sig, ok, owners, max_owners=MAX_TEXT_MERGE)
        if shared.any():
            by_kind["boilerplate_texts"] = int(shared.sum())
        seen_pairs: set[tuple[int, int]] = set()
        for heads, members in minhash.candidate_pairs(sig, ok & ~shared):
            sim = minhash.similarity(sig[heads], sig[members])
            hit = sim >= text_threshold
            for a, b, s in zip(heads[hit].tolist(), members[hit].tolist(), sim[hit].tolist(),
                               strict=True):
                pair = (a, b) if a < b else (b, a)
                if pair in seen_pairs:
                    continue
                seen_pairs.add(pair)
                conf = round(TEXT_WEIGHT * s, 4)
                by_kind["text"] = by_kind.get("text", 0) + 1
                if conf >= min_confidence:
                    uf.union(a, b)
                if keep_links:
                    links.append(Link(ids[a], ids[b], "text",
                                      f"near-duplicate text (Jaccard ≈ {s:.2f})", conf))
        del sig, ok, seen_pairs
    roots = np.array([uf.find(i) for i in range(n)], dtype=np.int64)
    id_arr = np.array(ids, dtype=np.int64)
    # Seller id: the smallest listing id in the group, stable across re-runs.
    smallest: dict[int, int] = {}
    for r, lid in zip(roots.tolist(), id_arr.tolist(), strict=True):
        if r not in smallest or lid < smallest[r]:
            smallest[r] = lid
    seller_of = {lid: smallest[r] for r, lid in zip(roots.tolist(), id_arr.tolist(),
                                                     strict=True)}
    skipped = sum(1 for s in group_size.values() if s > MAX_GROUP)
    return Resolution(seller_of=seller_of, links=links, skipped_groups=skipped, by_kind=by_kind)


def _image_close(a: int, b: int, h: int, table: dict[int, int], max_bits: int = 4) -> bool:
    other = table.get(a)
    return other is not None and bin(other ^ h).count("1") <= max_bits
