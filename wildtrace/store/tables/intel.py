"""Tables of anticipation and sharing (queried by :mod:`wildtrace.store.intel`).

``term_decisions``: each candidate code word or product term an analyst accepted into
the workspace lexicon or rejected, with who, when and the evidence listings (a
rejected term is never proposed again). ``alert_subscriptions``: who is told of what
(a rule, a channel, a target address) with the token that unsubscribes and the cursor
of the newest listing already considered; ``alert_deliveries``: every alert sent,
failed or held back by the rate limit, one row per (subscription, event), so an event
is never sent twice. ``watch_runs``: each scheduled run with its status, counts and the
baseline it recorded, so missed and failed runs show. Created by ``0023_intelligence``.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from wildtrace.store.tables import metadata

term_decisions = Table(
    "term_decisions", metadata,
    Column("id", Integer, primary_key=True),
    Column("term_key", String(200), nullable=False, unique=True),
    Column("term", String(200), nullable=False),
    Column("status", String(20), nullable=False),  # accepted, rejected
    Column("taxon", String(200), nullable=False, default=""),
    Column("kind", String(20), nullable=False, default=""),
    Column("lang", String(16), nullable=False, default=""),
    Column("decided_by", String(200), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Column("evidence", Text, nullable=False, default="[]"),  # listing ids (JSON)
    Column("detail", Text, nullable=False, default="{}"),
)

alert_subscriptions = Table(
    "alert_subscriptions", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("rule", String(40), nullable=False),
    Column("channel", String(20), nullable=False),  # email, webhook
    Column("target", Text, nullable=False),
    Column("token", String(64), nullable=False, unique=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("min_interval_s", Integer, nullable=False, default=3600),
    Column("max_per_day", Integer, nullable=False, default=24),
    Column("cursor", Integer, nullable=False, default=0),
    Column("params", Text, nullable=False, default="{}"),
    Column("created_by", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_sent_at", DateTime(timezone=True)),
)

alert_deliveries = Table(
    "alert_deliveries", metadata,
    Column("id", Integer, primary_key=True),
    Column("subscription_id", Integer, ForeignKey("alert_subscriptions.id"), nullable=False),
    Column("event_key", String(200), nullable=False),
    Column("rule", String(40), nullable=False),
    Column("status", String(20), nullable=False),  # sent, failed, held
    Column("at", DateTime(timezone=True), nullable=False),
    Column("detail", Text, nullable=False, default="{}"),
    UniqueConstraint("subscription_id", "event_key", name="uq_alert_deliveries_event"),
)

watch_runs = Table(
    "watch_runs", metadata,
    Column("id", Integer, primary_key=True),
    Column("watch", String(200), nullable=False),
    Column("status", String(20), nullable=False),  # running, ok, failed
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("detail", Text, nullable=False, default="{}"),
    Column("error", Text, nullable=False, default=""),
)
