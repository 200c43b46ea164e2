"""Incremental seller resolution: new listings join the stored sellers.

A full run (:func:`wildtrace.link.resolver.resolve`) is a deterministic pass over the
listings in id order, and listings are only ever added with larger ids, so the state
it ends in (:mod:`wildtrace.store.link_index`) is all a later run needs:

1. **Streaming rules** (account, handle, identifier, photo): the new listings' keys are
   loaded and the same :func:`~wildtrace.link.keys.scan` runs on them, giving exactly the
   links a full run finds for them (earlier listings' links never change).
2. **Owners** (sellers before text links) merge where the new links join them.
3. **Boilerplate** is recounted in the LSH buckets whose members or owners changed; a
   bucket that becomes (or stops being) boilerplate changes which texts may link.
4. **Text links** are recomputed in every bucket whose comparable members changed: new
   pairs are added, and pairs no longer found in any bucket are removed (a text that
   became boilerplate, a bucket past its size cap). Text links can disappear, so
   sellers can split as well as merge.
5. The **affected sellers** (those of every listing whose links changed) are re-merged
   from their links; every other seller is copied from the parent run in SQL.

The result, members and links alike, equals a full run over the same listings, which
``tests/test_link_incremental.py`` checks on random listing sets and split points.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from typing import Any

import numpy as np

from wildtrace.blobstore import BlobStore
from wildtrace.link import keys, minhash, resolver
from wildtrace.link.keys import KeyState, keys_of, scan
from wildtrace.link.resolver import (
    MIN_CONFIDENCE,
    TEXT_THRESHOLD,
    Regroup,
    text_confidence,
    text_evidence,
)
from wildtrace.link.sellers import VERSION, PhotoFacts, link_input, link_text
from wildtrace.records import StoredLink
from wildtrace.store import Store
from wildtrace.store.link_index import (
    Bucket,
    IndexDelta,
    LinkIndexStore,
    sig_from_bytes,
    sig_to_bytes,
)

CLOSE = 0.8  # as minhash.boilerplate's threshold

Member = tuple[int, bool, int, bool, int]  # listing, close, owner, known, shared


class Signatures:
    """MinHash signatures and band keys by listing id: the new listings' computed from
    their text, stored listings' read from the link index (recomputed from the text only
    for rows indexed before signatures were kept)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.sig: dict[int, np.ndarray] = {}
        self.ok: dict[int, bool] = {}
        self.bands: dict[int, list[int]] = {}

    def add(self, ids: list[int], texts: list[str]) -> None:
        """Compute the signatures of ``texts`` (of listings ``ids``)."""
        sig, ok = minhash.signatures(texts)
        keys = np.stack([minhash.band_keys(sig, b).view(np.int64)
                         for b in range(minhash.BANDS)], axis=1) if len(ids) else None
        for i, lid in enumerate(ids):
            self.sig[lid], self.ok[lid] = sig[i], bool(ok[i])
            if ok[i] and keys is not None:
                self.bands[lid] = keys[i].tolist()

    def put(self, ids: list[int], sigs: list[np.ndarray], ok: list[bool]) -> None:
        """Take known signatures (band keys are derived from them)."""
        if not ids:
            return
        sig = np.stack(sigs)
        keys = np.stack([minhash.band_keys(sig, b).view(np.int64)
                         for b in range(minhash.BANDS)], axis=1)
        for i, lid in enumerate(ids):
            self.sig[lid], self.ok[lid] = sig[i], ok[i]
            if ok[i]:
                self.bands[lid] = keys[i].tolist()

    def need(self, ids: Iterable[int]) -> None:
        """Make sure the signatures of ``ids`` are known (from the index, else from the
        stored listings' text)."""
        missing = sorted({i for i in ids if i not in self.sig})
        if not missing:
            return
        stored = self.store.link.index.signatures(missing)
        empty = np.full(minhash.NUM_PERM, 0xFFFFFFFF, dtype=np.uint32)
        have = [(lid, sig_from_bytes(raw) if ok and raw is not None else empty, ok)
                for lid, (ok, raw) in stored.items() if raw is not None or not ok]
        self.put([x[0] for x in have], [x[1] for x in have], [x[2] for x in have])
        missing = [i for i in missing if i not in self.sig]
        for i in range(0, len(missing), 20_000):
            found = self.store.listings_by_id(missing[i:i + 20_000])
            self.add([x.id for x in found], [link_text(x) for x in found])

    def keys(self, ids: Iterable[int]) -> list[Bucket]:
        """The LSH buckets ``(band, key)`` of the comparable listings among ``ids``."""
        return [(band, k) for i in ids if self.ok[i]
                for band, k in enumerate(self.bands[i])]

    def sim(self, a: int, b: int) -> float:
        """Estimated Jaccard similarity of two listings' texts."""
        return float(np.count_nonzero(self.sig[a] == self.sig[b])) / minhash.NUM_PERM


