"""Tables of the browse page (queried by :mod:`wildtrace.store.browse`).

``saved_views`` keeps each user's named views (a name and the query string of
``/browse``); ``listing_countries`` the country each listing is counted in (read from
its location or URL by the application layer, once per listing), so the country facet
is counted in SQL like the others. ``listings_trgm``, the trigram full-text index, is an
FTS5 table that only raw SQL reaches. Created by the migration ``0017_browse``.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, String, Table, Text, UniqueConstraint

from wildtrace.store.tables import metadata

saved_views = Table(
    "saved_views", metadata,
    Column("id", Integer, primary_key=True),
    Column("user", String(200), nullable=False),
    Column("name", String(200), nullable=False),
    Column("query", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("user", "name", name="uq_saved_views_user_name"),
)

listing_countries = Table(
    "listing_countries", metadata,
    Column("listing_id", Integer, primary_key=True),
    Column("country", String(2), nullable=False, default=""),  # ISO 3166 alpha-2 or ""
)
