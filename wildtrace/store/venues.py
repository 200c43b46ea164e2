"""The venue book's storage: one row per domain the crawler met, with its counts and the
tallies its kind, language and country are voted from.

Also the candidate venues of venue discovery (:class:`CandidateStore`, reached as
``store.venues.candidates``): where crawled pages point outside the crawl.

The votes themselves are counted and decided by :class:`wildtrace.collect.venues.VenueBook`;
this module reads the stored tallies and writes what the book decided.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wildtrace.records import Venue
from wildtrace.store.core import utcnow
from wildtrace.store.tables.collect import venues as vt
from wildtrace.store.tables.discovery import venue_candidates as ct


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
        # Candidate venues found outside the crawl (venue discovery).
        self.candidates = CandidateStore(engine)

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


# -- candidate venues (venue discovery: collect/discovery.py) -------------------------
NEW, PROMOTED, DISMISSED = "new", "promoted", "dismissed"
STATES = (NEW, PROMOTED, DISMISSED)


@dataclass(frozen=True)
class CandidateCount:
    """What a batch of pages adds to one candidate venue."""

    key: str
    kind: str
    url: str
    mentions: int
    relevant: int
    score: float
    example: str
    languages: dict[str, int]


@dataclass(frozen=True)
class Candidate:
    """A candidate venue as stored."""

    id: int
    key: str
    kind: str
    url: str
    mentions: int
    relevant: int
    relevance: float  # mean relevance of the pages pointing to it (0..1)
    language: str
    example: str
    first_seen: datetime
    last_seen: datetime
    state: str
    decided_by: str

    def as_dict(self) -> dict[str, Any]:
        """The candidate as JSON shows it."""
        return {"id": self.id, "key": self.key, "kind": self.kind, "url": self.url,
                "mentions": self.mentions, "relevant": self.relevant,
                "relevance": round(self.relevance, 3), "language": self.language,
                "example": self.example, "first_seen": _iso(self.first_seen),
                "last_seen": _iso(self.last_seen), "state": self.state,
                "decided_by": self.decided_by}


def _iso(dt: datetime) -> str:
    aware = dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)
    return aware.strftime("%Y-%m-%dT%H:%M:%SZ")


def _candidate(r: Any) -> Candidate:
    return Candidate(r.id, r.key, r.kind, r.url, r.mentions, r.relevant,
                     r.score_sum / r.mentions if r.mentions else 0.0, r.language, r.example,
                     r.first_seen, r.last_seen, r.state, r.decided_by)


def _top(votes: dict[str, int]) -> str:
    return max(sorted(votes), key=lambda k: votes[k]) if votes else ""


class CandidateStore:
    """The ``venue_candidates`` table (reached as ``store.venues.candidates``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, counts: Sequence[CandidateCount]) -> None:
        """Add a batch's counts, in one transaction; an unknown key becomes a new
        candidate first seen now."""
        if not counts:
            return
        now = utcnow()
        with self.engine.begin() as conn:
            known = {r.key: r for r in conn.execute(
                sa.select(ct.c.key, ct.c.languages).where(
                    ct.c.key.in_([c.key for c in counts])))}
            for c in counts:
                prev = known.get(c.key)
                langs = dict(json.loads(prev.languages or "{}")) if prev is not None else {}
                for lang, n in c.languages.items():
                    langs[lang] = langs.get(lang, 0) + n
                values: dict[str, Any] = {
                    "languages": json.dumps(langs, sort_keys=True), "language": _top(langs),
                    "last_seen": now}
                if prev is not None:
                    conn.execute(ct.update().where(ct.c.key == c.key).values(
                        mentions=ct.c.mentions + c.mentions,
                        relevant=ct.c.relevant + c.relevant,
                        score_sum=ct.c.score_sum + c.score, **values))
                else:
                    conn.execute(ct.insert().values(
                        key=c.key[:300], kind=c.kind, url=c.url[:2000], mentions=c.mentions,
                        relevant=c.relevant, score_sum=c.score, example=c.example[:2000],
                        first_seen=now, state=NEW, **values))

    def find(self, state: str | None = NEW, kind: str | None = None,
             limit: int = 500) -> list[Candidate]:
        """Candidates (of one state and kind when given), those pointed to by the most
        relevant pages first."""
        q = sa.select(ct)
        if state is not None:
            q = q.where(ct.c.state == state)
        if kind is not None:
            q = q.where(ct.c.kind == kind)
        q = q.order_by(ct.c.relevant.desc(), ct.c.mentions.desc(), ct.c.id).limit(limit)
        with self.engine.connect() as conn:
            return [_candidate(r) for r in conn.execute(q)]

    def get(self, candidate_id: int) -> Candidate | None:
        """One candidate by id."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(ct).where(ct.c.id == candidate_id)).first()
        return _candidate(row) if row is not None else None

    def decide(self, candidate_id: int, state: str, user: str) -> Candidate | None:
        """Promote or dismiss a candidate (or put it back to new); None when there is no
        such candidate."""
        if state not in STATES:
            raise ValueError(f"unknown candidate state {state!r}")
        with self.engine.begin() as conn:
            done = conn.execute(ct.update().where(ct.c.id == candidate_id).values(
                state=state, decided_by=user[:200], decided_at=utcnow()))
        return self.get(candidate_id) if done.rowcount else None

    def counts(self) -> dict[str, int]:
        """Candidates per state."""
        with self.engine.connect() as conn:
            got: dict[str, int] = {str(s): int(n) for s, n in conn.execute(
                sa.select(ct.c.state, sa.func.count()).group_by(ct.c.state))}
        return {s: int(got.get(s, 0)) for s in STATES}
