"""Group commit for the audit log: entries recorded at once by many threads are
appended in one transaction.

Every entry of the hash-chained log takes the chain's head lock and waits for its
commit to reach the disk while holding it, so twenty concurrent page views each waited
for the nineteen before them (most of a listing page's time under load). Here the
first thread to arrive writes every entry queued by then, in one transaction, one
lock and one disk flush; the others wait for it, so each still returns only once its
entry is durable, with its id, as before. When that batch is done, the first thread
that queued meanwhile writes the next one. Across processes the head lock still
orders the batches, so the chain stays one chain.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# (when, user, action, object kind, object id, detail) of one audit entry
Entry = tuple[datetime, str, str, str, object, dict[str, Any] | None]
MAX_BATCH = 200  # entries per transaction, so one batch never holds the lock for long


@dataclass
class _Pending:
    entry: Entry
    wake: threading.Event = field(default_factory=threading.Event)
    leads: bool = False
    entry_id: int = 0
    error: BaseException | None = None

    def result(self) -> int:
        if self.error is not None:
            raise self.error
        return self.entry_id


class GroupCommit:
    """Append entries through ``append_many`` (one transaction per call, returning the
    ids in order), batching those of concurrent callers."""

    def __init__(self, append_many: Callable[[Sequence[Entry]], list[int]]) -> None:
        self.append_many = append_many
        self._queue: list[_Pending] = []
        self._writing = False
        self._lock = threading.Lock()

    def record(self, entry: Entry) -> int:
        """Append one entry (with those queued meanwhile); its id, once committed."""
        me = _Pending(entry)
        with self._lock:
            self._queue.append(me)
            lead = not self._writing
            self._writing = True
        if not lead:
            me.wake.wait()
            if not me.leads:
                return me.result()
        with self._lock:
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
        try:
            ids = self.append_many([p.entry for p in batch])
            for p, entry_id in zip(batch, ids, strict=True):
                p.entry_id = entry_id
        except BaseException as exc:  # each waiting caller gets the failure as its own
            for p in batch:
                p.error = exc
        with self._lock:
            following = self._queue[0] if self._queue else None
            if following is not None:
                following.leads = True
            else:
                self._writing = False
        for p in batch:
            p.wake.set()
        if following is not None:
            following.wake.set()
        return me.result()
