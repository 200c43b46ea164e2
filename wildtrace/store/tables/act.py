"""Tables of the act stage: cases and their items, the audit log and citizen tips
(queried by :mod:`wildtrace.store.cases`, :mod:`~wildtrace.store.audit` and
:mod:`~wildtrace.store.tips`).

Created by the migration ``0004_web``. Sellers' personal data is sensitive, so every
view, label and export is written to ``audit_log``; ``0009_audit_accounts`` chained its
entries by hash (``prev_hash``, ``hash``), added ``audit_head`` (the newest entry, so a
removed tail shows) and the triggers that refuse UPDATE and DELETE on ``audit_log``.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from wildtrace.store.tables import metadata

audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("user", String(200), nullable=False),
    Column("action", String(40), nullable=False),  # view, label, export, create, login...
    Column("object_kind", String(40), nullable=False, default=""),
    Column("object_id", String(200), nullable=False, default=""),
    Column("detail", Text, nullable=False, default="{}"),
    # SHA-256 of the previous entry's hash and this entry's canonical content (0009).
    Column("prev_hash", String(64), nullable=False, default=""),
    Column("hash", String(64), nullable=False, default=""),
)

# One row (id 1): the newest entry's id and hash. Every append updates it first, which
# also serialises appends (the chain must not fork between two writers).
audit_head = Table(
    "audit_head", metadata,
    Column("id", Integer, primary_key=True),
    Column("last_id", Integer, nullable=False, default=0),
    Column("last_hash", String(64), nullable=False, default=""),
)

cases = Table(
    "cases", metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(300), nullable=False),
    Column("notes", Text, nullable=False, default=""),
    Column("status", String(20), nullable=False, default="open"),
    Column("created_by", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

case_items = Table(
    "case_items", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),  # listing, seller
    Column("ref", String(500), nullable=False),  # listing id, or seller name
    Column("note", Text, nullable=False, default=""),
    Column("added_by", String(200), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("case_id", "kind", "ref", name="uq_case_items_ref"),
)

tips = Table(
    "tips", metadata,
    Column("id", Integer, primary_key=True),
    Column("url", Text, nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("language", String(16), nullable=False, default=""),
    Column("screenshot_sha256", String(64), nullable=False, default=""),
    Column("capture_sha256", String(64), nullable=False, default=""),
    Column("capture_status", String(20), nullable=False, default="pending"),
    Column("capture_detail", Text, nullable=False, default=""),
    Column("status", String(20), nullable=False, default="new"),  # new, triaged, dismissed
    Column("created_at", DateTime(timezone=True), nullable=False),
    # The relevance scorer's judgement of the tip (migration 0018): empty until scored.
    Column("score", Float),
    Column("relevant", Boolean),
    Column("taxa", Text, nullable=False, default=""),
    Column("cites", String(3), nullable=False, default=""),
    Column("flags", Text, nullable=False, default=""),
    Column("reasons", Text, nullable=False, default="[]"),
    Column("scored_by", String(80), nullable=False, default=""),  # model version
    Column("scored_at", DateTime(timezone=True)),
    # The listing and case a tip became (0 when it has not).
    Column("listing_id", Integer, nullable=False, default=0),
    Column("case_id", Integer, nullable=False, default=0),
)

Index("ix_audit_log_at", audit_log.c.at)
Index("ix_tips_status_id", tips.c.status, tips.c.id)
