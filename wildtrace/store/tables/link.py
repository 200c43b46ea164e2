"""Tables of the link stage (queried by :mod:`wildtrace.store.link`).

Each resolution is a run (``runs.stage = 'link'``): its links (with evidence and
confidence) and the seller of every listing are stored under the run id, so a re-run
with better rules adds a version instead of overwriting the last one.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, String, Table, Text

from wildtrace.store.tables import metadata

seller_links = Table(
    "seller_links", metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False, index=True),
    Column("listing_a", Integer, nullable=False),
    Column("listing_b", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("evidence", Text, nullable=False, default=""),
    Column("confidence", Float, nullable=False),
)

seller_members = Table(
    "seller_members", metadata,
    Column("run_id", Integer, ForeignKey("runs.id"), primary_key=True),
    Column("listing_id", Integer, primary_key=True),
    Column("seller_id", Integer, nullable=False, index=True),
    Index("ix_seller_members_run_seller", "run_id", "seller_id"),  # migration 0008
)
