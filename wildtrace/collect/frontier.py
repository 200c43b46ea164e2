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

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from wildtrace.collect.canonical import acceptable, canonical_url, domain_of, url_key
from wildtrace.store import utcnow
from wildtrace.store.tables.collect import frontier as ft

QUEUED, ACTIVE, DONE, FAILED, SKIPPED = "queued", "active", "done", "failed", "skipped"
# What a captured page was, in its "done" reason: a listing, or a page without one (a
# home, category, search or forum index page: where new adverts appear).
LISTING, HUB = "listing", "no listing"
_CHUNK = 400
DOMAIN_SCAN_EVERY = 2.0  # seconds a list of the domains with queued URLs is reused


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


def _capped(rows: Sequence[Any], n: int, cap: int) -> tuple[list[Any], dict[str, int]]:
    """The first ``n`` of ``rows`` taking at most ``cap`` per domain; and the counts."""
    chosen: list[Any] = []
    per: dict[str, int] = {}
    for r in rows:
        if per.get(r.domain, 0) < cap:
            per[r.domain] = per.get(r.domain, 0) + 1
            chosen.append(r)
            if len(chosen) >= n:
                break
    return chosen, per


class Frontier:
    """Queue of URLs to crawl, kept in the ``frontier`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # The last list of domains with queued URLs: (for which domains, when, list).
        self._domain_scan: tuple[tuple[str, ...], float, list[str]] | None = None

    def _insert(self) -> sa.Insert:
        if self.engine.dialect.name == "postgresql":
            return postgresql.insert(ft).on_conflict_do_nothing(index_elements=["url_key"])
        return sqlite.insert(ft).on_conflict_do_nothing(index_elements=["url_key"])

    def add(self, entries: Iterable[Entry]) -> int:
        """Queue URLs not seen before (by canonical form); returns how many were new."""
        now = utcnow()
        rows: dict[str, dict[str, object]] = {}
        for e in entries:
            if not acceptable(e.url):
                continue  # nothing the crawler could fetch (bad port, host, length)
            canon = canonical_url(e.url)
            # Keyed as settle/requeue key it (url_key of the stored form), so the two
            # always agree even where canonicalising twice changes a URL again.
            key = url_key(canon)
            rows.setdefault(key, {
                "url_key": key, "url": canon, "domain": domain_of(canon),
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

    def hubs(self, domains: Sequence[str] | None, max_depth: int, limit: int = 5000
             ) -> list[str]:
        """Captured pages that held no listing (index, category, search pages) within
        ``max_depth`` links of the seeds, shallowest first: what a monitoring re-crawl
        fetches again to find new adverts."""
        q = sa.select(ft.c.url).where(ft.c.state == DONE, ft.c.depth <= max_depth,
                                      ft.c.kind == "page",
                                      ft.c.reason.like(f"captured % ({HUB})%"))
        if domains:
            q = q.where(ft.c.domain.in_(list(domains)))
        with self.engine.connect() as conn:
            return list(conn.execute(q.order_by(ft.c.depth, ft.c.id).limit(limit)).scalars())

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

    def take(self, n: int, domains: Sequence[str] | None = None,
             per_domain: int | None = None, exclude: Sequence[str] = ()) -> list[Entry]:
        """Up to ``n`` of the best queued URLs, marked active: highest priority first,
        at most ``per_domain`` from one domain (default ``n // 8``, at least 2), none
        from the domains in ``exclude`` (those with enough in flight already).

        The crawler fetches one URL at a time per site, so a batch holding a single
        site's URLs would leave every other site idle however relevant its pages; the
        cap makes each batch span the sites that have work, best URLs of each first.
        """
        cap = per_domain if per_domain is not None else max(2, n // 8)
        cols = (ft.c.id, ft.c.url, ft.c.priority, ft.c.depth, ft.c.kind, ft.c.parent,
                ft.c.anchor, ft.c.domain)
        with self.engine.begin() as conn:
            q = sa.select(*cols).where(ft.c.state == QUEUED)
            if domains:
                q = q.where(ft.c.domain.in_(list(domains)))
            if exclude:
                q = q.where(ft.c.domain.not_in(list(exclude)))
            # Candidates: the best few batches' worth, taken through the priority index.
            rows = conn.execute(q.order_by(ft.c.priority.desc(), ft.c.id)
                                .limit(n * 4)).all()
            chosen, per = _capped(rows, n, cap)
            if len(chosen) < n and len(rows) == n * 4:
                # Sites whose URLs all rank below the candidates: their best few each,
                # the sites with the best URL first.
                for domain in self._queued_domains(conn, domains):
                    if len(chosen) >= n:
                        break
                    if domain in per or domain in exclude:
                        continue
                    best = conn.execute(q.where(ft.c.domain == domain).order_by(
                        ft.c.priority.desc(), ft.c.id).limit(min(cap, n - len(chosen)))).all()
                    chosen += best
                    per[domain] = len(best)
            chosen.sort(key=lambda r: (-r.priority, r.id))
            ids = [r.id for r in chosen]
            for i in range(0, len(ids), _CHUNK):
                conn.execute(ft.update().where(ft.c.id.in_(ids[i:i + _CHUNK])).values(
                    state=ACTIVE, attempts=ft.c.attempts + 1, updated_at=utcnow()))
        return [Entry(r.url, r.priority, r.depth, r.kind, r.parent, r.anchor) for r in chosen]

    def _queued_domains(self, conn: sa.Connection, domains: Sequence[str] | None
                        ) -> list[str]:
        """Domains with queued URLs, the one with the best URL first. The list walks
        the whole queue, so it is remembered for DOMAIN_SCAN_EVERY seconds (a domain
        found empty since costs one indexed lookup; a new one waits that long)."""
        key = tuple(domains or ())
        now = time.monotonic()
        if self._domain_scan is not None:
            for_domains, at, found = self._domain_scan
            if for_domains == key and now - at < DOMAIN_SCAN_EVERY:
                return found
        dq = sa.select(ft.c.domain).where(ft.c.state == QUEUED).group_by(
            ft.c.domain).order_by(sa.func.max(ft.c.priority).desc(), ft.c.domain)
        if domains:
            dq = dq.where(ft.c.domain.in_(list(domains)))
        found = list(conn.execute(dq).scalars())
        self._domain_scan = (key, now, found)
        return found

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
