"""The crawl frontier's storage: one row per canonical URL the crawler has seen.

Rows are keyed by the SHA-256 of the canonical URL; the collect stage
(:class:`wildtrace.collect.frontier.Frontier`) canonicalises and keys the URLs and
names the states, and this module keeps the rows and takes the best queued ones.

A taken row is leased to the worker that took it until ``lease_until`` (by the
database's clock on PostgreSQL, so the machines' clocks need not agree). On PostgreSQL
rows are taken ``FOR UPDATE SKIP LOCKED``: workers taking at the same moment each get
rows of their own without waiting for one another. A row goes back in the queue only
when its lease has expired, its worker is known to be gone, or its worker gives it back
(:meth:`FrontierStore.reclaim`, :meth:`FrontierStore.release`); the workers themselves
are kept by :class:`wildtrace.store.crawl_workers.CrawlWorkerStore`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from wildtrace.store.core import utcnow
from wildtrace.store.crawl_workers import CrawlWorkerStore, aware, db_now
from wildtrace.store.tables.collect import frontier as ft
from wildtrace.store.tables.preserve import captures

QUEUED, ACTIVE, DONE = "queued", "active", "done"
_CHUNK = 400
DOMAIN_SCAN_EVERY = 2.0  # seconds a list of the domains with queued URLs is reused


@dataclass(frozen=True, slots=True)
class FrontierRow:
    """A frontier URL as stored (``key``: its canonical form's SHA-256)."""

    key: str
    url: str
    domain: str
    kind: str = "page"
    priority: float = 0.0
    depth: int = 0
    parent: str = ""
    anchor: str = ""


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


class FrontierStore:
    """The ``frontier`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.workers = CrawlWorkerStore(engine)
        # The last list of domains with queued URLs: (for which domains, when, list).
        self._domain_scan: tuple[tuple[str, ...], float, list[str]] | None = None

    def _insert(self) -> sa.Insert:
        if self.engine.dialect.name == "postgresql":
            return postgresql.insert(ft).on_conflict_do_nothing(index_elements=["url_key"])
        return sqlite.insert(ft).on_conflict_do_nothing(index_elements=["url_key"])

    def add(self, rows: Iterable[FrontierRow]) -> int:
        """Queue the rows whose key is not stored yet (the first of a key wins);
        returns how many were new."""
        now = utcnow()
        fresh_rows: dict[str, dict[str, object]] = {}
        for r in rows:
            fresh_rows.setdefault(r.key, {
                "url_key": r.key, "url": r.url, "domain": r.domain, "kind": r.kind,
                "priority": float(r.priority), "depth": r.depth, "state": QUEUED,
                "reason": "", "attempts": 0, "parent": r.parent, "anchor": r.anchor,
                "added_at": now, "updated_at": now})
        if not fresh_rows:
            return 0
        added = 0
        # In key order: two workers queueing overlapping links then lock the rows in
        # the same order, so neither can deadlock the other.
        values = [fresh_rows[k] for k in sorted(fresh_rows)]
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

    def requeue(self, keys: Sequence[str], priority: float) -> None:
        """Put the rows of ``keys`` back in the queue at ``priority``."""
        with self.engine.begin() as conn:
            for i in range(0, len(keys), _CHUNK):
                conn.execute(ft.update().where(ft.c.url_key.in_(keys[i:i + _CHUNK])).values(
                    state=QUEUED, reason="", priority=priority, updated_at=utcnow(),
                    leased_by="", lease_until=None))

    def done_urls(self, reason_like: str, domains: Sequence[str] | None, max_depth: int,
                  limit: int) -> list[str]:
        """URLs of done pages whose reason matches the LIKE pattern ``reason_like``,
        within ``max_depth`` of the seeds, shallowest first."""
        q = sa.select(ft.c.url).where(ft.c.state == DONE, ft.c.depth <= max_depth,
                                      ft.c.kind == "page", ft.c.reason.like(reason_like))
        if domains:
            q = q.where(ft.c.domain.in_(list(domains)))
        with self.engine.connect() as conn:
            return list(conn.execute(q.order_by(ft.c.depth, ft.c.id).limit(limit)).scalars())

    def reclaim(self, live: Sequence[str] | None = None) -> int:
        """Put back in the queue the active rows whose lease has expired or that no
        worker holds, and (given ``live``, the ids of the workers known to run) those of
        any other holder; a live worker's rows stay its own. Those the capture index
        already holds (stored by a worker that stopped before it settled them) are
        marked done instead, so they are not fetched again. Returns how many went back
        in the queue."""
        with self.engine.begin() as conn:
            now = db_now(conn)
            free = [ft.c.lease_until.is_(None), ft.c.lease_until < now, ft.c.leased_by == ""]
            if live is not None:
                free.append(ft.c.leased_by.not_in(list(live)) if live else sa.true())
            cond = sa.and_(ft.c.state == ACTIVE, sa.or_(*free))
            captured = sa.select(captures.c.url_key).where(
                captures.c.url_key == ft.c.url_key).exists()
            conn.execute(ft.update().where(cond, captured).values(
                state=DONE, reason="captured (stored by a worker that stopped)",
                leased_by="", lease_until=None, updated_at=now))
            res = conn.execute(ft.update().where(cond).values(
                state=QUEUED, leased_by="", lease_until=None, updated_at=now))
        return max(res.rowcount, 0)

    def release(self, worker: str) -> int:
        """Put the rows ``worker`` holds back in the queue (taken, never settled: a run
        stopped by a limit); returns how many."""
        with self.engine.begin() as conn:
            res = conn.execute(ft.update().where(ft.c.state == ACTIVE,
                                                 ft.c.leased_by == worker).values(
                state=QUEUED, leased_by="", lease_until=None, updated_at=utcnow()))
        return max(res.rowcount, 0)

    def renew(self, worker: str, seconds: float) -> int:
        """Extend every lease ``worker`` holds to ``seconds`` from now; returns how many."""
        with self.engine.begin() as conn:
            until = db_now(conn) + timedelta(seconds=seconds)
            res = conn.execute(ft.update().where(ft.c.state == ACTIVE,
                                                 ft.c.leased_by == worker).values(
                lease_until=until))
        return max(res.rowcount, 0)

    def leases(self) -> list[tuple[str, int, int, datetime | None]]:
        """Per lease holder: ``(worker, rows held, of which expired, latest expiry)``."""
        with self.engine.connect() as conn:
            now = db_now(conn)
            expired = sa.func.sum(sa.case((ft.c.lease_until < now, 1), else_=0))
            q = sa.select(ft.c.leased_by, sa.func.count(), expired,
                          sa.func.max(ft.c.lease_until)).where(ft.c.state == ACTIVE
                                                               ).group_by(ft.c.leased_by)
            return [(str(w), int(n), int(x or 0), aware(until)) for w, n, x, until in
                    conn.execute(q.order_by(ft.c.leased_by))]

    def counts_by_domain(self) -> dict[str, dict[str, int]]:
        """How many URLs of each domain are in each state."""
        q = sa.select(ft.c.domain, ft.c.state, sa.func.count()).group_by(
            ft.c.domain, ft.c.state).order_by(ft.c.domain)
        out: dict[str, dict[str, int]] = {}
        with self.engine.connect() as conn:
            for domain, state, n in conn.execute(q):
                out.setdefault(str(domain), {})[str(state)] = int(n)
        return out

    def mark_done(self, keys: Sequence[str], reason: str) -> int:
        """Mark the rows of ``keys`` done (those not done already); returns how many."""
        n = 0
        with self.engine.begin() as conn:
            for i in range(0, len(keys), _CHUNK):
                res = conn.execute(ft.update().where(
                    ft.c.url_key.in_(keys[i:i + _CHUNK]), ft.c.state != DONE).values(
                    state=DONE, reason=reason, updated_at=utcnow()))
                n += max(res.rowcount, 0)
        return n

    def take(self, n: int, domains: Sequence[str] | None, cap: int,
             exclude: Sequence[str] = (), worker: str = "", lease: float = 0.0
             ) -> list[FrontierRow]:
        """Up to ``n`` of the highest-priority queued rows, at most ``cap`` of one
        domain, none of the domains in ``exclude``, marked active and leased to
        ``worker`` for ``lease`` seconds (best first)."""
        cols = (ft.c.id, ft.c.url, ft.c.priority, ft.c.depth, ft.c.kind, ft.c.parent,
                ft.c.anchor, ft.c.domain, ft.c.url_key)
        with self.engine.begin() as conn:
            now = db_now(conn)
            # Rows another worker is taking right now are skipped, not waited for
            # (SKIP LOCKED); SQLite, one writer at a time, ignores the clause.
            q = sa.select(*cols).where(ft.c.state == QUEUED).with_for_update(
                skip_locked=True, of=ft)
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
                    state=ACTIVE, attempts=ft.c.attempts + 1, updated_at=now,
                    leased_by=worker, lease_until=now + timedelta(seconds=lease)))
        return [FrontierRow(r.url_key, r.url, r.domain, r.kind, r.priority, r.depth,
                            r.parent, r.anchor) for r in chosen]

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
        """Record final states: ``(key, state, reason)`` triples, in one transaction."""
        if not results:
            return
        stmt = ft.update().where(ft.c.url_key == sa.bindparam("k")).values(
            state=sa.bindparam("s"), reason=sa.bindparam("r"), updated_at=utcnow(),
            leased_by="", lease_until=None)
        with self.engine.begin() as conn:  # in key order, as add() (no deadlocks)
            conn.execute(stmt, [{"k": k, "s": s, "r": r} for k, s, r in sorted(results)])

    def counts(self, domains: Sequence[str] | None = None) -> dict[str, int]:
        """How many URLs are in each state."""
        q = sa.select(ft.c.state, sa.func.count()).group_by(ft.c.state)
        if domains:
            q = q.where(ft.c.domain.in_(list(domains)))
        with self.engine.connect() as conn:
            return {state: int(n) for state, n in conn.execute(q)}

    def state_of(self, key: str) -> tuple[str, str] | None:
        """``(state, reason)`` of the row of ``key``, or None when there is none."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(ft.c.state, ft.c.reason).where(
                ft.c.url_key == key)).first()
        return (row.state, row.reason) if row else None

    def in_states(self, states: Sequence[str]) -> list[tuple[str, str, str]]:
        """``(url, state, reason)`` of the rows in ``states``, oldest first."""
        q = sa.select(ft.c.url, ft.c.state, ft.c.reason).where(
            ft.c.state.in_(list(states))).order_by(ft.c.id)
        with self.engine.connect() as conn:
            return [(r.url, r.state, r.reason) for r in conn.execute(q)]
