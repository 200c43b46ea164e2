"""Audit and accounts: a hash-chained, append-only audit log; disabled users; token
expiry and revocation.

The entries already in ``audit_log`` are chained in id order (nothing is dropped), the
head is written to the new ``audit_head``, and then triggers refuse UPDATE and DELETE
on ``audit_log`` (and TRUNCATE on PostgreSQL): from here on the log only grows.

Revision ID: 0009_audit_accounts
Revises: 0008_seller_members_run
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from wildtrace.store.audit import entry_hash

revision = "0009_audit_accounts"
down_revision = "0008_seller_members_run"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
REFUSAL = "audit_log is append-only: entries cannot be changed or removed"

SQLITE_TRIGGERS = (
    f"CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
    f"CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
)
POSTGRES_TRIGGERS = (
    "CREATE OR REPLACE FUNCTION audit_log_refuse() RETURNS trigger AS $$ "
    f"BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_refuse()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse()",
)


def _chain_existing() -> None:
    """Hash the entries written before this migration, oldest first."""
    log = sa.table("audit_log", sa.column("id", sa.Integer), sa.column("at", TZ),
                   sa.column("user", sa.String), sa.column("action", sa.String),
                   sa.column("object_kind", sa.String), sa.column("object_id", sa.String),
                   sa.column("detail", sa.Text), sa.column("prev_hash", sa.String),
                   sa.column("hash", sa.String))
    bind = op.get_bind()
    prev, last_id = "", 0
    for row in bind.execute(sa.select(log).order_by(log.c.id)).all():
        digest = entry_hash(prev, int(row.id), row.at, row.user, row.action,
                            row.object_kind, row.object_id, row.detail)
        bind.execute(log.update().where(log.c.id == row.id)
                     .values(prev_hash=prev, hash=digest))
        prev, last_id = digest, int(row.id)
    head = sa.table("audit_head", sa.column("id", sa.Integer),
                    sa.column("last_id", sa.Integer), sa.column("last_hash", sa.String))
    bind.execute(head.insert().values(id=1, last_id=last_id, last_hash=prev))


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("prev_hash", sa.String(64), nullable=False,
                                         server_default=""))
    op.add_column("audit_log", sa.Column("hash", sa.String(64), nullable=False,
                                         server_default=""))
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("last_id", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_hash", sa.String(64), nullable=False, server_default=""),
    )
    _chain_existing()
    dialect = op.get_bind().dialect.name
    for statement in POSTGRES_TRIGGERS if dialect == "postgresql" else SQLITE_TRIGGERS:
        op.execute(statement)
    op.add_column("users", sa.Column("disabled_at", TZ, nullable=True))
    op.add_column("api_tokens", sa.Column("expires_at", TZ, nullable=True))
    op.add_column("api_tokens", sa.Column("revoked_at", TZ, nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_refuse()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("revoked_at")
        batch.drop_column("expires_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("disabled_at")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
