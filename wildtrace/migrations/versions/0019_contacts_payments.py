"""Value-chain positions: per listing, the product form (live, raw, semi-worked,
finished, derivative) and seller role (dealer, agent, collector, buyer) read from its
text, with the cue words and the reader's version.

Contacts and payment traces needed no change: identifiers are stored as (kind, value)
pairs in ``listings.identifiers``, so the new kinds (Zalo, KakaoTalk, IBAN, Pix, ...)
fit the column as it is.

Revision ID: 0019_contacts_payments
Revises: 0018_tip_scores
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_contacts_payments"
down_revision = "0018_tip_scores"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "listing_positions",
        sa.Column("listing_id", sa.Integer(), primary_key=True),
        sa.Column("product_form", sa.String(16), nullable=False, server_default=""),
        sa.Column("seller_role", sa.String(16), nullable=False, server_default=""),
        sa.Column("cues", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("version", sa.String(16), nullable=False, server_default=""),
    )
    op.create_index("ix_listing_positions_form", "listing_positions", ["product_form"])
    op.create_index("ix_listing_positions_role", "listing_positions", ["seller_role"])


def downgrade() -> None:
    op.drop_index("ix_listing_positions_role", "listing_positions")
    op.drop_index("ix_listing_positions_form", "listing_positions")
    op.drop_table("listing_positions")
