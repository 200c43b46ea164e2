"""Storage of the link index: what incremental seller resolution looks up.

A full link run ends in a state (who first showed each account, identifier and photo
band; each listing's seller before text links; every listing's MinHash band keys; which
LSH buckets are boilerplate). Keeping that state lets the next run read only what new
listings touch. :class:`LinkIndex` is the whole state as a full run writes it,
:class:`IndexDelta` the change an incremental run makes; both are written in the same
transaction as the run's memberships, and ``link_index_state`` names the run the index
describes, so a stale index is never used (the next run is then a full one).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Engine

from wildtrace.store.tables.link import (
    link_bands,
    link_flagged,
    link_index_state,
    link_keys,
    link_rows,
)

CHUNK = 20_000  # rows per executemany
IN_CHUNK = 500  # values per IN (...) list
BULK_CHUNK = 50_000  # values per bound array (one parameter)

KeyRow = tuple[str, int, int, str]  # key, first holder, size, aux
IndexRow = tuple[int, int, bool, bool, int]  # listing, owner, known, ok, shared bands
BandRow = tuple[int, int, int, bool]  # band, key, listing, close
Bucket = tuple[int, int]  # band, key


@dataclass
class LinkIndex:
    """The whole link index as a full resolution leaves it."""

    keys: list[KeyRow]
    rows: list[IndexRow]
    bands: list[BandRow]
    flagged: list[Bucket]
    sig: np.ndarray | None = None  # MinHash signatures, by position in ``rows``

    @classmethod
    def from_full(cls, ids: np.ndarray, owner: np.ndarray, known: np.ndarray,
                  ok: np.ndarray, shared: np.ndarray,
                  tables: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]],
                  flagged: list[Bucket], keys: list[KeyRow],
                  sig: np.ndarray | None = None) -> LinkIndex:
        """Built from a resolver's arrays (positions ``0..n-1``; ``tables`` per band:
        rows, their keys and closeness to their bucket's first row; ``sig`` the
        signatures, kept for the comparable rows)."""
        rows = list(zip(ids.tolist(), owner.tolist(), known.tolist(), ok.tolist(),
                        shared.tolist(), strict=True))
        bands: list[BandRow] = []
        for band, (pos, bkeys, close) in enumerate(tables):
            order = np.lexsort((ids[pos], bkeys))  # key order: appends to the B-tree
            bands.extend(zip([band] * len(order), bkeys[order].tolist(),
                             ids[pos][order].tolist(), close[order].tolist(), strict=True))
        return cls(keys=keys, rows=rows, bands=bands, flagged=flagged, sig=sig)


@dataclass(frozen=True)
class BucketSize:
    """An LSH bucket in brief (what an incremental run needs of a big one)."""

    members: int
    head: int  # its first (smallest) listing
    comparable: int  # members in no boilerplate bucket (-1: not counted)


@dataclass
class IndexDelta:
    """What an incremental run changes in the index."""

    keys: list[KeyRow] = field(default_factory=list)  # new or changed keys
    rows: list[IndexRow] = field(default_factory=list)  # new listings
    relabel: dict[int, int] = field(default_factory=dict)  # owner → merged owner
    shared: dict[int, int] = field(default_factory=dict)  # listing → new shared count
    bands: list[BandRow] = field(default_factory=list)  # new listings' band keys
    sigs: dict[int, bytes] = field(default_factory=dict)  # new comparable listings
    flag: list[Bucket] = field(default_factory=list)  # buckets become boilerplate
    unflag: list[Bucket] = field(default_factory=list)  # buckets no longer boilerplate


def sig_to_bytes(row: np.ndarray) -> bytes:
    """A signature as stored: little-endian uint32, whatever the machine's order."""
    return row.astype("<u4", copy=False).tobytes()


def sig_from_bytes(raw: bytes) -> np.ndarray:
    """A stored signature back as a native uint32 array."""
    return np.frombuffer(raw, dtype="<u4").astype(np.uint32)


