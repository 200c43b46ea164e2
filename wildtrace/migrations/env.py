"""Alembic environment: runs migrations on the connection wildtrace hands in."""

from __future__ import annotations

from alembic import context

from wildtrace.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - wildtrace always passes a connection
    raise RuntimeError("wildtrace migrations must be run through wildtrace.store")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
