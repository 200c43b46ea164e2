"""Table definitions of the core schema (SQLAlchemy Core).

The schema itself is created and changed only by the Alembic migrations in
``wildtrace/migrations``; these definitions mirror them for queries. Stages that add
tables of their own define them in ``<stage>/tables.py`` on the same ``metadata``
and add a migration.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

runs = Table(
    "runs", metadata,
    Column("id", Integer, primary_key=True),
    Column("stage", String(40), nullable=False),
    Column("version", String(80), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("detail", Text, nullable=False, default="{}"),
)

listings = Table(
    "listings", metadata,
    Column("id", Integer, primary_key=True),
    Column("content_sha256", String(64), nullable=False, unique=True),
    Column("source", String(200), nullable=False),
    Column("url", Text, nullable=False, default=""),
    Column("title", Text, nullable=False, default=""),
    Column("description", Text, nullable=False, default=""),
    Column("price", Float),
    Column("currency", String(3), nullable=False, default=""),
    Column("seller", Text, nullable=False, default=""),
    Column("location", Text, nullable=False, default=""),
    Column("posted", String(40), nullable=False, default=""),
    Column("language", String(16), nullable=False, default=""),
    Column("origin", Text, nullable=False, default=""),
    Column("capture_sha256", String(64), nullable=False, default=""),
    Column("extra", Text, nullable=False, default="{}"),
    Column("identifiers", Text, nullable=False, default="[]"),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

input_errors = Table(
    "input_errors", metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("file", Text, nullable=False),
    Column("row", Integer),
    Column("reason", Text, nullable=False),
)

taxon_matches = Table(
    "taxon_matches", metadata,
    Column("id", Integer, primary_key=True),
    Column("listing_id", Integer, ForeignKey("listings.id"), nullable=False, index=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("taxon", String(200), nullable=False),
    Column("rank", String(20), nullable=False),
    Column("appendix", String(3), nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("matched", Text, nullable=False),
    Column("rule", String(80), nullable=False),
    Column("kind", String(20), nullable=False),
)

assessments = Table(
    "assessments", metadata,
    Column("id", Integer, primary_key=True),
    Column("listing_id", Integer, ForeignKey("listings.id"), nullable=False, index=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("model", String(80), nullable=False),
    Column("model_version", String(80), nullable=False),
    Column("relevant", Boolean, nullable=False),
    Column("score", Float, nullable=False),
    Column("risk", Float),  # added by 0006; None for assessments made before it
    Column("taxa", Text, nullable=False, default=""),
    Column("cites", String(3), nullable=False, default=""),
    Column("flags", Text, nullable=False, default=""),
    Column("reasons", Text, nullable=False, default="[]"),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

labels = Table(
    "labels", metadata,
    Column("id", Integer, primary_key=True),
    Column("listing_id", Integer, ForeignKey("listings.id"), nullable=False, index=True),
    Column("label", Integer, nullable=False),  # 1 relevant, 0 not, -1 unsure
    Column("user", String(200), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

blobs = Table(
    "blobs", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("media_type", String(200), nullable=False, default="application/octet-stream"),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
