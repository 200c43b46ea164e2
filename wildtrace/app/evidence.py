"""The ``evidence verify`` use case: re-hash every blob, WARC file, capture record and
custody entry, and report each difference as a typed record.

The checks themselves are the preserve stage's (:func:`wildtrace.preserve.verify.verify`);
this is the report a face shows, and whether it passes. The audit log's hash chain is
checked with it (:func:`wildtrace.app.audit.verify_audit`): a broken audit chain fails
``evidence verify`` too, naming the first broken entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any

from wildtrace.app.audit import AuditReport, verify_audit
from wildtrace.preserve.custody import export_jsonl
from wildtrace.preserve.timestamp import TimestampReport
from wildtrace.preserve.verify import verify
from wildtrace.workspace import Workspace


@dataclass(frozen=True)
class Problem:
    """One difference found: what kind of evidence, which one, and what is wrong."""

    kind: str  # blob, artefact, capture, warc, custody
    subject: str
    detail: str


@dataclass(frozen=True)
class VerifyReport:
    """The verification: what was checked (counts by kind), every problem, and the
    custody log's head hash (to publish or hand over, so later edits show)."""

    checked: dict[str, int]
    problems: tuple[Problem, ...]
    head: str
    # Every trusted timestamp token and the latest trusted time covering the chain.
    timestamps: TimestampReport = TimestampReport()
    # The audit log's hash chain (who viewed or exported sellers' data); None when not
    # checked.
    audit: AuditReport | None = None

    @property
    def ok(self) -> bool:
        """Whether nothing failed: no evidence problem and an unbroken audit chain."""
        return not self.problems and (self.audit is None or self.audit.ok)

    def as_dict(self) -> dict[str, Any]:
        """As ``evidence verify --json`` prints it."""
        return {"ok": self.ok, "checked": dict(self.checked),
                "problems": [{"kind": p.kind, "subject": p.subject, "detail": p.detail}
                             for p in self.problems], "head": self.head,
                **self.timestamps.as_dict(),
                "audit": self.audit.as_dict() if self.audit is not None else None}


def verify_evidence(ws: Workspace) -> VerifyReport:
    """Verify all of the workspace's evidence and its audit chain."""
    report = verify(ws)
    return VerifyReport(checked={k: int(v) for k, v in report["checked"].items()},
                        problems=tuple(Problem(p["kind"], p["subject"], p["detail"])
                                       for p in report["problems"]),
                        head=str(report["head"]),
                        timestamps=report.get("timestamps") or TimestampReport(),
                        audit=verify_audit(ws))


def export_custody(ws: Workspace, out: IO[str]) -> tuple[int, str]:
    """Write the custody log of record (the database's, whichever machines wrote it) to
    ``out`` as JSONL, the mirror's format; returns the entries written and the head."""
    return export_jsonl(ws.store.evidence.iter_custody(), out)