def run_incremental(store: Store, blobs: BlobStore | None, parent: int
                    ) -> tuple[int, dict[str, Any]] | None:
    """Resolve the listings stored after link run ``parent`` into it, as a new run.

    Returns the new run's id and summary, or None when an incremental run cannot give a
    full run's answer (no index for ``parent``, or a listing older than the parent's
    newest came in late), in which case the caller runs a full resolution.
    """
    idx = store.link.index
    if idx.run() != parent:
        return None
    count, newest = store.link.extent(parent)
    photos = PhotoFacts.of(store)
    new = [link_input(x, blobs, photos) for x in store.iter_listings(first=newest + 1)]
    if not new or store.count_listings() != count + len(new):
        return None
    new_ids = [x.listing_id for x in new]
    sigs = Signatures(store)
    sigs.add(new_ids, [x.text for x in new])

    # 1. The streaming rules, from the stored first holders of the new listings' keys.
    state = _load_state(store, {k for x in new for k in
                                keys_of(x.platform, x.account, x.identifiers,
                                        x.image_hashes)})
    sizes_before = dict(state.size)
    found: list[StoredLink] = []
    by_kind: Counter[str] = Counter()

    def add(a: int, b: int, kind: str, evidence: str, conf: float) -> None:
        by_kind[kind] += 1
        found.append((a, b, kind, evidence, conf))

    known = {x.listing_id: scan(x.listing_id, x.platform, x.account, x.identifiers,
                                x.image_hashes, state, add) for x in new}

    # 2. Owners: old owners joined by the new links take the smallest one's label.
    old_ends = {a for a, *_ in found if a <= newest}
    rows = idx.rows(old_ends)
    owners = Regroup()
    for a, b, _k, _e, conf in found:
        if conf >= MIN_CONFIDENCE:
            owners.union(rows[a][1] if a <= newest else a, b)
    owner_of = {lid: owners.find(lid) for lid in new_ids}
    relabel = {o: owners.find(o) for o in {r[1] for r in rows.values()} if owners.find(o) != o}
    moved = idx.owned_by(relabel)
    sigs.need(moved)

    # 3. Boilerplate in every bucket holding a new listing or a re-labelled one. Big
    # buckets (a footer or supplier text on thousands of listings) are sized first and
    # read whole only where they may stop being boilerplate (``_stays_boilerplate``).
    delta = IndexDelta(relabel=relabel)
    touched = sigs.keys(new_ids) + sigs.keys(sorted(moved))
    flagged = idx.flagged(touched)
    # Big buckets are boilerplate ones (a big bucket that is not is anonymous spam,
    # rare, and simply read): only the few flagged buckets are sized.
    sizes = idx.bucket_sizes(flagged, big=_big())
    big = {b for b, size in sizes.items() if size.members > _big()}
    members = idx.buckets(set(touched) - big)
    heads = {b: m[0][0] for b, m in members.items()} | {b: sizes[b].head for b in big}
    new_members = _place_new(sigs, new_ids, heads, delta)
    shared_delta: Counter[int] = Counter()
    stored_shared: dict[int, int] = {}
    for bucket in set(touched):
        fresh = new_members.get(bucket, [])
        if bucket in big:  # flagged, so boilerplate before
            if _stays_boilerplate(idx, bucket, relabel):
                for lid, close in fresh:  # and after: only its new members change
                    shared_delta[lid] += close
                continue
            members.update(idx.buckets([bucket]))
            big.discard(bucket)
        old = members.get(bucket, [])
        for m in old:
            stored_shared[m[0]] = m[4]
        everyone = [(lid, close, relabel.get(o, o), kn) for lid, close, o, kn, _ in old] + \
            [(lid, close, owner_of[lid], known[lid]) for lid, close in fresh]
        cap = resolver.MAX_TEXT_MERGE
        now = len(everyone) > cap and len(
            {o for _, close, o, kn in everyone if close and kn}) > cap
        was = bucket in flagged
        if was != now:
            (delta.flag if now else delta.unflag).append(bucket)
        for lid, close, _owner, _known in everyone:
            if close and (now and (not was or lid > newest)):
                shared_delta[lid] += 1
            elif close and was and not now and lid <= newest:
                shared_delta[lid] -= 1
    new_shared = {lid: shared_delta[lid] for lid in new_ids}
    flipped = [lid for lid, d in shared_delta.items() if lid <= newest and d and
               (stored_shared[lid] > 0) != (stored_shared[lid] + d > 0)]
    delta.shared = {lid: stored_shared[lid] + d for lid, d in shared_delta.items()
                    if lid <= newest and d}

    def shared_now(lid: int, stored: int) -> bool:
        return (new_shared[lid] if lid > newest else stored + shared_delta[lid]) > 0

    # 4. Text links in every bucket whose comparable members changed.
    sigs.need(flipped)
    changed_buckets = set(sigs.keys(new_ids) + sigs.keys(flipped))
    flips_in: Counter[Bucket] = Counter(sigs.keys(flipped))
    # A big bucket not read yet changes no text link when no member flipped and no
    # comparable listing joined it, or when it has more comparable members than the cap
    # even after every flipped member left: it is not read.
    skip = {b for b in (changed_buckets & big) - set(members)
            if sizes[b].comparable - flips_in[b] > minhash.MAX_BUCKET or
            (not flips_in[b] and all(new_shared[lid] for lid, _ in new_members.get(b, [])))}
    members.update(idx.buckets(changed_buckets - set(members) - skip))
    changed_buckets -= skip
    flipped_set = set(flipped)
    before: dict[tuple[int, int], float] = {}
    after: dict[tuple[int, int], float] = {}
    general: list[tuple[list[int], list[int]]] = []
    redone: set[Bucket] = set()  # the buckets of ``general``
    grown: list[tuple[int, list[int]]] = []
    cap = minhash.MAX_BUCKET
    for bucket in changed_buckets:
        old = members.get(bucket, [])
        incoming = [lid for lid, _ in new_members.get(bucket, []) if not new_shared[lid]]
        prior = [m[0] for m in old if m[4] == 0]
        if any(m[0] in flipped_set for m in old) or \
                2 <= len(prior) <= cap < len(prior) + len(incoming):
            # Members left or joined the comparable set, or it grew past the cap: the
            # bucket's pairs before and after are both worked out.
            redone.add(bucket)
            general.append((prior, [m[0] for m in old if not shared_now(m[0], m[4])] +
                            incoming))
        elif incoming and 2 <= len(prior) + len(incoming) <= cap:
            # Only new members joined: the first member is unchanged (new ids are
            # larger), so the old pairs stand and each new member pairs with it.
            grown.append((prior[0] if prior else incoming[0], incoming))
    sigs.need([i for old_ids, now_ids in general for i in old_ids + now_ids] +
              [head for head, _ in grown])
    for old_ids, now_ids in general:
        _pairs(sigs, old_ids, before)
        _pairs(sigs, now_ids, after)
    for head, incoming in grown:
        for lid in incoming:
            if lid != head:
                s = sigs.sim(head, lid)
                if s >= TEXT_THRESHOLD:
                    after[(head, lid)] = s
    gone = [p for p in before if p not in after and
            not _found_elsewhere(idx.buckets, sigs, p, redone)]

    # 5. Re-merge the affected sellers from their links.
    seeds = {lid for a, b, *_ in found for lid in (a, b)} | {x for p in gone for x in p} | \
        {x for p in after for x in p} | set(new_ids)
    sellers = store.link.members_of(parent, [s for s in seeds if s <= newest])
    region = store.link.sellers_members(parent, set(sellers.values()))
    removed = {(a, b, "text") for a, b in gone}
    kept = [x for x in store.link.links_from(parent, region)
            if (x[0], x[1], x[2]) not in removed]
    have = {(a, b) for a, b, k, *_ in kept if k == "text"}
    added_text = [(a, b, "text", text_evidence(s), text_confidence(s))
                  for (a, b), s in sorted(after.items()) if (a, b) not in have]
    groups = Regroup()
    for lid in list(region) + new_ids:
        groups.find(lid)
    for a, b, _k, _e, conf in kept + found + added_text:
        if conf >= MIN_CONFIDENCE:
            groups.union(a, b)
    seller_now = {lid: groups.find(lid) for lid in list(region) + new_ids}
    changed = {lid: s for lid, s in seller_now.items() if region.get(lid) != s}

    delta.keys = _touched_keys(state)
    delta.rows = [(lid, owner_of[lid], known[lid], sigs.ok[lid], new_shared[lid])
                  for lid in new_ids]
    delta.sigs = {lid: sig_to_bytes(sigs.sig[lid]) for lid in new_ids if sigs.ok[lid]}
    run_id = store.start_run("link", VERSION)
    if not store.link.save_incremental(run_id, parent, changed, removed,
                                       found + added_text, delta):
        return None
    boilerplate = _boilerplate_change(flipped, stored_shared, shared_delta) + \
        sum(1 for v in new_shared.values() if v > 0)
    summary = _summary(store, parent, region, seller_now, by_kind,
                       len(added_text) - len(removed), boilerplate,
                       _newly_skipped(sizes_before, state))
    summary["incremental"] = {"parent_run": parent, "new_listings": len(new_ids),
                              "sellers_re_merged": len(set(sellers.values())),
                              "listings_re_merged": len(seller_now)}
    store.finish_run(run_id, summary)
    return run_id, summary


