"""(placeholder, filled by the work that owns it).

Revision ID: 0021_collection
Revises: 0020_page_kinds
"""

from __future__ import annotations

revision = "0021_collection"
down_revision = "0020_page_kinds"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