def _insert(conn: Connection, table: sa.Table, rows: Iterable[dict[str, object]]) -> None:
    batch: list[dict[str, object]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK:
            conn.execute(table.insert(), batch)
            batch = []
    if batch:
        conn.execute(table.insert(), batch)


def write_full(conn: Connection, run_id: int, index: LinkIndex) -> None:
    """Replace the index with ``index``, describing run ``run_id``."""
    for table in (link_keys, link_rows, link_bands, link_flagged, link_index_state):
        conn.execute(table.delete())
    _insert(conn, link_keys, ({"key": k, "listing_id": i, "size": s, "aux": a}
                              for k, i, s, a in index.keys))
    sig = index.sig
    _insert(conn, link_rows, ({"listing_id": i, "owner": o, "known": kn, "ok": ok,
                               "shared": sh,
                               "sig": sig_to_bytes(sig[pos]) if ok and sig is not None
                               else None}
                              for pos, (i, o, kn, ok, sh) in enumerate(index.rows)))
    _insert(conn, link_bands, ({"band": b, "bkey": k, "listing_id": i, "close": c}
                               for b, k, i, c in index.bands))
    _insert(conn, link_flagged, ({"band": b, "bkey": k} for b, k in index.flagged))
    conn.execute(link_index_state.insert(), {"id": 1, "run_id": run_id})


def write_delta(conn: Connection, parent: int, run_id: int, delta: IndexDelta) -> bool:
    """Apply ``delta`` to the index of run ``parent``, which then describes ``run_id``;
    False (nothing written) when the index no longer describes ``parent``."""
    moved = conn.execute(link_index_state.update().where(
        link_index_state.c.id == 1, link_index_state.c.run_id == parent).values(
        run_id=run_id)).rowcount
    if moved != 1:
        return False
    k = link_keys.c
    names = [row[0] for row in delta.keys]
    for cond in bulk_in(conn, k.key, names, sa.String()):
        conn.execute(link_keys.delete().where(cond))
    _insert(conn, link_keys, ({"key": key, "listing_id": i, "size": s, "aux": a}
                              for key, i, s, a in delta.keys))
    r = link_rows.c
    for old, new in delta.relabel.items():
        conn.execute(link_rows.update().where(r.owner == old).values(owner=new))
    if delta.shared:
        conn.execute(link_rows.update().where(r.listing_id == sa.bindparam("lid"))
                     .values(shared=sa.bindparam("sh")),
                     [{"lid": i, "sh": s} for i, s in delta.shared.items()])
    _insert(conn, link_rows, ({"listing_id": i, "owner": o, "known": kn, "ok": ok,
                               "shared": sh, "sig": delta.sigs.get(i)}
                              for i, o, kn, ok, sh in delta.rows))
    _insert(conn, link_bands, ({"band": b, "bkey": key, "listing_id": i, "close": c}
                               for b, key, i, c in sorted(delta.bands)))
    f = link_flagged.c
    for b, key in delta.unflag:
        conn.execute(link_flagged.delete().where(f.band == b, f.bkey == key))
    _insert(conn, link_flagged, ({"band": b, "bkey": key} for b, key in delta.flag))
    return True


def bulk_in(conn: Connection, column: sa.ColumnElement[Any], values: Sequence[Any],
            kind: sa.types.TypeEngine[Any]) -> Iterator[sa.ColumnElement[bool]]:
    """Conditions ``column IN values``, one per batch of ``values``.

    An incremental run looks up hundreds of thousands of band keys; as IN lists of
    ``IN_CHUNK`` bound values that is hundreds of statements and a bound parameter per
    value, most of the run's time. SQLite and PostgreSQL take the whole batch as one
    parameter (a JSON array read by ``json_each``; a typed array compared with ``ANY``),
    which both plan as index look-ups; other databases get the IN lists.
    """
    name = conn.dialect.name
    if name not in ("sqlite", "postgresql"):
        for i in range(0, len(values), IN_CHUNK):
            yield column.in_(values[i:i + IN_CHUNK])
        return
    for i in range(0, len(values), BULK_CHUNK):
        part = list(values[i:i + BULK_CHUNK])
        if name == "sqlite":
            each = sa.func.json_each(sa.literal(json.dumps(part), sa.Text)).table_valued(
                "value")
            yield column.in_(sa.select(each.c.value))
        else:
            yield column == sa.any_(sa.literal(part, postgresql.ARRAY(kind)))


class LinkIndexStore:
    """Reads of the link index (writes go with a run: :mod:`wildtrace.store.link`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def run(self) -> int | None:
        """The link run the index describes, or None when there is no index."""
        with self.engine.connect() as conn:
            value = conn.execute(sa.select(link_index_state.c.run_id)).scalar()
        return int(value) if value is not None else None

    def keys(self, names: Collection[str]) -> dict[str, tuple[int, int, str]]:
        """``key → (first holder, size, aux)`` for those of ``names`` stored."""
        k = link_keys.c
        wanted = sorted(set(names))
        out: dict[str, tuple[int, int, str]] = {}
        with self.engine.connect() as conn:
            for cond in bulk_in(conn, k.key, wanted, sa.String()):
                q = sa.select(k.key, k.listing_id, k.size, k.aux).where(cond)
                out.update((str(a), (int(b), int(c), str(d)))
                           for a, b, c, d in conn.execute(q).all())
        return out

    def rows(self, ids: Collection[int]) -> dict[int, IndexRow]:
        """The index rows of those of ``ids`` indexed."""
        r = link_rows.c
        wanted = sorted(set(ids))
        out: dict[int, IndexRow] = {}
        with self.engine.connect() as conn:
            for cond in bulk_in(conn, r.listing_id, wanted, sa.Integer()):
                q = sa.select(r.listing_id, r.owner, r.known, r.ok, r.shared).where(cond)
                out.update((int(a), (int(a), int(b), bool(c), bool(d), int(e)))
                           for a, b, c, d, e in conn.execute(q).all())
        return out

    def signatures(self, ids: Collection[int]) -> dict[int, tuple[bool, bytes | None]]:
        """``listing → (comparable, stored signature or None)`` for those of ``ids``
        indexed (rows indexed before migration 0024 have no signature)."""
        r = link_rows.c
        wanted = sorted(set(ids))
        out: dict[int, tuple[bool, bytes | None]] = {}
        with self.engine.connect() as conn:
            for cond in bulk_in(conn, r.listing_id, wanted, sa.Integer()):
                q = sa.select(r.listing_id, r.ok, r.sig).where(cond)
                out.update((int(a), (bool(b), bytes(c) if c is not None else None))
                           for a, b, c in conn.execute(q).all())
        return out

    def owned_by(self, owners: Collection[int]) -> dict[int, IndexRow]:
        """The index rows of every listing whose owner is among ``owners``."""
        r = link_rows.c
        wanted = sorted(set(owners))
        out: dict[int, IndexRow] = {}
        with self.engine.connect() as conn:
            for cond in bulk_in(conn, r.owner, wanted, sa.Integer()):
                q = sa.select(r.listing_id, r.owner, r.known, r.ok, r.shared).where(cond)
                out.update((int(a), (int(a), int(b), bool(c), bool(d), int(e)))
                           for a, b, c, d, e in conn.execute(q).all())
        return out

    def buckets(self, wanted: Collection[Bucket]
                ) -> dict[Bucket, list[tuple[int, bool, int, bool, int]]]:
        """Members of LSH buckets: ``(band, key) → [(listing, close, owner, known,
        shared)]`` in listing order (buckets with no member are left out)."""
        b, r = link_bands.c, link_rows.c
        by_band: dict[int, list[int]] = defaultdict(list)
        for band, key in set(wanted):
            by_band[band].append(key)
        out: dict[Bucket, list[tuple[int, bool, int, bool, int]]] = defaultdict(list)
        with self.engine.connect() as conn:
            for band, keys in sorted(by_band.items()):
                keys.sort()
                for cond in bulk_in(conn, b.bkey, keys, sa.BigInteger()):
                    q = (sa.select(b.bkey, b.listing_id, b.close, r.owner, r.known, r.shared)
                         .join(link_rows, r.listing_id == b.listing_id)
                         .where(b.band == band, cond)
                         .order_by(b.bkey, b.listing_id))
                    for key, lid, close, owner, known, shared in conn.execute(q).all():
                        out[(band, int(key))].append((int(lid), bool(close), int(owner),
                                                      bool(known), int(shared)))
        return dict(out)

    def bucket_sizes(self, wanted: Collection[Bucket], *, big: int
                     ) -> dict[Bucket, BucketSize]:
        """Per LSH bucket of ``wanted`` with members: how many, its first (smallest)
        listing, and, for those with more than ``big`` members, how many are comparable
        (in no boilerplate bucket; -1 for the others, which are read whole anyway)."""
        b, r = link_bands.c, link_rows.c
        by_band: dict[int, list[int]] = defaultdict(list)
        for band, key in set(wanted):
            by_band[band].append(key)
        out: dict[Bucket, BucketSize] = {}
        with self.engine.connect() as conn:
            for band, keys in sorted(by_band.items()):
                keys.sort()
                for cond in bulk_in(conn, b.bkey, keys, sa.BigInteger()):
                    # The primary key covers this: no row of link_rows is read.
                    q = (sa.select(b.bkey, sa.func.count(), sa.func.min(b.listing_id))
                         .where(b.band == band, cond).group_by(b.bkey))
                    for key, n, head in conn.execute(q).all():
                        out[(band, int(key))] = BucketSize(int(n), int(head), -1)
            for (band, key), size in list(out.items()):
                if size.members > big:
                    comp = conn.execute(
                        sa.select(sa.func.count()).select_from(link_bands)
                        .join(link_rows, r.listing_id == b.listing_id)
                        .where(b.band == band, b.bkey == key, r.shared == 0)).scalar()
                    out[(band, key)] = BucketSize(size.members, size.head, int(comp or 0))
        return out

    def bucket_owners(self, bucket: Bucket, *, besides: Collection[int] = (),
                      limit: int | None = None) -> list[int]:
        """The distinct owners of a bucket's close, identified members (those that
        count towards boilerplate), leaving out ``besides``; at most ``limit``."""
        b, r = link_bands.c, link_rows.c
        q = (sa.select(r.owner).distinct().join(link_rows, r.listing_id == b.listing_id)
             .where(b.band == bucket[0], b.bkey == bucket[1], b.close == sa.true(),
                    r.known == sa.true()))
        with self.engine.connect() as conn:
            for cond in bulk_in(conn, r.owner, sorted(set(besides)), sa.Integer()):
                q = q.where(sa.not_(cond))
            if limit is not None:
                q = q.limit(limit)
            return [int(x) for x in conn.execute(q).scalars().all()]

    def flagged(self, wanted: Collection[Bucket]) -> set[Bucket]:
        """Those of ``wanted`` that are boilerplate buckets."""
        f = link_flagged.c
        by_band: dict[int, list[int]] = defaultdict(list)
        for band, key in set(wanted):
            by_band[band].append(key)
        out: set[Bucket] = set()
        with self.engine.connect() as conn:
            for band, keys in by_band.items():
                for cond in bulk_in(conn, f.bkey, keys, sa.BigInteger()):
                    q = sa.select(f.bkey).where(f.band == band, cond)
                    out.update((band, int(x)) for x in conn.execute(q).scalars().all())
        return out

    def counts(self, max_group: int) -> tuple[int, int]:
        """(identifier groups over ``max_group``, listings whose text is boilerplate)."""
        with self.engine.connect() as conn:
            over = conn.execute(sa.select(sa.func.count()).select_from(link_keys)
                                .where(link_keys.c.size > max_group)).scalar()
            shared = conn.execute(sa.select(sa.func.count()).select_from(link_rows)
                                  .where(link_rows.c.shared > 0)).scalar()
        return int(over or 0), int(shared or 0)
