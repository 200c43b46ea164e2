"""Listing photos kept as evidence, and what was read from them.

``photos``: one row per photo URL of a listing that a crawl tried, with its status
(stored, refused, failed, rejected) and reason, the blob SHA-256, size, pixel size,
difference hash, the photo key (the first kept near-duplicate's hash, what seller
linking compares) and the WARC record that holds the response. ``photo_findings``: the
text read from a photo (``ocr``) and species hints (``species``), each with its engine
and version.

Revision ID: 0022_photos
Revises: 0021_collection
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022_photos"
down_revision = "0021_collection"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "photos",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("listing_id", sa.Integer, sa.ForeignKey("listings.id"), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("media_type", sa.String(40), nullable=False, server_default=""),
        sa.Column("width", sa.Integer, nullable=False, server_default="0"),
        sa.Column("height", sa.Integer, nullable=False, server_default="0"),
        sa.Column("size", sa.Integer, nullable=False, server_default="0"),
        sa.Column("phash", sa.BigInteger),
        sa.Column("photo_key", sa.BigInteger),
        sa.Column("warc_file", sa.String(200), nullable=False, server_default=""),
        sa.Column("warc_record", sa.String(80), nullable=False, server_default=""),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("listing_id", "url", name="uq_photos_listing_url"),
    )
    op.create_index("ix_photos_sha256", "photos", ["sha256"])
    op.create_index("ix_photos_phash", "photos", ["phash"])
    op.create_index("ix_photos_photo_key", "photos", ["photo_key"])
    op.create_table(
        "photo_findings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("photo_id", sa.Integer, sa.ForeignKey("photos.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("engine", sa.String(120), nullable=False),
        sa.Column("value", sa.Text, nullable=False, server_default=""),
        sa.Column("label", sa.String(200), nullable=False, server_default=""),
        sa.Column("confidence", sa.Float, nullable=False, server_default="0"),
        sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_photo_findings_photo_id", "photo_findings", ["photo_id"])


def downgrade() -> None:
    op.drop_index("ix_photo_findings_photo_id", table_name="photo_findings")
    op.drop_table("photo_findings")
    op.drop_index("ix_photos_photo_key", table_name="photos")
    op.drop_index("ix_photos_phash", table_name="photos")
    op.drop_index("ix_photos_sha256", table_name="photos")
    op.drop_table("photos")
