"""Web and act: users, sessions, API tokens, audit log, cases, case items, tips, and
the indices that keep the review queue fast on large workspaces.

Revision ID: 0004_web
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_web"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
    )
    op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(12), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("user", sa.String(200), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("object_kind", sa.String(40), nullable=False, server_default=""),
        sa.Column("object_id", sa.String(200), nullable=False, server_default=""),
        sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("notes", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.String(20), nullable=False, server_default="open"),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "case_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("ref", sa.String(500), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("added_by", sa.String(200), nullable=False),
        sa.Column("added_at", TZ, nullable=False),
        sa.UniqueConstraint("case_id", "kind", "ref", name="uq_case_items_ref"),
    )
    op.create_index("ix_case_items_case_id", "case_items", ["case_id"])
    op.create_table(
        "tips",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("language", sa.String(16), nullable=False, server_default=""),
        sa.Column("screenshot_sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("capture_sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("capture_status", sa.String(20), nullable=False, server_default="pending"),
        sa.Column("capture_detail", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.String(20), nullable=False, server_default="new"),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_tips_status_id", "tips", ["status", "id"])
    # The review queue walks assessments in (score, id) order and checks each one is
    # its listing's latest; these two indices make both steps index lookups.
    op.create_index("ix_assessments_score_id", "assessments", ["score", "id"])
    op.create_index("ix_assessments_listing_id_id", "assessments", ["listing_id", "id"])
    # The listing view shows the seller's other listings.
    op.create_index("ix_listings_seller", "listings", ["seller"])


def downgrade() -> None:
    op.drop_index("ix_listings_seller", "listings")
    op.drop_index("ix_assessments_listing_id_id", "assessments")
    op.drop_index("ix_assessments_score_id", "assessments")
    for table in ("tips", "case_items", "cases", "audit_log", "api_tokens", "web_sessions",
                  "users"):
        op.drop_table(table)
