"""Storage of page kinds and seller profiles (tables in :mod:`wildtrace.store.tables.pages`).

Every captured page that was read gets one ``page_kinds`` row (its kind, why, and how many
listings it made), written in the same batch as its listings. A seller's profile page is
stored as a ``seller_profiles`` row: what the seller says of themselves (name, handle,
location, contacts), kept per capture so a later visit adds a row instead of overwriting.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wildtrace.records import Identifier
from wildtrace.store.core import utcnow
from wildtrace.store.tables.pages import page_kinds, seller_profiles

IN_CHUNK = 500


@dataclass(frozen=True)
class PageKindRow:
    """The kind one captured page was read as."""

    capture_id: int
    url: str
    domain: str
    kind: str
    reason: str = ""
    items: int = 0
    created_at: datetime | None = None


@dataclass(frozen=True)
class SellerProfile:
    """What a seller's profile page said, as captured."""

    source: str
    url: str
    capture_id: int
    name: str = ""
    handle: str = ""
    location: str = ""
    identifiers: tuple[Identifier, ...] = ()
    detail: dict[str, Any] = field(default_factory=dict)
    capture_sha256: str = ""
    id: int | None = None
    created_at: datetime | None = None


class PageStore:
    """The ``page_kinds`` and ``seller_profiles`` tables."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, kinds: Sequence[PageKindRow], profiles: Sequence[SellerProfile] = ()
            ) -> None:
        """Record the kinds of a batch of pages and the profiles read from them (one
        transaction)."""
        if not kinds and not profiles:
            return
        now = utcnow()
        with self._engine.begin() as conn:
            if kinds:
                conn.execute(page_kinds.insert(), [
                    {"capture_id": k.capture_id, "url": k.url[:4000],
                     "domain": k.domain[:255], "kind": k.kind[:16], "reason": k.reason[:2000],
                     "items": k.items, "created_at": now} for k in kinds])
            if profiles:
                conn.execute(seller_profiles.insert(), [
                    {"source": p.source[:200], "url": p.url[:4000], "name": p.name[:2000],
                     "handle": p.handle[:200], "location": p.location[:2000],
                     "identifiers": json.dumps([{"kind": i.kind, "value": i.value}
                                                for i in p.identifiers]),
                     "detail": json.dumps(p.detail, ensure_ascii=False, default=str),
                     "capture_id": p.capture_id, "capture_sha256": p.capture_sha256,
                     "created_at": now} for p in profiles])

    def kinds_of(self, capture_ids: Iterable[int]) -> dict[int, PageKindRow]:
        """The latest recorded kind of each capture in ``capture_ids``."""
        ids = sorted(set(capture_ids))
        out: dict[int, PageKindRow] = {}
        c = page_kinds.c
        with self._engine.connect() as conn:
            for i in range(0, len(ids), IN_CHUNK):
                rows = conn.execute(sa.select(page_kinds).where(
                    c.capture_id.in_(ids[i:i + IN_CHUNK])).order_by(c.id))
                for r in rows:
                    out[r.capture_id] = _kind(r)
        return out

    def counts(self, domain: str = "") -> dict[str, int]:
        """Pages per kind (of one domain when given)."""
        c = page_kinds.c
        q = sa.select(c.kind, sa.func.count()).group_by(c.kind)
        if domain:
            q = q.where(c.domain == domain)
        with self._engine.connect() as conn:
            return {str(k): int(n) for k, n in conn.execute(q)}

    def last_of(self, domain: str, kinds: Sequence[str]) -> PageKindRow | None:
        """The most recent page of ``domain`` read as one of ``kinds`` (a login or
        CAPTCHA page tells that the site's session lapsed), or None."""
        c = page_kinds.c
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(page_kinds).where(
                c.domain == domain, c.kind.in_(list(kinds))).order_by(
                c.id.desc()).limit(1)).first()
        return _kind(row) if row is not None else None

    def profiles(self, source: str = "", handle: str = "", limit: int = 1000
                 ) -> list[SellerProfile]:
        """Stored seller profiles, newest first (of one source and/or handle)."""
        c = seller_profiles.c
        q = sa.select(seller_profiles).order_by(c.id.desc()).limit(limit)
        if source:
            q = q.where(c.source == source)
        if handle:
            q = q.where(c.handle == handle)
        with self._engine.connect() as conn:
            return [SellerProfile(
                source=r.source, url=r.url, capture_id=r.capture_id, name=r.name,
                handle=r.handle, location=r.location,
                identifiers=tuple(Identifier(i["kind"], i["value"])
                                  for i in json.loads(r.identifiers or "[]")),
                detail=json.loads(r.detail or "{}"), capture_sha256=r.capture_sha256,
                id=r.id, created_at=r.created_at) for r in conn.execute(q)]


def _kind(r: Any) -> PageKindRow:
    return PageKindRow(capture_id=r.capture_id, url=r.url, domain=r.domain, kind=r.kind,
                       reason=r.reason, items=r.items, created_at=r.created_at)
