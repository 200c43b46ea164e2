"""Scoring: ``wildtrace score`` (a CSV/JSONL file in, every row scored out) and
``wildtrace review-order`` (which stored listings an analyst should label next).

Both use the workspace's scorer: its settings, its user lexicon, and a trained model
when one is given (zero-shot otherwise).

The ``score`` CSV keeps every input column and row (the command-line contract), but it
is a file people open in spreadsheets and its text was written by sellers, so every cell
goes through the formula-safe writer (:mod:`wildtrace.act.exports.safecsv`): a text cell
starting with ``=``, ``+``, ``-``, ``@``, tab or CR gains a leading ``'``; numbers,
plain numerals and empty cells are written as they came.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wildtrace.act.exports.safecsv import SafeDictWriter
from wildtrace.assess import Scorer, load_scorer
from wildtrace.assess.dataset import Table, read_table
from wildtrace.assess.modelfile import latest_model
from wildtrace.assess.review import Suggestion, order
from wildtrace.errors import InputError
from wildtrace.identify import identifier_for
from wildtrace.records import RowError
from wildtrace.workspace import Workspace

CONTRACT_COLUMNS = ("wt_relevant", "wt_score", "wt_taxa", "wt_cites", "wt_flags", "wt_risk")
CHUNK = 2000  # rows scored at once: bounded memory, and a progress step


def scorer_for(ws: Workspace, model_path: Path | None) -> Scorer:
    """The scorer for this workspace: its settings and its user lexicon, if any; the
    model at ``model_path``, else zero-shot."""
    return load_scorer(ws.settings, model_path, identifier=identifier_for(ws),
                       cache_dir=ws.root / "cache")


@dataclass(frozen=True)
class ScoreJob:
    """A file read and a scorer loaded, ready to score (:func:`write_scores`)."""

    table: Table
    scorer: Scorer

    @property
    def rows(self) -> int:
        """How many rows will be scored."""
        return len(self.table.texts)


@dataclass(frozen=True)
class ScoreSummary:
    """What ``score`` did; ``errors`` are the input rows it could not read."""

    rows: int
    relevant: int
    errors: tuple[RowError, ...]
    model_version: str
    output: Path

    def as_dict(self) -> dict[str, Any]:
        """JSON shape of ``score --json``."""
        return {"rows": self.rows, "relevant": self.relevant, "errors": len(self.errors),
                "model_version": self.model_version, "output": str(self.output)}


def open_job(ws: Workspace, file: Path, text_columns: tuple[str, ...],
             model_path: Path | None) -> ScoreJob:
    """Read ``file`` (its ``text_columns`` joined) and load the scorer."""
    table = read_table(file, text_columns)
    return ScoreJob(table, scorer_for(ws, model_path))


def _cell(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value


def write_scores(job: ScoreJob, output: Path,
                 progress: Callable[[int], None] | None = None) -> ScoreSummary:
    """Write every input column plus the contract's ``wt_*`` columns to ``output`` (CSV,
    atomically: a half-written file is never left under that name)."""
    table, scorer = job.table, job.scorer
    headers = list(table.headers) + [c for c in CONTRACT_COLUMNS if c not in table.headers]
    tmp = output.with_name(output.name + ".part")
    relevant = 0
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            writer = SafeDictWriter(fh, headers, extrasaction="ignore")
            writer.writeheader()
            for i in range(0, len(table.texts), CHUNK):
                results = scorer.assess(table.texts[i:i + CHUNK])
                for fields, a in zip(table.rows[i:i + CHUNK], results, strict=True):
                    relevant += a.relevant
                    writer.writerow({**{h: _cell(fields.get(h)) for h in table.headers},
                                     "wt_relevant": int(a.relevant),
                                     "wt_score": f"{a.score:.4f}", "wt_taxa": ";".join(a.taxa),
                                     "wt_cites": a.cites, "wt_flags": ";".join(a.flags),
                                     "wt_risk": f"{a.risk:.4f}"})
                if progress:
                    progress(len(results))
        tmp.replace(output)
    except OSError as exc:
        raise InputError(f"cannot write {output}: {exc.strerror}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return ScoreSummary(rows=len(table.rows), relevant=relevant, errors=tuple(table.errors),
                        model_version=scorer.version, output=output)


def review_order(ws: Workspace, limit: int, model_path: Path | None = None
                 ) -> list[Suggestion]:
    """The ``limit`` unlabelled listings whose labels would teach the model most, best
    first, ranked with ``model_path`` (default: the newest model in the workspace, else
    zero-shot)."""
    scorer = scorer_for(ws, model_path or latest_model(ws.models_dir))
    labelled = {x.id for x, _ in ws.store.labelled()}
    listings = [x for x in ws.store.iter_listings() if x.id not in labelled]
    assessed = scorer.assess_listings(listings)
    return order([x.id for x in listings], [x.text for x in listings],
                 [a.score for a in assessed], [a.risk for a in assessed],
                 scorer.threshold, limit)
