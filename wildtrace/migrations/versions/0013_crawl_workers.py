"""Collect: crawl workers on many machines sharing one frontier.

A taken frontier row now carries a lease: which worker holds it (``leased_by``) and
until when (``lease_until``). Workers renew their leases while they run; a row whose
lease has expired (its worker died) goes back in the queue, and a live worker's rows
are never taken from it. ``crawl_workers`` has one row per crawl worker that ever ran
on the workspace (``crawl status`` shows them).

Revision ID: 0013_crawl_workers
Revises: 0012_timestamps
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_crawl_workers"
down_revision = "0012_timestamps"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("frontier") as batch:
        batch.add_column(sa.Column("leased_by", sa.String(64), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True),
                                   nullable=True))
    op.create_index("ix_frontier_state_lease", "frontier", ["state", "lease_until"])
    op.create_table(
        "crawl_workers",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),  # running, stopped
        sa.Column("pages", sa.Integer, nullable=False, server_default="0"),
        sa.Column("started", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
    )
    op.create_index("ix_crawl_workers_state", "crawl_workers", ["state"])


def downgrade() -> None:
    op.drop_index("ix_crawl_workers_state", table_name="crawl_workers")
    op.drop_table("crawl_workers")
    op.drop_index("ix_frontier_state_lease", table_name="frontier")
    with op.batch_alter_table("frontier") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("leased_by")
