"""Link: index seller memberships by run and seller, so the listings of one resolved
seller are found without reading that seller's rows from every earlier link run.

Revision ID: 0008_seller_members_run
Revises: 0007_frontier_domain
"""

from __future__ import annotations

from alembic import op

revision = "0008_seller_members_run"
down_revision = "0007_frontier_domain"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_seller_members_run_seller", "seller_members", ["run_id", "seller_id"])


def downgrade() -> None:
    op.drop_index("ix_seller_members_run_seller", "seller_members")
