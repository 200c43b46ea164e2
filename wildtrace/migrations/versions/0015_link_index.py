"""Link: the link index, so new listings join sellers without re-resolving all.

``link_keys`` holds the first listing of every account, handle, contact identifier and
photo band (and how many listings showed each identifier); ``link_rows`` each
listing's seller before text links, whether it is identified, comparable and how often
it sits in boilerplate; ``link_bands`` the MinHash band keys of every listing;
``link_flagged`` the boilerplate buckets; ``link_index_state`` the run they describe.
Links get an index by (run, first listing), through which a run reads the links of
the sellers it re-merges.

Revision ID: 0015_link_index
Revises: 0014_blob_chunks
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_link_index"
down_revision = "0014_blob_chunks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_seller_links_run_a", "seller_links", ["run_id", "listing_a"])
    op.create_table(
        "link_keys",
        sa.Column("key", sa.String(600), primary_key=True),
        sa.Column("listing_id", sa.Integer, nullable=False),
        sa.Column("size", sa.Integer, nullable=False, server_default="0"),
        sa.Column("aux", sa.String(200), nullable=False, server_default=""),
    )
    op.create_table(
        "link_rows",
        sa.Column("listing_id", sa.Integer, primary_key=True),
        sa.Column("owner", sa.Integer, nullable=False),
        sa.Column("known", sa.Boolean, nullable=False),
        sa.Column("ok", sa.Boolean, nullable=False),
        sa.Column("shared", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_link_rows_owner", "link_rows", ["owner"])
    op.create_table(
        "link_bands",
        sa.Column("band", sa.SmallInteger, primary_key=True),
        sa.Column("bkey", sa.BigInteger, primary_key=True),
        sa.Column("listing_id", sa.Integer, primary_key=True),
        sa.Column("close", sa.Boolean, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "link_flagged",
        sa.Column("band", sa.SmallInteger, primary_key=True),
        sa.Column("bkey", sa.BigInteger, primary_key=True),
    )
    op.create_table(
        "link_index_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("link_index_state")
    op.drop_table("link_flagged")
    op.drop_table("link_bands")
    op.drop_index("ix_link_rows_owner", table_name="link_rows")
    op.drop_table("link_rows")
    op.drop_table("link_keys")
    op.drop_index("ix_seller_links_run_a", table_name="seller_links")
