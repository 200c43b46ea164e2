"""Tables of logged-in collection: one stored session per site, queried by
:mod:`wildtrace.store.sessions`.

``secret`` holds the site's cookies as a Fernet token (encrypted and authenticated);
the key is never in the database (see :mod:`wildtrace.app.sessions`), so a copy of the
database, a backup or an export carries no usable session. Created by the migration
``0021_collection``.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, String, Table, Text

from wildtrace.store.tables import metadata

# ``state`` is active or paused; a paused session keeps why (``reason``), where the
# lapse showed (``paused_url``) and when, until the analyst renews it.
site_sessions = Table(
    "site_sessions", metadata,
    Column("id", Integer, primary_key=True),
    Column("site", String(255), nullable=False, unique=True),
    Column("account", String(200), nullable=False),
    Column("format", String(20), nullable=False),  # cookies.txt, storage-state
    Column("secret", Text, nullable=False),
    Column("cookies", Integer, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=True),
    Column("state", String(16), nullable=False, default="active"),
    Column("reason", Text, nullable=False, default=""),
    Column("paused_url", Text, nullable=False, default=""),
    Column("paused_at", DateTime(timezone=True), nullable=True),
    Column("imported_by", String(200), nullable=False, default=""),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("renewed_at", DateTime(timezone=True), nullable=True),
    Column("pages", Integer, nullable=False, default=0),  # captured logged in
)
