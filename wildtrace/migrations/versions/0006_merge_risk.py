"""Merge the stage branches into one head, and keep each assessment's risk figure.

Revision ID: 0006_merge_risk
Revises: 0002_evidence, 0003_link, 0005_web_language
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_merge_risk"
down_revision = ("0002_evidence", "0003_link", "0005_web_language")
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assessments") as batch:
        batch.add_column(sa.Column("risk", sa.Float, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assessments") as batch:
        batch.drop_column("risk")
