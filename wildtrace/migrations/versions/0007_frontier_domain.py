"""Collect: index the frontier by state, domain and priority, so a crawl can take the
best queued URLs of each site (one request at a time per site needs URLs of many sites
at once) without walking the whole queue.

Revision ID: 0007_frontier_domain
Revises: 0006_merge_risk
"""

from __future__ import annotations

from alembic import op

revision = "0007_frontier_domain"
down_revision = "0006_merge_risk"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_frontier_state_domain_priority", "frontier",
                    ["state", "domain", "priority"])


def downgrade() -> None:
    op.drop_index("ix_frontier_state_domain_priority", "frontier")
