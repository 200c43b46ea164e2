"""The crawl workers' storage: one row per crawl worker (a ``crawl`` run on any machine)
that used the workspace's frontier, with its heartbeat.

A worker registers when it starts, beats while it runs (``last_seen``, pages so far),
and is marked stopped when it ends; one killed with ``kill -9`` stays ``running`` with a
``last_seen`` that stops moving, which is how ``crawl status`` tells it is gone. Reached
as ``store.frontier.workers`` (the leases it holds are rows of the frontier).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wildtrace.store.core import utcnow
from wildtrace.store.tables.collect import crawl_workers as cw

RUNNING, STOPPED = "running", "stopped"


def db_now(conn: sa.Connection) -> datetime:
    """The time by the database's clock (timezone-aware UTC): on PostgreSQL the
    server's, so leases mean the same on every machine; on SQLite this machine's."""
    if conn.dialect.name == "postgresql":
        value = conn.execute(sa.select(sa.func.now())).scalar_one()
        return aware(value) or utcnow()
    return utcnow()


def aware(value: datetime | None) -> datetime | None:
    """A stored time as timezone-aware UTC (SQLite hands times back naive)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class WorkerRow:
    """A crawl worker as stored."""

    id: str
    host: str
    pid: int
    state: str
    pages: int
    started: datetime
    last_seen: datetime
    detail: dict[str, Any]


class CrawlWorkerStore:
    """The ``crawl_workers`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def register(self, worker: str, host: str, pid: int, detail: dict[str, Any]) -> None:
        """Record a worker starting."""
        with self.engine.begin() as conn:
            now = db_now(conn)
            conn.execute(cw.insert().values(
                id=worker, host=host[:255], pid=pid, state=RUNNING, pages=0, started=now,
                last_seen=now, detail=json.dumps(detail, sort_keys=True)))

    def beat(self, worker: str, pages: int) -> None:
        """Record that ``worker`` is alive and how many pages it has stored."""
        with self.engine.begin() as conn:
            conn.execute(cw.update().where(cw.c.id == worker).values(
                last_seen=db_now(conn), pages=pages))

    def stop(self, workers: list[str], pages: int | None = None) -> None:
        """Mark workers stopped (ended, or found dead)."""
        if not workers:
            return
        values: dict[str, Any] = {"state": STOPPED}
        if pages is not None:
            values["pages"] = pages
        with self.engine.begin() as conn:
            conn.execute(cw.update().where(cw.c.id.in_(workers)).values(
                last_seen=db_now(conn), **values))

    def all(self, running_only: bool = False, limit: int = 200) -> list[WorkerRow]:
        """Workers, the most recently seen first."""
        q = sa.select(cw).order_by(cw.c.last_seen.desc(), cw.c.id).limit(limit)
        if running_only:
            q = q.where(cw.c.state == RUNNING)
        with self.engine.connect() as conn:
            return [WorkerRow(r.id, r.host, int(r.pid), r.state, int(r.pages),
                              aware(r.started) or utcnow(), aware(r.last_seen) or utcnow(),
                              json.loads(r.detail or "{}")) for r in conn.execute(q)]

    def now(self) -> datetime:
        """The database's time (see :func:`db_now`)."""
        with self.engine.connect() as conn:
            return db_now(conn)
