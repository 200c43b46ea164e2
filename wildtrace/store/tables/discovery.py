"""Candidate venues found by venue discovery (:mod:`wildtrace.collect.discovery`):
links and contact handles pointing outside the crawl. Queried through
:class:`wildtrace.store.venues.VenueStore`; created by the migration ``0021_collection``.

``state`` is ``new`` until an analyst ``promoted`` it (into the watch: a web venue is
crawled with ``crawl --venues``) or ``dismissed`` it; a dismissed candidate keeps
counting, so the analyst can see it come back, but no longer shows as new.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, Integer, String, Table, Text

from wildtrace.store.tables import metadata

venue_candidates = Table(
    "venue_candidates", metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(300), nullable=False, unique=True),  # t.me/name, wechat:id, domain
    Column("kind", String(20), nullable=False),
    Column("url", Text, nullable=False, default=""),  # how to reach it ("" for an ID)
    Column("mentions", Integer, nullable=False, default=0),  # pages pointing to it
    Column("relevant", Integer, nullable=False, default=0),  # of which judged relevant
    Column("score_sum", Float, nullable=False, default=0.0),  # their summed relevance
    Column("languages", Text, nullable=False, default="{}"),  # language -> pages, JSON
    Column("language", String(16), nullable=False, default=""),  # the most-voted
    Column("example", Text, nullable=False, default=""),  # a page pointing to it
    Column("first_seen", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
    Column("state", String(10), nullable=False, default="new"),
    Column("decided_by", String(200), nullable=False, default=""),
    Column("decided_at", DateTime(timezone=True), nullable=True),
)
