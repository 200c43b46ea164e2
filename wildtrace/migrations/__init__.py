"""Alembic migrations of the wildtrace schema (SQLite and PostgreSQL)."""
