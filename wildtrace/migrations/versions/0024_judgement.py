"""(placeholder, filled by the work that owns it).

Revision ID: 0024_judgement
Revises: 0023_intelligence
"""

from __future__ import annotations

revision = "0024_judgement"
down_revision = "0023_intelligence"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
