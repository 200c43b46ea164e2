"""Shared rate limits and login lockouts, for several app servers on one database.

``web_limit_keys`` holds one row per (hashed) key, locked while an event is counted;
``web_limit_events`` is the sliding window's log of counted events; ``web_limit_locks``
the accounts locked after too many failed logins, and until when.

Revision ID: 0016_web_limits
Revises: 0015_link_index
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_web_limits"
down_revision = "0015_link_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_limit_keys",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("touched_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "web_limit_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_web_limit_events_key_at", "web_limit_events", ["key", "at"])
    op.create_index("ix_web_limit_events_expires_at", "web_limit_events", ["expires_at"])
    op.create_table(
        "web_limit_locks",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("web_limit_locks")
    op.drop_index("ix_web_limit_events_expires_at", table_name="web_limit_events")
    op.drop_index("ix_web_limit_events_key_at", table_name="web_limit_events")
    op.drop_table("web_limit_events")
    op.drop_table("web_limit_keys")
