"""Link stage: seller links (evidence, confidence) and seller membership per run.

Revision ID: 0003_link
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_link"
down_revision = "0001_initial"
branch_labels = ("link",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "seller_links",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("listing_a", sa.Integer, nullable=False),
        sa.Column("listing_b", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("evidence", sa.Text, nullable=False, server_default=""),
        sa.Column("confidence", sa.Float, nullable=False),
    )
    op.create_index("ix_seller_links_run_id", "seller_links", ["run_id"])
    op.create_table(
        "seller_members",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), primary_key=True),
        sa.Column("listing_id", sa.Integer, primary_key=True),
        sa.Column("seller_id", sa.Integer, nullable=False),
    )
    op.create_index("ix_seller_members_seller_id", "seller_members", ["seller_id"])


def downgrade() -> None:
    op.drop_index("ix_seller_members_seller_id", "seller_members")
    op.drop_table("seller_members")
    op.drop_index("ix_seller_links_run_id", "seller_links")
    op.drop_table("seller_links")
