"""The value-chain position of each listing (queried by :mod:`wildtrace.store.valuechain`).

``listing_positions`` holds, per listing, the product form and seller role read from
its text by :mod:`wildtrace.extract.valuechain` (``""`` where no cue told), the cue words
it was read from, and the reader's version. Created by the migration
``0019_contacts_payments``.
"""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table, Text

from wildtrace.store.tables import metadata

listing_positions = Table(
    "listing_positions", metadata,
    Column("listing_id", Integer, primary_key=True),
    Column("product_form", String(16), nullable=False, default=""),
    Column("seller_role", String(16), nullable=False, default=""),
    Column("cues", Text, nullable=False, default="[]"),
    Column("version", String(16), nullable=False, default=""),
)
