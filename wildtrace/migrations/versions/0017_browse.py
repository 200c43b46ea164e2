"""Browse and search: full-text search in any script, saved views, listing countries,
and the indexes the browse page's filters and the queue's tie-breaks use.

SQLite's default FTS5 tokenizer (``unicode61``) keeps a run of CJK or Thai characters
as one token, so ``象牙`` never matches inside ``出售象牙手镯``. ``listings_trgm`` is a
second FTS5 index over the same columns with the ``trigram`` tokenizer (substring
matches for queries of three characters or more; shorter ones fall back to LIKE). On
PostgreSQL a ``pg_trgm`` GIN index serves ``ILIKE '%…%'`` instead, when the extension
can be installed; without it the same ILIKE still answers, only slower.

Revision ID: 0017_browse
Revises: 0016_web_limits
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_browse"
down_revision = "0016_web_limits"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def _sqlite_trigram() -> None:
    op.execute("CREATE VIRTUAL TABLE listings_trgm USING fts5(title, description, "
               "content='listings', content_rowid='id', tokenize='trigram')")
    op.execute("CREATE TRIGGER listings_trgm_ai AFTER INSERT ON listings BEGIN "
               "INSERT INTO listings_trgm(rowid, title, description) "
               "VALUES (new.id, new.title, new.description); END")
    op.execute("CREATE TRIGGER listings_trgm_ad AFTER DELETE ON listings BEGIN "
               "INSERT INTO listings_trgm(listings_trgm, rowid, title, description) "
               "VALUES ('delete', old.id, old.title, old.description); END")
    # Only a change of the indexed text re-indexes (identifiers are updated often).
    op.execute("CREATE TRIGGER listings_trgm_au AFTER UPDATE OF title, description "
               "ON listings BEGIN "
               "INSERT INTO listings_trgm(listings_trgm, rowid, title, description) "
               "VALUES ('delete', old.id, old.title, old.description); "
               "INSERT INTO listings_trgm(rowid, title, description) "
               "VALUES (new.id, new.title, new.description); END")
    op.execute("INSERT INTO listings_trgm(listings_trgm) VALUES ('rebuild')")


def _postgres_trigram() -> None:
    bind = op.get_bind()
    available = bind.execute(sa.text(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).first()
    if not available:
        return
    try:
        with bind.begin_nested():  # a role that may not create extensions keeps going
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        return
    op.execute("CREATE INDEX ix_listings_text_trgm ON listings USING GIN "
               "((coalesce(title, '') || ' ' || coalesce(description, '')) gin_trgm_ops)")


def upgrade() -> None:
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("query", sa.Text, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("user", "name", name="uq_saved_views_user_name"),
    )
    op.create_table(
        "listing_countries",
        sa.Column("listing_id", sa.Integer, primary_key=True),
        sa.Column("country", sa.String(2), nullable=False, server_default=""),
    )
    op.create_index("ix_listing_countries_country", "listing_countries", ["country"])
    op.create_index("ix_listings_source_seller", "listings", ["source", "seller"])
    op.create_index("ix_listings_posted", "listings", ["posted"])
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_trigram()
    elif dialect == "postgresql":
        _postgres_trigram()


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trig in ("listings_trgm_ai", "listings_trgm_ad", "listings_trgm_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trig}")
        op.execute("DROP TABLE IF EXISTS listings_trgm")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_listings_text_trgm")
    op.drop_index("ix_listings_posted", "listings")
    op.drop_index("ix_listings_source_seller", "listings")
    op.drop_index("ix_listing_countries_country", "listing_countries")
    op.drop_table("listing_countries")
    op.drop_table("saved_views")
