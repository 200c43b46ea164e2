"""Tables of what pages are: the kind each captured page was read as, and the seller
profiles read from profile pages; queried by :mod:`wildtrace.store.pages`. Created by
the migration ``0020_page_kinds``.

A listing page becomes a listing and a forum thread one listing per post (the post's
``extra`` names its thread); the kind of every page is kept here, so an index, a login
or a CAPTCHA page is on record as what it was instead of as a listing with an invented
price, and a profile page feeds ``seller_profiles`` instead of the listings.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, String, Table, Text

from wildtrace.store.tables import metadata

page_kinds = Table(
    "page_kinds", metadata,
    Column("id", Integer, primary_key=True),
    Column("capture_id", Integer, nullable=False, index=True),
    Column("url", Text, nullable=False),
    Column("domain", String(255), nullable=False, default=""),
    Column("kind", String(16), nullable=False),  # see wildtrace.extract.pagekind.KINDS
    Column("reason", Text, nullable=False, default=""),
    Column("items", Integer, nullable=False, default=0),  # listings made (posts)
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_page_kinds_domain_kind", "domain", "kind"),
)

seller_profiles = Table(
    "seller_profiles", metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(200), nullable=False),
    Column("url", Text, nullable=False),
    Column("name", Text, nullable=False, default=""),
    Column("handle", String(200), nullable=False, default=""),
    Column("location", Text, nullable=False, default=""),
    Column("identifiers", Text, nullable=False, default="[]"),
    Column("detail", Text, nullable=False, default="{}"),
    Column("capture_id", Integer, nullable=False, index=True),
    Column("capture_sha256", String(64), nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_seller_profiles_source_handle", "source", "handle"),
)
