"""Tables of listing photos (queried by :mod:`wildtrace.store.photos`).

``photos`` has one row per photo URL a listing named and the crawl tried: stored (its
bytes are a blob, ``sha256``), or refused or failed with the reason, so an analyst
sees what was not kept and why. ``photo_findings`` holds what was read from a stored
photo (the text in it, ``kind = "ocr"``; a species hint, ``kind = "species"``), each
with the engine and version that produced it: findings are versioned, never
overwritten. Created by the migration ``0022_photos``.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
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

photos = Table(
    "photos", metadata,
    Column("id", Integer, primary_key=True),
    Column("listing_id", Integer, ForeignKey("listings.id"), nullable=False),
    Column("url", Text, nullable=False),
    Column("status", String(20), nullable=False),  # stored, refused, failed, rejected
    Column("reason", Text, nullable=False, default=""),
    Column("sha256", String(64), nullable=False, default=""),
    Column("media_type", String(40), nullable=False, default=""),
    Column("width", Integer, nullable=False, default=0),
    Column("height", Integer, nullable=False, default=0),
    Column("size", Integer, nullable=False, default=0),
    # The 64-bit difference hash as a signed integer (BIGINT has no unsigned form).
    Column("phash", BigInteger),
    # The hash of the first photo kept that this one is a near-duplicate of (its own
    # when none): the seller linker's "photo" identifier, equal for every copy.
    Column("photo_key", BigInteger),
    Column("warc_file", String(200), nullable=False, default=""),
    Column("warc_record", String(80), nullable=False, default=""),
    Column("fetched_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("listing_id", "url", name="uq_photos_listing_url"),
    Index("ix_photos_sha256", "sha256"),
    Index("ix_photos_phash", "phash"),
    Index("ix_photos_photo_key", "photo_key"),
)

photo_findings = Table(
    "photo_findings", metadata,
    Column("id", Integer, primary_key=True),
    Column("photo_id", Integer, ForeignKey("photos.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),  # ocr, species
    Column("engine", String(120), nullable=False),  # the model and its version
    Column("value", Text, nullable=False, default=""),  # the text, or the taxon
    Column("label", String(200), nullable=False, default=""),  # the model's own class
    Column("confidence", Float, nullable=False, default=0.0),
    Column("detail", Text, nullable=False, default="{}"),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
