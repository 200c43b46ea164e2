"""Evidence blobs in the database: ``stored_blobs`` (one row per whole blob) and
``blob_chunks`` (its bytes, 1 MiB a row), for the setting ``blob_store = "postgres"``.

Revision ID: 0014_blob_chunks
Revises: 0013_crawl_workers
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_blob_chunks"
down_revision = "0013_crawl_workers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stored_blobs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("chunks", sa.Integer, nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "blob_chunks",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("n", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        # Chunks are often compressed already (gzip WARC, JPEG): store them as they
        # are rather than have TOAST try to compress each one again.
        op.execute("ALTER TABLE blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL")


def downgrade() -> None:
    op.drop_table("blob_chunks")
    op.drop_table("stored_blobs")
