"""Storage: the only place that writes SQL.

The schema lives in :mod:`wildtrace.store.tables` (one module per area), the queries in
the modules of this package (one per area). Stages, the application layer and the faces
read and write through :class:`Store` and the area stores it hands out; none of them
imports SQLAlchemy (a test checks this).
"""

from __future__ import annotations

from wildtrace.store.core import (
    STORE_ERRORS,
    Store,
    content_key,
    make_engine,
    migrate,
    utcnow,
)

__all__ = ["STORE_ERRORS", "Store", "content_key", "make_engine", "migrate", "utcnow"]
