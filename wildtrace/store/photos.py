"""Storage of listing photos and of what was read from them (tables in
:mod:`wildtrace.store.tables.photos`).

The photo bytes are evidence blobs; these rows say which listing showed which photo,
whether it was kept (and if not, why), its hashes, and the WARC record that holds the
response. Findings (OCR text, species hints) are appended with their engine, so a better
engine later adds rows beside the old ones.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wildtrace.store.core import utcnow
from wildtrace.store.tables import listings as lt
from wildtrace.store.tables.photos import photo_findings as ft
from wildtrace.store.tables.photos import photos as pt
from wildtrace.store.tables.preserve import captures as ct

_SIGN = 1 << 63


def to_signed(h: int) -> int:
    """A 64-bit unsigned hash as the signed integer a BIGINT column holds."""
    return h - (1 << 64) if h >= _SIGN else h


def to_unsigned(h: int) -> int:
    """The stored signed BIGINT back as the unsigned 64-bit hash."""
    return h + (1 << 64) if h < 0 else h


@dataclass(frozen=True)
class PhotoRow:
    """One photo URL of a listing, as tried."""

    listing_id: int
    url: str
    status: str  # stored, refused, failed, rejected
    reason: str = ""
    sha256: str = ""
    media_type: str = ""
    width: int = 0
    height: int = 0
    size: int = 0
    phash: int | None = None  # unsigned 64-bit difference hash
    photo_key: int | None = None  # the first kept near-duplicate's hash (its own if none)
    warc_file: str = ""
    warc_record: str = ""
    id: int = 0
    fetched_at: datetime | None = None


@dataclass(frozen=True)
class Finding:
    """Something read from a stored photo: its text (``ocr``) or a species hint."""

    photo_id: int
    kind: str
    engine: str
    value: str
    label: str = ""
    confidence: float = 0.0
    detail: dict[str, Any] = field(default_factory=dict)


def _photo(row: sa.Row[Any]) -> PhotoRow:
    return PhotoRow(listing_id=row.listing_id, url=row.url, status=row.status,
                    reason=row.reason, sha256=row.sha256, media_type=row.media_type,
                    width=row.width, height=row.height, size=row.size,
                    phash=None if row.phash is None else to_unsigned(int(row.phash)),
                    photo_key=None if row.photo_key is None
                    else to_unsigned(int(row.photo_key)),
                    warc_file=row.warc_file, warc_record=row.warc_record, id=row.id,
                    fetched_at=row.fetched_at)


class PhotoStore:
    """The ``photos`` and ``photo_findings`` tables."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, row: PhotoRow) -> int:
        """Store one tried photo URL; returns its id (the existing row's when the listing
        already has that URL: a photo is tried once per listing)."""
        values = {"listing_id": row.listing_id, "url": row.url[:4000], "status": row.status,
                  "reason": row.reason[:1000], "sha256": row.sha256,
                  "media_type": row.media_type[:40], "width": row.width,
                  "height": row.height, "size": row.size,
                  "phash": None if row.phash is None else to_signed(row.phash),
                  "photo_key": None if row.photo_key is None else to_signed(row.photo_key),
                  "warc_file": row.warc_file, "warc_record": row.warc_record,
                  "fetched_at": row.fetched_at or utcnow()}
        with self.engine.begin() as conn:
            found = conn.execute(sa.select(pt.c.id).where(
                pt.c.listing_id == row.listing_id, pt.c.url == values["url"])).first()
            if found is not None:
                return int(found[0])
            key = conn.execute(pt.insert().values(**values)).inserted_primary_key
            assert key is not None
            return int(key[0])

    def tried(self, listing_id: int) -> set[str]:
        """The photo URLs of a listing already tried."""
        with self.engine.connect() as conn:
            return {r[0] for r in conn.execute(
                sa.select(pt.c.url).where(pt.c.listing_id == listing_id))}

    def of_listing(self, listing_id: int) -> list[PhotoRow]:
        """Every photo row of a listing, in the order tried."""
        with self.engine.connect() as conn:
            return [_photo(r) for r in conn.execute(
                sa.select(pt).where(pt.c.listing_id == listing_id).order_by(pt.c.id))]

    def get(self, photo_id: int) -> PhotoRow | None:
        """One photo row."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(pt).where(pt.c.id == photo_id)).first()
        return None if row is None else _photo(row)

    def listings_with_images(self, *, limit: int = 10_000,
                             ids: Iterable[int] | None = None, after: int = 0
                             ) -> list[tuple[int, str, list[str]]]:
        """(listing id, page URL, photo URLs) of listings whose extraction named photos
        and which have no photo row yet (or, with ``ids``, of those listings), in id
        order from ``after`` (exclusive), at most ``limit`` listings."""
        q = sa.select(lt.c.id, lt.c.url, lt.c.extra).where(
            lt.c.extra.like('%"images"%'), lt.c.id > after)
        if ids is not None:
            q = q.where(lt.c.id.in_(list(ids)))
        else:
            q = q.where(~sa.exists().where(pt.c.listing_id == lt.c.id))
        out = []
        with self.engine.connect() as conn:
            for r in conn.execute(q.order_by(lt.c.id).limit(limit)):
                try:
                    extra = json.loads(r.extra or "{}")
                except ValueError:
                    continue
                imgs = extra.get("images") if isinstance(extra, dict) else None
                urls = [u for u in (imgs if isinstance(imgs, list) else [imgs])
                        if isinstance(u, str) and u]
                if urls:
                    out.append((int(r.id), str(r.url), urls))
        return out

    def robots_copy(self, robots_url: str) -> str:
        """The blob SHA-256 of the newest robots.txt copy a capture kept for
        ``robots_url`` ("" when none): photo fetches obey the file the crawl obeyed
        without asking the site for it again."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(ct.c.robots_sha256).where(
                ct.c.robots_url == robots_url, ct.c.robots_sha256 != "")
                .order_by(ct.c.id.desc()).limit(1)).first()
        return str(row[0]) if row is not None else ""

    def hashes_by_listing(self) -> dict[int, tuple[int, ...]]:
        """The difference hashes of every listing's stored photos (seller linking)."""
        out: dict[int, list[int]] = defaultdict(list)
        with self.engine.connect() as conn:
            for lid, h in conn.execute(sa.select(pt.c.listing_id, pt.c.phash).where(
                    pt.c.phash.is_not(None)).order_by(pt.c.id)):
                out[int(lid)].append(to_unsigned(int(h)))
        return {k: tuple(v) for k, v in out.items()}

    def keys_by_listing(self) -> dict[int, tuple[int, ...]]:
        """The photo keys of every listing's stored photos (seller linking: two
        listings showing copies of one photo share a key)."""
        out: dict[int, list[int]] = defaultdict(list)
        with self.engine.connect() as conn:
            for lid, k in conn.execute(sa.select(pt.c.listing_id, pt.c.photo_key).where(
                    pt.c.photo_key.is_not(None)).order_by(pt.c.id)):
                key = to_unsigned(int(k))
                if key not in out[int(lid)]:
                    out[int(lid)].append(key)
        return {k: tuple(v) for k, v in out.items()}

    def iter_hashes(self) -> Iterator[tuple[int, int, int, int]]:
        """(photo id, listing id, hash, photo key) of every hashed photo."""
        with self.engine.connect() as conn:
            for pid, lid, h, k in conn.execute(
                    sa.select(pt.c.id, pt.c.listing_id, pt.c.phash, pt.c.photo_key)
                    .where(pt.c.phash.is_not(None)).order_by(pt.c.id)):
                yield (int(pid), int(lid), to_unsigned(int(h)),
                       to_unsigned(int(k if k is not None else h)))

    def add_findings(self, findings: Iterable[Finding]) -> int:
        """Append findings; returns how many."""
        rows = [{"photo_id": f.photo_id, "kind": f.kind, "engine": f.engine[:120],
                 "value": f.value[:20_000], "label": f.label[:200],
                 "confidence": float(f.confidence),
                 "detail": json.dumps(f.detail, ensure_ascii=False)[:5000],
                 "created_at": utcnow()} for f in findings]
        if rows:
            with self.engine.begin() as conn:
                conn.execute(ft.insert(), rows)
        return len(rows)

    def findings(self, listing_id: int, kind: str | None = None) -> list[Finding]:
        """The findings of a listing's photos (newest engine's rows last)."""
        q = (sa.select(ft).join(pt, pt.c.id == ft.c.photo_id)
             .where(pt.c.listing_id == listing_id).order_by(ft.c.photo_id, ft.c.id))
        if kind is not None:
            q = q.where(ft.c.kind == kind)
        with self.engine.connect() as conn:
            return [Finding(photo_id=r.photo_id, kind=r.kind, engine=r.engine,
                            value=r.value, label=r.label, confidence=r.confidence,
                            detail=json.loads(r.detail or "{}"))
                    for r in conn.execute(q)]

    def ocr_texts(self, listing_ids: Iterable[int] | None) -> dict[int, str]:
        """The text read from each listing's photos (every listing's with ``None``),
        joined (one engine per photo: the newest row wins), for identify, assess and
        identifier extraction."""
        q = (sa.select(pt.c.listing_id, ft.c.photo_id, ft.c.value)
             .join(pt, pt.c.id == ft.c.photo_id)
             .where(ft.c.kind == "ocr")
             .order_by(pt.c.listing_id, ft.c.photo_id, ft.c.id))
        if listing_ids is not None:
            ids = list(listing_ids)
            if not ids:
                return {}
            q = q.where(pt.c.listing_id.in_(ids))
        newest: dict[tuple[int, int], str] = {}
        with self.engine.connect() as conn:
            for lid, pid, value in conn.execute(q):
                newest[(int(lid), int(pid))] = str(value)
        out: dict[int, list[str]] = defaultdict(list)
        for (lid, _pid), text in newest.items():
            if text.strip():
                out[lid].append(text.strip())
        return {k: "\n".join(v) for k, v in out.items()}
