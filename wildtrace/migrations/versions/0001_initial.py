"""Core schema: runs, listings (with full-text search), errors, matches, assessments,
labels and the blob index.

Revision ID: 0001_initial
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("stage", sa.String(40), nullable=False),
        sa.Column("version", sa.String(80), nullable=False),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("finished_at", TZ),
        sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
    )
    op.create_table(
        "listings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("content_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("url", sa.Text, nullable=False, server_default=""),
        sa.Column("title", sa.Text, nullable=False, server_default=""),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("price", sa.Float),
        sa.Column("currency", sa.String(3), nullable=False, server_default=""),
        sa.Column("seller", sa.Text, nullable=False, server_default=""),
        sa.Column("location", sa.Text, nullable=False, server_default=""),
        sa.Column("posted", sa.String(40), nullable=False, server_default=""),
        sa.Column("language", sa.String(16), nullable=False, server_default=""),
        sa.Column("origin", sa.Text, nullable=False, server_default=""),
        sa.Column("capture_sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("extra", sa.Text, nullable=False, server_default="{}"),
        sa.Column("identifiers", sa.Text, nullable=False, server_default="[]"),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_listings_source", "listings", ["source"])
    op.create_table(
        "input_errors",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("file", sa.Text, nullable=False),
        sa.Column("row", sa.Integer),
        sa.Column("reason", sa.Text, nullable=False),
    )
    op.create_table(
        "taxon_matches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("listing_id", sa.Integer, sa.ForeignKey("listings.id"), nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("taxon", sa.String(200), nullable=False),
        sa.Column("rank", sa.String(20), nullable=False),
        sa.Column("appendix", sa.String(3), nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("matched", sa.Text, nullable=False),
        sa.Column("rule", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
    )
    op.create_index("ix_taxon_matches_listing_id", "taxon_matches", ["listing_id"])
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("listing_id", sa.Integer, sa.ForeignKey("listings.id"), nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("model", sa.String(80), nullable=False),
        sa.Column("model_version", sa.String(80), nullable=False),
        sa.Column("relevant", sa.Boolean, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("taxa", sa.Text, nullable=False, server_default=""),
        sa.Column("cites", sa.String(3), nullable=False, server_default=""),
        sa.Column("flags", sa.Text, nullable=False, server_default=""),
        sa.Column("reasons", sa.Text, nullable=False, server_default="[]"),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_assessments_listing_id", "assessments", ["listing_id"])
    op.create_index("ix_assessments_score", "assessments", ["score"])
    op.create_table(
        "labels",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("listing_id", sa.Integer, sa.ForeignKey("listings.id"), nullable=False),
        sa.Column("label", sa.Integer, nullable=False),
        sa.Column("user", sa.String(200), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_labels_listing_id", "labels", ["listing_id"])
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("media_type", sa.String(200), nullable=False,
                  server_default="application/octet-stream"),
        sa.Column("created_at", TZ, nullable=False),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        # External-content FTS5 index kept in step with listings by triggers.
        op.execute("CREATE VIRTUAL TABLE listings_fts USING fts5("
                   "title, description, content='listings', content_rowid='id')")
        op.execute("CREATE TRIGGER listings_fts_ai AFTER INSERT ON listings BEGIN "
                   "INSERT INTO listings_fts(rowid, title, description) "
                   "VALUES (new.id, new.title, new.description); END")
        op.execute("CREATE TRIGGER listings_fts_ad AFTER DELETE ON listings BEGIN "
                   "INSERT INTO listings_fts(listings_fts, rowid, title, description) "
                   "VALUES ('delete', old.id, old.title, old.description); END")
        op.execute("CREATE TRIGGER listings_fts_au AFTER UPDATE ON listings BEGIN "
                   "INSERT INTO listings_fts(listings_fts, rowid, title, description) "
                   "VALUES ('delete', old.id, old.title, old.description); "
                   "INSERT INTO listings_fts(rowid, title, description) "
                   "VALUES (new.id, new.title, new.description); END")
    elif dialect == "postgresql":
        op.execute("ALTER TABLE listings ADD COLUMN search tsvector GENERATED ALWAYS AS "
                   "(to_tsvector('simple', coalesce(title,'') || ' ' || "
                   "coalesce(description,''))) STORED")
        op.execute("CREATE INDEX ix_listings_search ON listings USING GIN (search)")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trig in ("listings_fts_ai", "listings_fts_ad", "listings_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trig}")
        op.execute("DROP TABLE IF EXISTS listings_fts")
    for table in ("blobs", "labels", "assessments", "taxon_matches", "input_errors",
                  "listings", "runs"):
        op.drop_table(table)
