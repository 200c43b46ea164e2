"""(placeholder, filled by the work that owns it).

Revision ID: 0019_contacts_payments
Revises: 0018_tip_scores
"""

from __future__ import annotations

revision = "0019_contacts_payments"
down_revision = "0018_tip_scores"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
