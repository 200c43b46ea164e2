"""Link index: each comparable listing's MinHash signature.

An incremental link run compares new listings with the stored ones that share their
LSH buckets. Without the signatures it read those listings' texts back and MinHashed
them again on every run; ``link_rows.sig`` keeps the signature (``NUM_PERM`` unsigned
32-bit values, little-endian) that the run which indexed the listing computed. Rows
indexed before this revision have none and are recomputed from their text, as before.

Revision ID: 0024_link_signatures
Revises: 0023_intelligence
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024_link_signatures"
down_revision = "0023_intelligence"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("link_rows", sa.Column("sig", sa.LargeBinary, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("link_rows") as batch:
        batch.drop_column("sig")
