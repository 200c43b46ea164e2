"""The audit log: who viewed, labelled, exported or changed what, and when.

Sellers' personal data is sensitive; investigators must be able to show who saw it.
Entries are only ever appended: :class:`AuditStore` has no way to change or remove one,
and the database refuses UPDATE and DELETE on ``audit_log`` (triggers of the migration
``0009_audit_accounts``).

The entries form a hash chain. Each stores ``prev_hash`` (the hash of the entry before
it, ``""`` for the first) and ``hash`` = SHA-256 of ``prev_hash`` and its own canonical
content (:func:`entry_hash`), and ``audit_head`` keeps the newest entry's id and hash.
:meth:`AuditStore.verify` recomputes the chain, so an entry edited, deleted, inserted or
moved by someone who got past the triggers (a raw connection to the database file) is
named. A chain recomputed in full by such a person is only caught by a head hash that
was kept elsewhere: :meth:`AuditStore.verify` returns it to publish or hand over.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from wildtrace.store.core import utcnow
from wildtrace.store.group_commit import Entry, GroupCommit
from wildtrace.store.tables.act import audit_head, audit_log

HEAD_ID = 1
VERIFY_BATCH = 5000  # entries read per query while verifying a large log


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


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """One place where the stored chain disagrees with its recomputation."""

    entry_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """What :meth:`AuditStore.verify` found: entries checked, every break in id order,
    and the stored head hash (the newest entry's)."""

    checked: int
    breaks: tuple[ChainBreak, ...]
    head: str

    @property
    def ok(self) -> bool:
        """Whether the whole chain checks out."""
        return not self.breaks


def _canonical_time(at: datetime) -> str:
    # SQLite hands back naive datetimes (written in UTC), PostgreSQL aware ones: both
    # must hash alike, to the microsecond that both keep.
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


def entry_hash(prev_hash: str, entry_id: int, at: datetime, user: str, action: str,
               object_kind: str, object_id: str, detail: str) -> str:
    """SHA-256 (hex) chaining one entry to the one before it.

    The content is canonical JSON of the entry's id (so moving an entry changes it),
    time, user, action, object and the detail exactly as stored.
    """
    content = json.dumps([entry_id, _canonical_time(at), user, action, object_kind,
                          object_id, detail], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}\n{content}".encode("utf-8", "surrogatepass")
                          ).hexdigest()


def _row_hash(prev_hash: str, row: sa.Row[Any]) -> str:
    return entry_hash(prev_hash, int(row.id), row.at, row.user, row.action,
                      row.object_kind, row.object_id, row.detail)


def _head(conn: Connection) -> tuple[int, str]:
    row = conn.execute(sa.select(audit_head.c.last_id, audit_head.c.last_hash)
                       .where(audit_head.c.id == HEAD_ID)).first()
    return (int(row.last_id), str(row.last_hash)) if row else (0, "")


class AuditStore:
    """Append and read audit entries in one workspace database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Concurrent callers' entries share one transaction (store/group_commit.py).
        self._group = GroupCommit(self._append)

    def record(self, user: str, action: str, object_kind: str = "", object_id: object = "",
               detail: dict[str, Any] | None = None) -> int:
        """Append one entry, chained to the newest; ``detail`` is kept as JSON. Returns
        the entry's id, once it is committed.

        Values longer than their columns are cut rather than refused: a hostile user
        name must not be able to keep its own failed login out of the log.
        """
        return self._group.record((utcnow(), user, action, object_kind, object_id,
                                   detail))

    def _append(self, entries: Sequence[Entry]) -> list[int]:
        """Append ``entries`` in order in one transaction; their ids."""
        ids: list[int] = []
        with self.engine.begin() as conn:
            # Writing the head first takes the write lock (SQLite) or the row lock
            # (PostgreSQL) before the newest hash is read: two writers cannot fork.
            conn.execute(audit_head.update().where(audit_head.c.id == HEAD_ID)
                         .values(last_id=audit_head.c.last_id))
            last_id, prev = _head(conn)
            top = conn.execute(sa.select(sa.func.max(audit_log.c.id))).scalar()
            # Chained to the head, not to whatever row is last now: a tail deleted behind
            # the triggers' back stays visible after the next append.
            entry_id = max(last_id, int(top or 0))
            rows = []
            for at, user, action, object_kind, object_id, detail in entries:
                user, action = user[:200], action[:40]
                kind, oid = object_kind[:40], str(object_id)[:200]
                text = json.dumps(detail or {}, ensure_ascii=False, default=str)
                entry_id += 1
                digest = entry_hash(prev, entry_id, at, user, action, kind, oid, text)
                rows.append({"id": entry_id, "at": at, "user": user, "action": action,
                             "object_kind": kind, "object_id": oid, "detail": text,
                             "prev_hash": prev, "hash": digest})
                ids.append(entry_id)
                prev = digest
            conn.execute(audit_log.insert(), rows)
            done = conn.execute(audit_head.update().where(audit_head.c.id == HEAD_ID)
                                .values(last_id=entry_id, last_hash=prev))
            if done.rowcount == 0:
                conn.execute(audit_head.insert().values(id=HEAD_ID, last_id=entry_id,
                                                        last_hash=prev))
        return ids

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

    def _rows(self) -> Iterator[sa.Row[Any]]:
        after = None
        while True:
            q = sa.select(audit_log).order_by(audit_log.c.id).limit(VERIFY_BATCH)
            if after is not None:
                q = q.where(audit_log.c.id > after)
            with self.engine.connect() as conn:
                rows = conn.execute(q).all()
            yield from rows
            if len(rows) < VERIFY_BATCH:
                return
            after = rows[-1].id

    def verify(self) -> ChainCheck:
        """Recompute the chain in id order and name every entry where it breaks."""
        breaks: list[ChainBreak] = []
        prev_stored, prev_id, n = "", 0, 0
        for row in self._rows():
            n += 1
            if row.prev_hash != prev_stored:
                where = f"after entry {prev_id}" if prev_id else "at the start"
                breaks.append(ChainBreak(int(row.id), "does not follow the entry before "
                                         f"it: an entry {where} was removed, inserted or "
                                         "moved"))
            if _row_hash(row.prev_hash, row) != row.hash:
                breaks.append(ChainBreak(int(row.id), "its content does not match its hash:"
                                         " the entry was edited"))
            prev_stored, prev_id = row.hash, int(row.id)
        with self.engine.connect() as conn:
            head_id, head_hash = _head(conn)
        if (head_id, head_hash) != (prev_id, prev_stored):
            subject = head_id or prev_id
            breaks.append(ChainBreak(subject, f"the log ends at entry {prev_id} but its head "
                                     f"names entry {head_id}: entries at the end were "
                                     "removed or added outside wildtrace"))
        return ChainCheck(checked=n, breaks=tuple(breaks), head=head_hash)
