"""Evaluation: ``wildtrace evaluate``, precision, recall and F1 of a model, of zero-shot,
or of K-fold cross-validation on a labelled file, with plots and the worst errors.

Plots go to the workspace's ``evaluations/`` folder unless a prefix is given, named by
file, mode and time so successive evaluations sit side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from wildtrace.app.scoring import scorer_for
from wildtrace.assess import modelfile
from wildtrace.assess.dataset import Table, read_table
from wildtrace.assess.evaluation import (
    Metrics,
    cross_validate,
    metrics,
    metrics_per_row_threshold,
    save_plots,
    worst_errors,
)
from wildtrace.errors import InputError
from wildtrace.workspace import Workspace


@dataclass(frozen=True)
class EvaluationJob:
    """A labelled file read, and how to evaluate on it: a model, zero-shot (no model),
    or K-fold cross-validation (``folds``)."""

    file: Path
    table: Table
    model_path: Path | None
    folds: int | None


@dataclass(frozen=True)
class Evaluation:
    """The metrics of one evaluation, what was evaluated, and what was drawn."""

    metrics: Metrics
    mode: str  # zeroshot, model, or cv<K>
    model: str
    plots: tuple[Path, ...]
    worst_errors: list[dict[str, Any]]
    unlabelled_rows: int

    def as_dict(self) -> dict[str, Any]:
        """JSON shape of ``evaluate --json``."""
        return {**self.metrics.as_dict(), "mode": self.mode, "model": self.model,
                "plots": [str(x) for x in self.plots], "worst_errors": self.worst_errors,
                "unlabelled_rows": self.unlabelled_rows}


def prepare(file: Path, text_columns: tuple[str, ...], label_column: str, *,
            model_path: Path | None = None, folds: int | None = None) -> EvaluationJob:
    """Check the options and read the labelled rows of ``file``."""
    if folds is not None and model_path is not None:
        raise InputError("--cv trains its own models; leave out --model")
    return EvaluationJob(file, read_table(file, text_columns, label_column), model_path,
                         folds)


def evaluate(ws: Workspace, job: EvaluationJob, *, plots: Path | None = None,
             draw: bool = True, n_errors: int = 10) -> Evaluation:
    """Score the plan's rows and compare with their labels; draw the PR and calibration
    plots at ``plots`` (a path prefix) unless ``draw`` is false."""
    table, file = job.table, job.file
    y = np.asarray(table.labels, dtype=int)
    if len(y) == 0:
        raise InputError("no rows with a 0/1 label", file=str(file))
    scorer = scorer_for(ws, job.model_path)
    analysis = scorer.analyse(table.texts)
    if job.folds is not None:
        p, thr = cross_validate(analysis, y, scorer.zeroshot.logits, k=job.folds,
                                use_embeddings=scorer.encoder is not None)
        m = metrics_per_row_threshold(y, p, thr)
        mode = f"cv{job.folds}"
        model_name = f"wildtrace-linear (trained per fold, {job.folds} folds)"
    else:
        p = scorer.proba(analysis)
        m = metrics(y, p, scorer.threshold)
        mode, model_name = ("model" if job.model_path else "zeroshot"), scorer.version
    paths: list[Path] = []
    if draw:
        prefix = plots or (ws.root / "evaluations" /
                           f"{file.stem}-{mode}-{modelfile.now_iso().replace(':', '')}")
        paths = save_plots(y, p, m.threshold, prefix, f"{file.name} ({mode})")
    return Evaluation(metrics=m, mode=mode, model=model_name, plots=tuple(paths),
                      worst_errors=worst_errors(table.texts, y, p, n_errors),
                      unlabelled_rows=table.unlabelled)
