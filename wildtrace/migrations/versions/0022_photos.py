"""(placeholder, filled by the work that owns it).

Revision ID: 0022_photos
Revises: 0021_collection
"""

from __future__ import annotations

revision = "0022_photos"
down_revision = "0021_collection"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
