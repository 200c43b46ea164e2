"""Trusted timestamps: one row per RFC 3161 token over the custody head.

The token itself (the TSA's DER reply) is an evidence blob named by ``token_sha256``;
the row says which custody entry it covers (``custody_seq``, ``custody_head``), which
TSA signed it, and the time and serial number the token carries.

Revision ID: 0012_timestamps
Revises: 0009_audit_accounts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_timestamps"
down_revision = "0009_audit_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "timestamps",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("custody_seq", sa.Integer, nullable=False),
        sa.Column("custody_head", sa.String(64), nullable=False),
        sa.Column("tsa_url", sa.Text, nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("gen_time", sa.String(40), nullable=False),
        sa.Column("serial", sa.String(60), nullable=False),
        sa.Column("policy", sa.String(200), nullable=False, server_default=""),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_timestamps_custody_seq", "timestamps", ["custody_seq"])


def downgrade() -> None:
    op.drop_index("ix_timestamps_custody_seq", table_name="timestamps")
    op.drop_table("timestamps")
