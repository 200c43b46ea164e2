"""The audit log: who viewed, labelled, exported or changed what, and when.

Sellers' personal data is sensitive; investigators must be able to show who saw it.
Entries are only ever appended; :class:`AuditStore` has no way to change or remove one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wildtrace.store.core import utcnow
from wildtrace.store.tables.act import audit_log


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of the audit log."""

    id: int
    at: datetime
    user: str
    action: str
    object_kind: str
    object_id: str
    detail: dict[str, Any]


class AuditStore:
    """Append and read audit entries in one workspace database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, user: str, action: str, object_kind: str = "", object_id: object = "",
               detail: dict[str, Any] | None = None) -> None:
        """Append one entry; ``detail`` is kept as JSON.

        Values longer than their columns are cut rather than refused: a hostile user
        name must not be able to keep its own failed login out of the log.
        """
        with self.engine.begin() as conn:
            conn.execute(audit_log.insert().values(
                at=utcnow(), user=user[:200], action=action[:40],
                object_kind=object_kind[:40], object_id=str(object_id)[:200],
                detail=json.dumps(detail or {}, ensure_ascii=False, default=str)))

    def entries(self, *, limit: int = 100, before: int | None = None,
                user: str | None = None, action: str | None = None) -> list[AuditEntry]:
        """Newest entries first, keyset-paginated by ``before`` (an entry id)."""
        q = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        if before is not None:
            q = q.where(audit_log.c.id < before)
        if user:
            q = q.where(audit_log.c.user == user)
        if action:
            q = q.where(audit_log.c.action == action)
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
        return [AuditEntry(id=r.id, at=r.at, user=r.user, action=r.action,
                           object_kind=r.object_kind, object_id=r.object_id,
                           detail=json.loads(r.detail or "{}")) for r in rows]
