"""Tables of the collect stage: the persisted crawl frontier, its workers and the
venue book.

Created by migration ``0002_evidence`` (leases and workers: ``0013_crawl_workers``);
these definitions mirror them for queries.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, Index, Integer, String, Table, Text

from wildtrace.store.tables import metadata

# One row per canonical URL ever seen. ``state`` moves queued → active → done|failed|
# skipped; a taken row is leased to one worker (``leased_by``) until ``lease_until``,
# which the worker renews while it runs; an expired lease goes back in the queue.
frontier = Table(
    "frontier", metadata,
    Column("id", Integer, primary_key=True),
    Column("url_key", String(64), nullable=False, unique=True),
    Column("url", Text, nullable=False),
    Column("domain", String(255), nullable=False),
    Column("kind", String(16), nullable=False, default="page"),  # page, sitemap
    Column("priority", Float, nullable=False, default=0.0),
    Column("depth", Integer, nullable=False, default=0),
    Column("state", String(16), nullable=False, default="queued"),
    Column("reason", Text, nullable=False, default=""),
    Column("attempts", Integer, nullable=False, default=0),
    Column("parent", Text, nullable=False, default=""),
    Column("anchor", Text, nullable=False, default=""),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("leased_by", String(64), nullable=False, default=""),  # 0013
    Column("lease_until", DateTime(timezone=True), nullable=True),  # 0013
    Index("ix_frontier_state_priority", "state", "priority"),
    Index("ix_frontier_state_domain_priority", "state", "domain", "priority"),  # 0007
    Index("ix_frontier_state_lease", "state", "lease_until"),  # 0013
)

# One row per crawl worker (a ``crawl`` run, on any machine) that used the frontier.
crawl_workers = Table(
    "crawl_workers", metadata,
    Column("id", String(64), primary_key=True),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("state", String(16), nullable=False),  # running, stopped
    Column("pages", Integer, nullable=False, default=0),
    Column("started", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
    Column("detail", Text, nullable=False, default="{}"),
)

# Every domain the crawler meets: what kind of place it is and what it yielded.
venues = Table(
    "venues", metadata,
    Column("domain", String(255), primary_key=True),
    Column("kind", String(20), nullable=False, default=""),
    Column("language", String(16), nullable=False, default=""),
    Column("country", String(2), nullable=False, default=""),
    Column("pages", Integer, nullable=False, default=0),
    Column("listings", Integer, nullable=False, default=0),
    Column("relevant", Integer, nullable=False, default=0),
    Column("votes", Text, nullable=False, default="{}"),  # kind/language tallies, JSON
    Column("first_seen", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
)
