"""The crawl frontier, persisted in the workspace database.

Every canonical URL the crawler has seen has one row. A run takes the highest-priority
queued rows, marks them ``active``, and marks them ``done``, ``failed`` or ``skipped``
(with the reason) when they are settled. Writes are batched by the caller and flushed
often; a run killed with ``kill -9`` leaves rows ``active`` or unsettled, and the next
run's :meth:`Frontier.recover` puts those back in the queue, so nothing is lost. What
was captured is marked done from the capture index (see :meth:`mark_done`), so nothing
captured is fetched again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from wildtrace.collect.canonical import canonical_url, domain_of, url_key
from wildtrace.collect.tables import frontier as ft
from wildtrace.store import utcnow

QUEUED, ACTIVE, DONE, FAILED, SKIPPED = "queued", "active", "done", "failed", "skipped"
_CHUNK = 400


@dataclass(frozen=True, slots=True)
class Entry:
    """A URL waiting in, or taken from, the frontier."""

    url: str
    priority: float = 0.0
    depth: int = 0
    kind: str = "page"  # page or sitemap
    parent: str = ""
    anchor: str = ""

    @property
    def key(self) -> str:
        """The canonical URL's SHA-256."""
        return url_key(self.url)


class Frontier:
    """Queue of URLs to crawl, kept in the ``frontier`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _insert(self) -> sa.Insert:
        if self.engine.dialect.name == "postgresql":
            return postgresql.insert(ft).on_conflict_do_nothing(index_elements=["url_key"])
        return sqlite.insert(ft).on_conflict_do_nothing(index_elements=["url_key"])

    def add(self, entries: Iterable[Entry]) -> int:
        """Queue URLs not seen before (by canonical form); returns how many were new."""
        now = utcnow()
        rows: dict[str, dict[str, object]] = {}
        for e in entries:
            canon = canonical_url(e.url)
            rows.setdefault(url_key(canon), {
                "url_key": url_key(canon), "url": canon, "domain": domain_of(canon),
                "kind": e.kind, "priority": float(e.priority), "depth": e.depth,
                "state": QUEUED, "reason": "", "attempts": 0, "parent": e.parent[:2000],
                "anchor": e.anchor[:500], "added_at": now, "updated_at": now})
        if not rows:
            return 0
        added = 0
        values = list(rows.values())
        with self.engine.begin() as conn:
            for i in range(0, len(values), _CHUNK):
                chunk = values[i:i + _CHUNK]
                # Counted up front: drivers disagree on rowcount for executemany.
                known = set(conn.execute(sa.select(ft.c.url_key).where(
                    ft.c.url_key.in_([v["url_key"] for v in chunk]))).scalars())
                fresh = [v for v in chunk if v["url_key"] not in known]
                if fresh:
                    conn.execute(self._insert(), fresh)
                added += len(fresh)
        return added

    def requeue(self, urls: Iterable[str], priority: float = 1.0) -> None:
        """Put URLs (new or settled) back in the queue: explicit captures and re-seeds."""
        entries = [Entry(u, priority=priority) for u in urls]
        self.add(entries)
        keys = [e.key for e in entries]
        with self.engine.begin() as conn:
            for i in range(0, len(keys), _CHUNK):
                conn.execute(ft.update().where(ft.c.url_key.in_(keys[i:i + _CHUNK])).values(
                    state=QUEUED, reason="", priority=priority, updated_at=utcnow()))

    def recover(self) -> int:
        """Put rows left ``active`` by an interrupted run back in the queue."""
        with self.engine.begin() as conn:
            res = conn.execute(ft.update().where(ft.c.state == ACTIVE).values(
                state=QUEUED, updated_at=utcnow()))
        return max(res.rowcount, 0)

    def mark_done(self, keys: Iterable[str], reason: str = "captured") -> int:
        """Mark URL keys done (e.g. those the capture index already holds)."""
        keys = list(keys)
        n = 0
        with self.engine.begin() as conn:
            for i in range(0, len(keys), _CHUNK):
                res = conn.execute(ft.update().where(
                    ft.c.url_key.in_(keys[i:i + _CHUNK]), ft.c.state != DONE).values(
                    state=DONE, reason=reason, updated_at=utcnow()))
                n += max(res.rowcount, 0)
        return n

    def take(self, n: int, domains: Sequence[str] | None = None) -> list[Entry]:
        """The ``n`` best queued URLs (highest priority, then oldest), marked active."""
        q = sa.select(ft.c.id, ft.c.url, ft.c.priority, ft.c.depth, ft.c.kind, ft.c.parent,
                      ft.c.anchor).where(ft.c.state == QUEUED)
        if domains:
            q = q.where(ft.c.domain.in_(list(domains)))
        q = q.order_by(ft.c.priority.desc(), ft.c.id).limit(n)
        with self.engine.begin() as conn:
            rows = conn.execute(q).all()
            ids = [r.id for r in rows]
            for i in range(0, len(ids), _CHUNK):
                conn.execute(ft.update().where(ft.c.id.in_(ids[i:i + _CHUNK])).values(
                    state=ACTIVE, attempts=ft.c.attempts + 1, updated_at=utcnow()))
        return [Entry(r.url, r.priority, r.depth, r.kind, r.parent, r.anchor) for r in rows]

    def settle(self, results: Sequence[tuple[str, str, str]]) -> None:
        """Record final states: ``(url, state, reason)`` triples, in one transaction."""
        if not results:
            return
        now = utcnow()
        stmt = ft.update().where(ft.c.url_key == sa.bindparam("k")).values(
            state=sa.bindparam("s"), reason=sa.bindparam("r"), updated_at=now)
        with self.engine.begin() as conn:
            conn.execute(stmt, [{"k": url_key(u), "s": s, "r": r[:1000]}
                                for u, s, r in results])

    def reprioritise(self, pairs: Sequence[tuple[str, float]]) -> None:
        """Set the priority of URLs still queued: ``(url, priority)`` pairs."""
        if not pairs:
            return
        stmt = ft.update().where(ft.c.url_key == sa.bindparam("k"),
                                 ft.c.state == QUEUED).values(priority=sa.bindparam("p"))
        with self.engine.begin() as conn:
            conn.execute(stmt, [{"k": url_key(u), "p": float(p)} for u, p in pairs])

    def counts(self, domains: Sequence[str] | None = None) -> dict[str, int]:
        """How many URLs are in each state."""
        q = sa.select(ft.c.state, sa.func.count()).group_by(ft.c.state)
        if domains:
            q = q.where(ft.c.domain.in_(list(domains)))
        with self.engine.connect() as conn:
            return {state: int(n) for state, n in conn.execute(q)}

    def state_of(self, url: str) -> tuple[str, str] | None:
        """``(state, reason)`` of a URL, or None when it was never seen."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(ft.c.state, ft.c.reason).where(
                ft.c.url_key == url_key(url))).first()
        return (row.state, row.reason) if row else None

    def settled(self, states: Sequence[str] = (FAILED, SKIPPED)) -> list[tuple[str, str, str]]:
        """``(url, state, reason)`` of URLs in the given states, oldest first."""
        q = sa.select(ft.c.url, ft.c.state, ft.c.reason).where(
            ft.c.state.in_(list(states))).order_by(ft.c.id)
        with self.engine.connect() as conn:
            return [(r.url, r.state, r.reason) for r in conn.execute(q)]
