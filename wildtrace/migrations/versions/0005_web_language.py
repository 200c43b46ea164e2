"""Web: index listings by language, so a review-queue filter on a rare language starts
from those listings instead of walking the whole score index.

Revision ID: 0005_web_language
Revises: 0004_web
"""

from __future__ import annotations

from alembic import op

revision = "0005_web_language"
down_revision = "0004_web"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_listings_language", "listings", ["language"])


def downgrade() -> None:
    op.drop_index("ix_listings_language", "listings")
