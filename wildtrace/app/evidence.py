"""The ``evidence verify`` use case: re-hash every blob, WARC file, capture record and
custody entry, and report each difference as a typed record.

The checks themselves are the preserve stage's (:func:`wildtrace.preserve.verify.verify`);
this is the report a face shows, and whether it passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any

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

    @property
    def ok(self) -> bool:
        """Whether nothing failed."""
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        """As ``evidence verify --json`` prints it."""
        return {"ok": self.ok, "checked": dict(self.checked),
                "problems": [{"kind": p.kind, "subject": p.subject, "detail": p.detail}
                             for p in self.problems], "head": self.head,
                **self.timestamps.as_dict()}


def verify_evidence(ws: Workspace) -> VerifyReport:
    """Verify all of the workspace's evidence."""
    report = verify(ws)
    return VerifyReport(checked={k: int(v) for k, v in report["checked"].items()},
                        problems=tuple(Problem(p["kind"], p["subject"], p["detail"])
                                       for p in report["problems"]),
                        head=str(report["head"]),
                        timestamps=report.get("timestamps") or TimestampReport())


def export_custody(ws: Workspace, out: IO[str]) -> tuple[int, str]:
    """Write the custody log of record (the database's, whichever machines wrote it) to
    ``out`` as JSONL, the mirror's format; returns the entries written and the head."""
    return export_jsonl(ws.store.evidence.iter_custody(), out)
