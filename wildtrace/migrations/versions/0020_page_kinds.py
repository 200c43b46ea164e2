"""(placeholder, filled by the work that owns it).

Revision ID: 0020_page_kinds
Revises: 0019_contacts_payments
"""

from __future__ import annotations

revision = "0020_page_kinds"
down_revision = "0019_contacts_payments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