def _load_state(store: Store, keys: Collection[str]) -> KeyState:
    """The part of the stored key state that ``keys`` ask about."""
    state = KeyState(track=True)
    for key, (holder, size, aux) in store.link.index.keys(keys).items():
        state.first[key] = holder
        if key[0] == "i":
            state.size[key] = size
        elif key[0] == "h":
            state.platform[key] = aux
        elif key[0] == "p":
            state.image_of[holder] = int(aux, 16)
    return state


def _touched_keys(state: KeyState) -> list[tuple[str, int, int, str]]:
    """The changed keys as stored rows (see ``link_keys``)."""
    out = []
    for key in sorted(state.touched):
        holder = state.first[key]
        aux = state.platform.get(key, "") if key[0] == "h" else \
            (f"{state.image_of.get(holder, 0):016x}" if key[0] == "p" else "")
        out.append((key, holder, state.size.get(key, 0), aux))
    return out


def _big() -> int:
    """Members past which a bucket is sized before it is read (well past the size cap,
    so that such a bucket gives no text links)."""
    return 2 * minhash.MAX_BUCKET


def _stays_boilerplate(idx: LinkIndexStore, bucket: Bucket,
                       relabel: dict[int, int]) -> bool:
    """Whether a boilerplate bucket surely stays one, told without reading its members:
    its close, identified members have more distinct owners than ``MAX_TEXT_MERGE``
    among the owners no merge of this run re-labels (those stay distinct whatever else
    merges, and new members only add owners). False means "maybe not": the bucket is
    then read whole."""
    cap = resolver.MAX_TEXT_MERGE
    return len(idx.bucket_owners(bucket, besides=relabel, limit=cap + 1)) > cap


