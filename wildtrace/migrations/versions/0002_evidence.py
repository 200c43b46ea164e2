"""Collect and preserve: crawl frontier, venues, captures, artefacts, WARC files and the
hash-chained custody log.

Revision ID: 0002_evidence
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_evidence"
down_revision = "0001_initial"
branch_labels = ("evidence",)
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "frontier",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("url_key", sa.String(64), nullable=False, unique=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("domain", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False, server_default="page"),
        sa.Column("priority", sa.Float, nullable=False, server_default="0"),
        sa.Column("depth", sa.Integer, nullable=False, server_default="0"),
        sa.Column("state", sa.String(16), nullable=False, server_default="queued"),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("parent", sa.Text, nullable=False, server_default=""),
        sa.Column("anchor", sa.Text, nullable=False, server_default=""),
        sa.Column("added_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_index("ix_frontier_state_priority", "frontier", ["state", "priority"])
    op.create_table(
        "venues",
        sa.Column("domain", sa.String(255), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False, server_default=""),
        sa.Column("language", sa.String(16), nullable=False, server_default=""),
        sa.Column("country", sa.String(2), nullable=False, server_default=""),
        sa.Column("pages", sa.Integer, nullable=False, server_default="0"),
        sa.Column("listings", sa.Integer, nullable=False, server_default="0"),
        sa.Column("relevant", sa.Integer, nullable=False, server_default="0"),
        sa.Column("votes", sa.Text, nullable=False, server_default="{}"),
        sa.Column("first_seen", TZ, nullable=False),
        sa.Column("last_seen", TZ, nullable=False),
    )
    op.create_table(
        "captures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("url_key", sa.String(64), nullable=False),
        sa.Column("requested_url", sa.Text, nullable=False),
        sa.Column("final_url", sa.Text, nullable=False),
        sa.Column("redirects", sa.Text, nullable=False, server_default="[]"),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("headers", sa.Text, nullable=False, server_default="[]"),
        sa.Column("server_ip", sa.String(64), nullable=False, server_default=""),
        sa.Column("started_at", sa.String(40), nullable=False),
        sa.Column("ended_at", sa.String(40), nullable=False),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("media_type", sa.String(200), nullable=False, server_default=""),
        sa.Column("warc_file", sa.Text, nullable=False, server_default=""),
        sa.Column("warc_record_ids", sa.Text, nullable=False, server_default="[]"),
        sa.Column("robots_url", sa.Text, nullable=False, server_default=""),
        sa.Column("robots_sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("user_agent", sa.Text, nullable=False, server_default=""),
        sa.Column("operator", sa.Text, nullable=False, server_default=""),
        sa.Column("tools", sa.Text, nullable=False, server_default="{}"),
        sa.Column("method", sa.String(16), nullable=False, server_default="crawl"),
        sa.Column("record_sha256", sa.String(64), nullable=False, server_default=""),
    )
    op.create_index("ix_captures_url_key", "captures", ["url_key"])
    op.create_index("ix_captures_body_sha256", "captures", ["body_sha256"])
    op.create_table(
        "artefacts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("capture_id", sa.Integer, sa.ForeignKey("captures.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("media_type", sa.String(200), nullable=False, server_default=""),
        sa.Column("evidentiary", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
    )
    op.create_index("ix_artefacts_capture_id", "artefacts", ["capture_id"])
    op.create_table(
        "warc_files",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("size", sa.Integer, nullable=False, server_default="0"),
        sa.Column("opened_at", TZ, nullable=False),
        sa.Column("sealed_at", TZ),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "custody",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("who", sa.Text, nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    for table in ("custody", "warc_files", "artefacts", "captures", "venues", "frontier"):
        op.drop_table(table)
