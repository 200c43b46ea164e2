"""Tips scored and turned into cases: the relevance scorer's judgement of a tip (score,
relevance, taxa, CITES appendix, flags, reasons, model version, when), and the listing
and case a tip became.

Cases needed no change: their status and notes columns were there from the start; the
change history is in the audit log.

Revision ID: 0018_tip_scores
Revises: 0017_browse
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_tip_scores"
down_revision = "0017_browse"
branch_labels = None
depends_on = None

COLUMNS = (
    ("score", sa.Float(), None),
    ("relevant", sa.Boolean(), None),
    ("taxa", sa.Text(), ""),
    ("cites", sa.String(3), ""),
    ("flags", sa.Text(), ""),
    ("reasons", sa.Text(), "[]"),
    ("scored_by", sa.String(80), ""),
    ("scored_at", sa.DateTime(timezone=True), None),
    ("listing_id", sa.Integer(), "0"),
    ("case_id", sa.Integer(), "0"),
)


def upgrade() -> None:
    # Columns with a server default add in place on SQLite and PostgreSQL alike.
    for name, kind, default in COLUMNS:
        op.add_column("tips", sa.Column(name, kind, nullable=default is None,
                                        server_default=default))


def downgrade() -> None:
    with op.batch_alter_table("tips") as batch:  # SQLite drops columns by copying
        for name, _, _ in reversed(COLUMNS):
            batch.drop_column(name)