def _place_new(sigs: Signatures, new_ids: list[int], heads: dict[Bucket, int],
               delta: IndexDelta) -> dict[Bucket, list[tuple[int, bool]]]:
    """Put the new listings into their buckets: each is *close* when near-identical to
    the bucket's first listing (``heads``: an old one, or else the first new one); the
    rows go to ``delta.bands``. Returns the new members of each bucket, in id order."""
    # Heads first (a dictionary pass), then every closeness in one numpy comparison:
    # one Python similarity call per (listing, band) was most of this step's time.
    order: list[tuple[Bucket, int, int]] = []  # bucket, listing, its head
    first_new: dict[Bucket, int] = {}
    for lid in new_ids:
        if not sigs.ok[lid]:
            continue
        for band, key in enumerate(sigs.bands[lid]):
            bucket = (band, key)
            head = heads[bucket] if bucket in heads else first_new.setdefault(bucket, lid)
            order.append((bucket, lid, head))
    sigs.need({head for _, _, head in order})
    close = _close_to_heads(sigs, [lid for _, lid, _ in order], [h for _, _, h in order])
    placed: dict[Bucket, list[tuple[int, bool]]] = {}
    for (bucket, lid, _head), near in zip(order, close, strict=True):
        placed.setdefault(bucket, []).append((lid, near))
        delta.bands.append((bucket[0], bucket[1], lid, near))
    return placed


