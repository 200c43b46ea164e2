"""(placeholder, filled by the work that owns it).

Revision ID: 0025_assess
Revises: 0024_judgement
"""

from __future__ import annotations

revision = "0025_assess"
down_revision = "0024_judgement"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
