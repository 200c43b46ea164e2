"""Page kinds: ``page_kinds`` (the kind every captured page was read as: listing, index,
profile, forum, article, login, captcha, error, other, with the reason and how many
listings it made) and ``seller_profiles`` (what a seller's profile page says: name,
handle, location, contacts). Forum posts need no column: each is a listing whose
``extra`` names its thread and place in it.

Revision ID: 0020_page_kinds
Revises: 0019_contacts_payments
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_page_kinds"
down_revision = "0019_contacts_payments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "page_kinds",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("capture_id", sa.Integer, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("domain", sa.String(255), nullable=False, server_default=""),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("items", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_page_kinds_capture_id", "page_kinds", ["capture_id"])
    op.create_index("ix_page_kinds_domain_kind", "page_kinds", ["domain", "kind"])
    op.create_table(
        "seller_profiles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False, server_default=""),
        sa.Column("handle", sa.String(200), nullable=False, server_default=""),
        sa.Column("location", sa.Text, nullable=False, server_default=""),
        sa.Column("identifiers", sa.Text, nullable=False, server_default="[]"),
        sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
        sa.Column("capture_id", sa.Integer, nullable=False),
        sa.Column("capture_sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_seller_profiles_capture_id", "seller_profiles", ["capture_id"])
    op.create_index("ix_seller_profiles_source_handle", "seller_profiles",
                    ["source", "handle"])


def downgrade() -> None:
    op.drop_table("seller_profiles")
    op.drop_table("page_kinds")
