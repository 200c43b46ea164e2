"""The runner above the stages: ``wildtrace process`` on what is new.

Stages never call each other; this module hands each stage's records to the next:
stored listings → identify + assess (one scorer does both) → link. Results are written
as a new run, so re-running with a better model adds a version instead of overwriting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wildtrace.records import Assessment, Listing
from wildtrace.workspace import Workspace

BATCH = 1000


@dataclass
class ProcessResult:
    """What one ``process`` run did."""

    assessed: int = 0
    relevant: int = 0
    model_version: str = ""
    link: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON shape of ``process --json``."""
        return {"assessed": self.assessed, "relevant": self.relevant,
                "model_version": self.model_version, "link": self.link}


def _text_of(listing: Listing, limit: int) -> str:
    # Matching and scoring read a bounded prefix: a 10 MB listing must not stall a run.
    return listing.text[:limit]


def process(ws: Workspace, *, model_path: Path | None = None,
            progress: Callable[[int], None] | None = None) -> ProcessResult:
    """Assess every listing the current model version has not seen, then link sellers."""
    from wildtrace.assess import load_scorer

    scorer = load_scorer(ws.settings, model_path)
    result = ProcessResult(model_version=scorer.version)
    run_id = ws.store.start_run("process", scorer.version)
    limit = int(ws.settings.max_text_chars)
    batch: list[Listing] = []

    def flush() -> None:
        assessments: list[Assessment] = scorer.assess([_text_of(x, limit) for x in batch])
        ws.store.save_assessments(run_id, [(x.id, a) for x, a in zip(batch, assessments,
                                                                       strict=True)])
        result.assessed += len(batch)
        result.relevant += sum(1 for a in assessments if a.relevant)
        if progress:
            progress(len(batch))
        batch.clear()

    for listing in ws.store.iter_listings(unassessed_by=scorer.version):
        batch.append(listing)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    result.link = _link(ws)
    ws.store.finish_run(run_id, result.as_dict())
    return result


def _link(ws: Workspace) -> dict[str, Any]:
    try:
        from wildtrace.link import resolve_sellers
    except ImportError:
        return {}
    summary: dict[str, Any] = resolve_sellers(ws.store)
    return summary
