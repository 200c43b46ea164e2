"""The ``crawl status`` read model: the workers of the workspace's frontier, the leases
they hold, and the queue by state and site.

A worker is shown ``running`` while it beats; one whose last beat is older than a lease
(``crawl_lease``) is shown ``lost``: it was killed or cut off, and its URLs go back in
the queue as its leases expire.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wildtrace.workspace import Workspace


@dataclass(frozen=True)
class WorkerView:
    """One crawl worker as ``crawl status`` shows it."""

    id: str
    host: str
    pid: int
    state: str  # running, lost, stopped
    pages: int
    started: datetime
    last_seen: datetime
    leases: int  # URLs it holds now
    expired: int  # of which the lease has run out

    def as_dict(self) -> dict[str, Any]:
        """The worker as ``crawl status --json`` prints it."""
        return {"id": self.id, "host": self.host, "pid": self.pid, "state": self.state,
                "pages": self.pages, "started": self.started.isoformat(),
                "last_seen": self.last_seen.isoformat(), "leases": self.leases,
                "expired_leases": self.expired}


@dataclass(frozen=True)
class CrawlStatus:
    """Workers, leases and queues of one workspace's frontier."""

    workers: tuple[WorkerView, ...]
    states: dict[str, int]  # URLs per state
    domains: dict[str, dict[str, int]]  # per domain: URLs per state
    unowned: int  # active URLs held by no registered worker
    lease_seconds: float

    def as_dict(self) -> dict[str, Any]:
        """The status as ``crawl status --json`` prints it."""
        return {"workers": [w.as_dict() for w in self.workers], "queue": self.states,
                "domains": self.domains, "unowned_leases": self.unowned,
                "lease_seconds": self.lease_seconds}


def crawl_status(ws: Workspace, limit: int = 50) -> CrawlStatus:
    """What the frontier's workers are doing (the ``limit`` most recently seen)."""
    rows = ws.store.frontier
    lease = ws.settings.crawl_lease
    now = rows.workers.now()
    held = {w: (n, expired) for w, n, expired, _ in rows.leases()}
    views = []
    for w in rows.workers.all(limit=limit):
        state = w.state
        if state == "running" and (now - w.last_seen).total_seconds() > lease:
            state = "lost"
        n, expired = held.pop(w.id, (0, 0))
        views.append(WorkerView(w.id, w.host, w.pid, state, w.pages, w.started,
                                w.last_seen, n, expired))
    return CrawlStatus(workers=tuple(views), states=rows.counts(),
                       domains=rows.counts_by_domain(),
                       unowned=sum(n for n, _ in held.values()), lease_seconds=lease)
