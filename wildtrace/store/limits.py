"""Rate limits and login lockouts in the database, shared by every app server on it.

A sliding window per key: an event is counted when fewer than ``limit`` were counted in
the last ``window`` seconds. Counting one key is serialised by first updating that key's
row in ``web_limit_keys`` (a row lock on PostgreSQL, the write lock on SQLite), so two
servers counting the same address at once cannot both take the last free place. Old
events and locks are swept now and then by the writes themselves (no cron job).

Keys arrive hashed by the caller; this module never sees an address or a name.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from wildtrace.store.core import utcnow
from wildtrace.store.tables.limits import limit_events, limit_keys, limit_locks

SWEEP_CHANCE = 0.01  # of a write also deleting every expired event and lock
KEY_IDLE = timedelta(days=1)  # key rows unused this long are swept too


def _upsert_key(conn: Connection, key: str, now: datetime) -> None:
    dialect = conn.engine.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(limit_keys).values(key=key, touched_at=now)
    conn.execute(stmt.on_conflict_do_update(index_elements=[limit_keys.c.key],
                                            set_={"touched_at": now}))


class LimitStore:
    """Sliding-window counters and timed locks in one workspace database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def hit(self, key: str, limit: int, window: float, now: datetime | None = None) -> bool:
        """Count one event for ``key`` unless ``limit`` were counted in the last
        ``window`` seconds; whether it was counted (False: over the limit)."""
        now = now or utcnow()
        since = now - timedelta(seconds=window)
        with self.engine.begin() as conn:
            _upsert_key(conn, key, now)  # the per-key lock, held until commit
            conn.execute(limit_events.delete().where(limit_events.c.key == key,
                                                     limit_events.c.at <= since))
            seen = conn.execute(sa.select(sa.func.count()).select_from(limit_events)
                                .where(limit_events.c.key == key)).scalar_one()
            if int(seen) >= limit:
                return False
            conn.execute(limit_events.insert().values(
                key=key, at=now, expires_at=now + timedelta(seconds=window)))
        if random.random() < SWEEP_CHANCE:
            # In a transaction of its own: sweeping while holding this key's lock could
            # wait on another server that holds its key's lock and sweeps too.
            with self.engine.begin() as conn:
                self._sweep(conn, now)
        return True

    def forget(self, key: str) -> None:
        """Drop the events counted for ``key``."""
        with self.engine.begin() as conn:
            conn.execute(limit_events.delete().where(limit_events.c.key == key))

    def lock(self, key: str, seconds: float, now: datetime | None = None) -> None:
        """Lock ``key`` for ``seconds`` from now (a later lock replaces an earlier one)."""
        now = now or utcnow()
        until = now + timedelta(seconds=seconds)
        dialect = self.engine.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(limit_locks).values(key=key, until=until)
        with self.engine.begin() as conn:
            conn.execute(stmt.on_conflict_do_update(index_elements=[limit_locks.c.key],
                                                    set_={"until": until}))

    def locked(self, key: str, now: datetime | None = None) -> bool:
        """Whether ``key`` is locked at ``now``."""
        now = now or utcnow()
        with self.engine.connect() as conn:
            until = conn.execute(sa.select(limit_locks.c.until)
                                 .where(limit_locks.c.key == key)).scalar()
        if until is None:
            return False
        # SQLite hands back naive datetimes; they were written in UTC.
        if until.tzinfo is None:
            until = until.replace(tzinfo=now.tzinfo)
        return bool(until > now)

    def _sweep(self, conn: Connection, now: datetime) -> None:
        conn.execute(limit_events.delete().where(limit_events.c.expires_at <= now))
        conn.execute(limit_locks.delete().where(limit_locks.c.until <= now))
        conn.execute(limit_keys.delete().where(limit_keys.c.touched_at < now - KEY_IDLE))