def _close_to_heads(sigs: Signatures, ids: list[int], heads: list[int]) -> list[bool]:
    """Whether each listing is near-identical (``CLOSE``) to its bucket's head; a head is
    close to itself."""
    out: list[bool] = []
    step = 50_000  # rows per comparison: bounded memory
    for i in range(0, len(ids), step):
        a, h = ids[i:i + step], heads[i:i + step]
        if not a:
            break
        left = np.stack([sigs.sig[x] for x in a])
        right = np.stack([sigs.sig[x] for x in h])
        sim = np.count_nonzero(left == right, axis=1) / minhash.NUM_PERM
        same = np.array(a) == np.array(h)
        out.extend((same | (sim >= CLOSE)).tolist())
    return out


def _pairs(sigs: Signatures, ids: list[int], out: dict[tuple[int, int], float]) -> None:
    """The text links one bucket of comparable listings ``ids`` gives: every member
    near-identical to the bucket's first (as :func:`minhash.candidate_pairs`)."""
    if not 2 <= len(ids) <= minhash.MAX_BUCKET:
        return
    ids = sorted(ids)
    sigs.need(ids)  # normally known already: fetched for all buckets at once
    mat = np.stack([sigs.sig[i] for i in ids])
    sim = (mat[1:] == mat[0]).mean(axis=1)
    for lid, s in zip(ids[1:], sim.tolist(), strict=True):
        if s >= TEXT_THRESHOLD:
            out[(ids[0], lid)] = s


def _found_elsewhere(fetch: Any, sigs: Signatures, pair: tuple[int, int],
                     redone: set[Bucket]) -> bool:
    """Whether a bucket other than those ``redone`` gives the text link ``pair``: its old
    pairs stand (it did not change, or only gained new members)."""
    a, b = pair
    ka, kb = sigs.bands[a], sigs.bands[b]
    for band in range(minhash.BANDS):
        bucket = (band, ka[band])
        if ka[band] != kb[band] or bucket in redone:
            continue
        rows = sorted(m[0] for m in fetch({bucket}).get(bucket, []) if m[4] == 0)
        if 2 <= len(rows) <= minhash.MAX_BUCKET and rows[0] == a and b in rows:
            return True
    return False


def _boilerplate_change(flipped: list[int], stored: dict[int, int],
                        change: Counter[int]) -> int:
    """How many more old listings count as boilerplate than before."""
    return sum(1 if stored[lid] + change[lid] > 0 else -1 for lid in flipped)


def _newly_skipped(before: dict[str, int], state: KeyState) -> int:
    """Identifier groups that grew past ``MAX_GROUP`` in this run."""
    return sum(1 for key, size in state.size.items()
               if size > keys.MAX_GROUP >= before.get(key, 0))


def _summary(store: Store, parent: int, region: dict[int, int], now: dict[int, int],
             by_kind: Counter[str], text_change: int, boilerplate_change: int,
             newly_skipped: int) -> dict[str, Any]:
    """The parent's summary moved on by what changed (the figures a full run reports)."""
    d = store.link.run_detail(parent)
    source = store.link.sources(now)
    before, after = _groups(region, source), _groups(now, source)
    links = Counter({k: int(v) for k, v in dict(d.get("links", {})).items()})
    links.update(by_kind)
    links["text"] += text_change
    links["boilerplate_texts"] += boilerplate_change
    return {
        "listings": int(d.get("listings", 0)) + len(now) - len(region),
        "sellers": int(d.get("sellers", 0)) - len(before) + len(after),
        "links": {k: v for k, v in sorted(links.items()) if v},
        "multi_listing_sellers": int(d.get("multi_listing_sellers", 0))
        - sum(1 for n, _ in before.values() if n > 1)
        + sum(1 for n, _ in after.values() if n > 1),
        "cross_platform_sellers": int(d.get("cross_platform_sellers", 0))
        - sum(1 for _, p in before.values() if len(p) > 1)
        + sum(1 for _, p in after.values() if len(p) > 1),
        "skipped_common_identifiers": int(d.get("skipped_common_identifiers", 0))
        + newly_skipped,
    }


def _groups(seller_of: dict[int, int], source: dict[int, str]
            ) -> dict[int, tuple[int, set[str]]]:
    """Per seller: how many listings, on which platforms."""
    out: dict[int, tuple[int, set[str]]] = {}
    for lid, sid in seller_of.items():
        n, plats = out.get(sid, (0, set()))
        plats.add(source.get(lid, ""))
        out[sid] = (n + 1, plats)
    return out
