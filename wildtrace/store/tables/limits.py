"""Tables of the shared rate limits and login lockouts (queried by
:mod:`wildtrace.store.limits`), for several app servers on one PostgreSQL database.

Keys arrive hashed (the application layer hashes addresses and account names), so the
tables hold no IP address or user name. Created by the migration ``0016_web_limits``.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, String, Table

from wildtrace.store.tables import metadata

limit_keys = Table(
    # One row per key: updating it is the lock that serialises counting for that key.
    "web_limit_keys", metadata,
    Column("key", String(80), primary_key=True),
    Column("touched_at", DateTime(timezone=True), nullable=False),
)

limit_events = Table(
    # The sliding window's log: one row per counted event, kept until it leaves its window.
    "web_limit_events", metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(80), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("ix_web_limit_events_key_at", "key", "at"),
    Index("ix_web_limit_events_expires_at", "expires_at"),
)

limit_locks = Table(
    "web_limit_locks", metadata,
    Column("key", String(80), primary_key=True),
    Column("until", DateTime(timezone=True), nullable=False),
)
