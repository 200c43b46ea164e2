"""The revisits of known adverts (``wildtrace revisit``): did the advert come down?
Queried by :mod:`wildtrace.store.revisits`; created by the migration ``0021_collection``.

One row per fetch of an advert at one of its revisit ages (``revisit_after``). ``outcome``
is ``gone`` (404/410, a removal notice, a redirect to the site's index or to a login),
``changed`` (still up, its text or price changed since capture), ``up`` (still up as
captured) or ``failed`` (no verdict: the fetch failed or the server erred; due again).
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, ForeignKey, Integer, String, Table, Text

from wildtrace.store.tables import metadata

revisits = Table(
    "revisits", metadata,
    Column("id", Integer, primary_key=True),
    Column("listing_id", Integer, ForeignKey("listings.id"), nullable=False, index=True),
    Column("age", Integer, nullable=False),  # seconds after capture it was due at
    Column("revisited_at", DateTime(timezone=True), nullable=False, index=True),
    Column("url", Text, nullable=False),
    Column("final_url", Text, nullable=False, default=""),
    Column("status", Integer, nullable=False, default=0),
    Column("outcome", String(10), nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Column("text_sha256", String(64), nullable=False, default=""),
    Column("price", Float),  # the price the page showed now, when one was read
)
