"""Collection beyond public pages: ``site_sessions``, the analyst's own logged-in
session per site (cookies sealed with a key kept outside the database), its state
(active, or paused when the site logged it out or served a robot check) and how many
pages were captured with it; ``revisits``, each fetch of a known advert at one of its
revisit ages and whether it was gone, changed or still up; ``venue_candidates``, the
venues crawled pages point to outside the crawl (other sites, Telegram, WhatsApp,
WeChat…) until an analyst promotes or dismisses them.

Revision ID: 0021_collection
Revises: 0020_page_kinds
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_collection"
down_revision = "0020_page_kinds"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "site_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("site", sa.String(255), nullable=False, unique=True),
        sa.Column("account", sa.String(200), nullable=False),
        sa.Column("format", sa.String(20), nullable=False),
        sa.Column("secret", sa.Text, nullable=False),
        sa.Column("cookies", sa.Integer, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(16), nullable=False, server_default="active"),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("paused_url", sa.Text, nullable=False, server_default=""),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("imported_by", sa.String(200), nullable=False, server_default=""),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("renewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pages", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "revisits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("listing_id", sa.Integer, sa.ForeignKey("listings.id"), nullable=False),
        sa.Column("age", sa.Integer, nullable=False),
        sa.Column("revisited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("final_url", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.Integer, nullable=False, server_default="0"),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("text_sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("price", sa.Float, nullable=True),
    )
    op.create_index("ix_revisits_listing_id", "revisits", ["listing_id"])
    op.create_index("ix_revisits_revisited_at", "revisits", ["revisited_at"])
    op.create_table(
        "venue_candidates",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(300), nullable=False, unique=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("url", sa.Text, nullable=False, server_default=""),
        sa.Column("mentions", sa.Integer, nullable=False, server_default="0"),
        sa.Column("relevant", sa.Integer, nullable=False, server_default="0"),
        sa.Column("score_sum", sa.Float, nullable=False, server_default="0"),
        sa.Column("languages", sa.Text, nullable=False, server_default="{}"),
        sa.Column("language", sa.String(16), nullable=False, server_default=""),
        sa.Column("example", sa.Text, nullable=False, server_default=""),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(10), nullable=False, server_default="new"),
        sa.Column("decided_by", sa.String(200), nullable=False, server_default=""),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("venue_candidates")
    op.drop_index("ix_revisits_revisited_at", table_name="revisits")
    op.drop_index("ix_revisits_listing_id", table_name="revisits")
    op.drop_table("revisits")
    op.drop_table("site_sessions")
