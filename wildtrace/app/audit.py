"""The audit log as the use cases write and check it.

Every view or export of sellers' personal data, one listing or a thousand, from the web
or the command line, is one entry: who (the web user, or on the command line the
``operator`` setting, else the login name), what (the action, the kind of thing and
the ids it showed) and when. :func:`verify_audit` recomputes the log's hash chain
(``wildtrace audit verify``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from wildtrace.link.network import AccountNetwork
from wildtrace.preserve.custody import operator_name
from wildtrace.store.audit import ChainBreak
from wildtrace.workspace import Workspace

MAX_IDS = 1000  # ids kept in one entry; a bigger read keeps its count and range


def cli_user(ws: Workspace) -> str:
    """Who is at the command line: the ``operator`` setting, else the login name."""
    return operator_name(ws.settings.operator)


def record_read(ws: Workspace, user: str, what: str, ids: Iterable[object],
                **detail: Any) -> None:
    """Write that ``user`` was shown the listings (or sellers) ``ids`` of ``what``
    (``listings``, ``queue``, ``network``…), with the query that found them."""
    shown = [str(i) for i in ids]
    extra: dict[str, Any] = {k: v for k, v in detail.items() if v not in ("", None)}
    extra["count"] = len(shown)
    extra["ids"] = shown[:MAX_IDS]
    if len(shown) > MAX_IDS:
        extra["ids_truncated"] = True
    ws.store.audit.record(user, "view", what, "bulk" if len(shown) != 1 else shown[0],
                          extra)


def record_network(ws: Workspace, user: str, network: AccountNetwork, via: str) -> None:
    """Write that ``user`` was shown the seller network (its accounts) of a link run."""
    record_read(ws, user, "network", (n.id for n in network.nodes), run=network.run_id,
                via=via)


@dataclass(frozen=True, slots=True)
class AuditReport:
    """The audit chain's check: entries checked, every break (the first is where
    tampering began) and the head hash to publish or hand over."""

    checked: int
    breaks: tuple[ChainBreak, ...]
    head: str

    @property
    def ok(self) -> bool:
        """Whether the chain is whole."""
        return not self.breaks

    def as_dict(self) -> dict[str, Any]:
        """As ``wildtrace audit verify --json`` prints it."""
        return {"ok": self.ok, "checked": self.checked, "head": self.head,
                "first_broken": self.breaks[0].entry_id if self.breaks else None,
                "problems": [{"entry": b.entry_id, "detail": b.reason}
                             for b in self.breaks]}


def verify_audit(ws: Workspace) -> AuditReport:
    """Recompute the audit log's hash chain and name each entry where it breaks."""
    check = ws.store.audit.verify()
    return AuditReport(checked=check.checked, breaks=check.breaks, head=check.head)
