"""Who a crawl worker is, and which workers of this machine are gone.

A worker is one ``crawl`` run: its id is unique across machines (host, process id and
a random part, so a reused process id is another worker). Whether another worker is
alive can only be told for sure on its own machine (by its process id); elsewhere its
leases expiring is what says it is gone.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Sequence
from dataclasses import dataclass

from wildtrace.store.crawl_workers import WorkerRow


@dataclass(frozen=True, slots=True)
class WorkerId:
    """One crawl worker: its id, machine and process."""

    id: str
    host: str
    pid: int

    @classmethod
    def here(cls) -> WorkerId:
        """A new worker id for this process."""
        host, pid = socket.gethostname(), os.getpid()
        return cls(f"{host[:40]}-{pid}-{secrets.token_hex(4)}", host, pid)


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine (one that cannot be asked counts
    as alive: its leases then return when they expire)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def gone_here(running: Sequence[WorkerRow], me: WorkerId) -> list[str]:
    """Ids of the other workers registered as running on ``me``'s machine whose process
    is gone (or is this one: a process id reused since)."""
    return [w.id for w in running if w.host == me.host and w.id != me.id
            and (w.pid == me.pid or not process_alive(w.pid))]
