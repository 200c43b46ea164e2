"""The venue book's storage: one row per domain the crawler met, with its counts and the
tallies its kind, language and country are voted from.

The votes themselves are counted and decided by :class:`wildtrace.collect.venues.VenueBook`;
this module reads the stored tallies and writes what the book decided.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wildtrace.records import Venue
from wildtrace.store.core import utcnow
from wildtrace.store.tables.collect import venues as vt


@dataclass(frozen=True)
class VenueVotes:
    """The tallies of one venue: votes per kind, per language, per country."""

    kind: dict[str, int] = field(default_factory=dict)
    language: dict[str, int] = field(default_factory=dict)
    country: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class VenueUpdate:
    """What a batch of observations changes in one venue's row."""

    domain: str
    pages: int  # added to the stored counts
    listings: int
    relevant: int
    kind: str  # the winners of the new tallies
    language: str
    country: str
    votes: VenueVotes  # the new tallies, replacing the stored ones


def _votes(raw: str) -> VenueVotes:
    data = json.loads(raw or "{}")
    return VenueVotes(kind=dict(data.get("kind", {})), language=dict(data.get("language", {})),
                      country=dict(data.get("country", {})))


def _venue(row: sa.Row[Any]) -> Venue:
    return Venue(domain=row.domain, kind=row.kind, language=row.language,
                 country=row.country, pages=row.pages, listings=row.listings,
                 relevant=row.relevant, first_seen=row.first_seen, last_seen=row.last_seen)


class VenueStore:
    """The ``venues`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def votes(self, domains: Iterable[str]) -> dict[str, VenueVotes]:
        """The stored tallies of those of ``domains`` already in the book."""
        wanted = list(domains)
        if not wanted:
            return {}
        with self.engine.connect() as conn:
            return {r.domain: _votes(r.votes) for r in conn.execute(
                sa.select(vt.c.domain, vt.c.votes).where(vt.c.domain.in_(wanted)))}

    def save(self, updates: Sequence[VenueUpdate]) -> None:
        """Add the counts and replace the tallies and winners, in one transaction; a
        domain not in the book yet gets a row first seen now."""
        if not updates:
            return
        now = utcnow()
        with self.engine.begin() as conn:
            known = set(conn.execute(sa.select(vt.c.domain).where(
                vt.c.domain.in_([u.domain for u in updates]))).scalars())
            for u in updates:
                values: dict[str, Any] = {
                    "kind": u.kind, "language": u.language, "country": u.country,
                    "votes": json.dumps({"kind": u.votes.kind, "language": u.votes.language,
                                         "country": u.votes.country}, sort_keys=True),
                    "last_seen": now}
                if u.domain in known:
                    conn.execute(vt.update().where(vt.c.domain == u.domain).values(
                        pages=vt.c.pages + u.pages, listings=vt.c.listings + u.listings,
                        relevant=vt.c.relevant + u.relevant, **values))
                else:
                    conn.execute(vt.insert().values(
                        domain=u.domain, pages=u.pages, listings=u.listings,
                        relevant=u.relevant, first_seen=now, **values))

    def all(self) -> list[Venue]:
        """Every venue, most relevant listings first."""
        q = sa.select(vt).order_by(vt.c.relevant.desc(), vt.c.listings.desc(), vt.c.domain)
        with self.engine.connect() as conn:
            return [_venue(r) for r in conn.execute(q)]
