"""Anticipate and share: term decisions, alert subscriptions and deliveries, watch runs.

``term_decisions`` keeps the candidate code words analysts accepted into the workspace
lexicon or rejected (with who, when and the evidence listings); ``alert_subscriptions``
and ``alert_deliveries`` the alert rules, their channels, unsubscribe tokens, cursors
and every alert sent or held back; ``watch_runs`` the history of scheduled runs, so
missed and failed runs show on the dashboard.

Revision ID: 0023_intelligence
Revises: 0022_photos
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023_intelligence"
down_revision = "0022_photos"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "term_decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("term_key", sa.String(200), nullable=False),
        sa.Column("term", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("taxon", sa.String(200), nullable=False, server_default=""),
        sa.Column("kind", sa.String(20), nullable=False, server_default=""),
        sa.Column("lang", sa.String(16), nullable=False, server_default=""),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("evidence", sa.Text, nullable=False, server_default="[]"),
        sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
        sa.UniqueConstraint("term_key", name="uq_term_decisions_term_key"),
    )
    op.create_table(
        "alert_subscriptions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("min_interval_s", sa.Integer, nullable=False, server_default="3600"),
        sa.Column("max_per_day", sa.Integer, nullable=False, server_default="24"),
        sa.Column("cursor", sa.Integer, nullable=False, server_default="0"),
        sa.Column("params", sa.Text, nullable=False, server_default="{}"),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sent_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("token", name="uq_alert_subscriptions_token"),
    )
    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("subscription_id", sa.Integer, sa.ForeignKey("alert_subscriptions.id"),
                  nullable=False),
        sa.Column("event_key", sa.String(200), nullable=False),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
        sa.UniqueConstraint("subscription_id", "event_key", name="uq_alert_deliveries_event"),
    )
    op.create_index("ix_alert_deliveries_sub_at", "alert_deliveries",
                    ["subscription_id", "at"])
    op.create_table(
        "watch_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("watch", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
        sa.Column("error", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_watch_runs_watch_started", "watch_runs", ["watch", "started_at"])


def downgrade() -> None:
    op.drop_index("ix_watch_runs_watch_started", table_name="watch_runs")
    op.drop_table("watch_runs")
    op.drop_index("ix_alert_deliveries_sub_at", table_name="alert_deliveries")
    op.drop_table("alert_deliveries")
    op.drop_table("alert_subscriptions")
    op.drop_table("term_decisions")
