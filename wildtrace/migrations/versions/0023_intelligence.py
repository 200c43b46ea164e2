"""(placeholder, filled by the work that owns it).

Revision ID: 0023_intelligence
Revises: 0022_photos
"""

from __future__ import annotations

revision = "0023_intelligence"
down_revision = "0022_photos"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
