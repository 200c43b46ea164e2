"""Evaluation: ``wildtrace evaluate``, precision, recall and F1 of a model, of zero-shot,
of K-fold cross-validation on a labelled file, or of a model trained on another file
(cross-set), with per-language and per-kind breakdowns, plots and the worst errors.

Cross-validation is grouped by default: texts that are near-duplicates of each other
(MinHash clusters of character 5-grams, the link stage's signatures) always fall in the
same fold, because a dealer's reposted advert in both the training and the test folds
measures memory, not judgement. ``--group-by none`` gives plain stratified folds, and
``--group-by COLUMN`` groups by a column (a seller, a source). Cross-set evaluation
trains on one file and scores another; test rows that near-duplicate a training row are
left out (and counted), so the figure is about texts the model never saw.

Plots go to the workspace's ``evaluations/`` folder unless a prefix is given, named by
file, mode and time so successive evaluations sit side by side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from wildtrace.app.scoring import scorer_for
from wildtrace.assess import linear, modelfile
from wildtrace.assess.dataset import Table, read_table
from wildtrace.assess.evaluation import (
    Metrics,
    breakdown,
    cross_validate,
    metrics,
    metrics_per_row_threshold,
    save_plots,
    worst_errors,
)
from wildtrace.errors import ColumnError, InputError
from wildtrace.extract.language import detect_language
from wildtrace.link import minhash
from wildtrace.workspace import Workspace

NEAR_DUPLICATES = "near-duplicates"
NO_GROUPS = "none"
# Estimated Jaccard similarity of character 5-gram sets above which two texts are one
# advert: reposts with a changed price, phone number or emoji sit well above it, two
# different items from one shop's template mostly below.
DUPLICATE_SIMILARITY = 0.5
LANGUAGE = "language"


def near_duplicate_groups(texts: Sequence[str],
                          threshold: float = DUPLICATE_SIMILARITY) -> np.ndarray:
    """One cluster id per text: texts joined when MinHash (with LSH banding) estimates
    their similarity at ``threshold`` or more, or when they are equal once case and
    spacing are ignored; clusters are closed transitively (union-find)."""
    parent = np.arange(len(texts))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    def join(i: int, j: int) -> None:
        ri, rj = root(i), root(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)

    sig, ok = minhash.signatures(texts)
    for heads, members in minhash.candidate_pairs(sig, ok):
        close = minhash.similarity(sig[heads], sig[members]) >= threshold
        for i, j in zip(heads[close].tolist(), members[close].tolist(), strict=True):
            join(i, j)
    first: dict[str, int] = {}
    for i, text in enumerate(texts):  # short texts have no signature: exact repeats
        key = " ".join(text.lower().split())
        if key in first:
            join(i, first[key])
        else:
            first[key] = i
    return np.array([root(i) for i in range(len(texts))], dtype=np.int64)


def groups_for(table: Table, group_by: str) -> np.ndarray | None:
    """Group ids of ``table``'s rows for ``group_by`` (near-duplicates, none, a column)."""
    if group_by == NO_GROUPS:
        return None
    if group_by == NEAR_DUPLICATES:
        return near_duplicate_groups(table.texts)
    if group_by not in table.headers:
        raise ColumnError(f"no column {group_by!r} to group by (columns: "
                          f"{', '.join(table.headers[:30])})", file=str(table.path), row=1,
                          hint=f"use --group-by {NEAR_DUPLICATES}, {NO_GROUPS} or a column")
    # Rows with an empty group value are each a group of their own.
    values = [str(r.get(group_by) or "").strip() or f"\0row{i}"
              for i, r in enumerate(table.rows)]
    return np.unique(np.asarray(values, dtype=object), return_inverse=True)[1]


def breakdown_keys(table: Table, by: str) -> list[str]:
    """Per-row keys of a breakdown: a column's values, or for ``language`` (when the file
    has no such column) the language the extract stage detects in each text."""
    if by in table.headers:
        return [str(r.get(by) or "").strip() for r in table.rows]
    if by == LANGUAGE:
        return [detect_language(t) for t in table.texts]
    raise ColumnError(f"no column {by!r} to break the figures down by (columns: "
                      f"{', '.join(table.headers[:30])})", file=str(table.path), row=1,
                      hint="name a column, or 'language' for detected languages")


@dataclass(frozen=True)
class EvaluationJob:
    """A labelled file read, and how to evaluate on it: a model, zero-shot (no model),
    K-fold cross-validation (``folds``, grouped by ``group_by``), or a model trained on
    ``train_table`` (cross-set); ``by`` names the breakdowns wanted."""

    file: Path
    table: Table
    model_path: Path | None
    folds: int | None
    group_by: str = NEAR_DUPLICATES
    train_table: Table | None = None
    by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evaluation:
    """The metrics of one evaluation, what was evaluated, and what was drawn."""

    metrics: Metrics
    mode: str  # zeroshot, model, cv<K> or cross-set
    model: str
    plots: tuple[Path, ...]
    worst_errors: list[dict[str, Any]]
    unlabelled_rows: int
    grouping: str = ""  # how CV folds were grouped ("" when there was no CV)
    groups: int | None = None  # how many groups the folds were drawn from
    trained_on: str = ""  # cross-set: the training file
    left_out: int = 0  # cross-set: test rows that near-duplicate a training row
    breakdowns: dict[str, dict[str, Metrics]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON shape of ``evaluate --json``."""
        out = {**self.metrics.as_dict(), "mode": self.mode, "model": self.model,
               "plots": [str(x) for x in self.plots], "worst_errors": self.worst_errors,
               "unlabelled_rows": self.unlabelled_rows}
        if self.grouping:
            out.update(grouping=self.grouping, groups=self.groups)
        if self.trained_on:
            out.update(trained_on=self.trained_on, left_out_near_duplicates=self.left_out)
        if self.breakdowns:
            out["breakdowns"] = {by: {k: m.as_dict() for k, m in part.items()}
                                 for by, part in self.breakdowns.items()}
        return out


def prepare(file: Path, text_columns: tuple[str, ...], label_column: str, *,
            model_path: Path | None = None, folds: int | None = None,
            group_by: str = NEAR_DUPLICATES, train_on: Path | None = None,
            train_text_columns: tuple[str, ...] = (), train_label_column: str | None = None,
            by: tuple[str, ...] = ()) -> EvaluationJob:
    """Check the options and read the labelled rows of ``file`` (and of ``train_on``,
    whose columns default to the test file's)."""
    if folds is not None and model_path is not None:
        raise InputError("--cv trains its own models; leave out --model")
    if train_on is not None and (folds is not None or model_path is not None):
        raise InputError("--train-on trains its own model on that file; leave out --cv "
                         "and --model")
    if (train_text_columns or train_label_column) and train_on is None:
        raise InputError("--train-text-column/--train-label-column need --train-on FILE")
    table = read_table(file, text_columns, label_column)
    for name in by:  # a misspelt column fails now, not after the training
        if name not in table.headers and name != LANGUAGE:
            breakdown_keys(table, name)
    if folds is not None and group_by not in (NEAR_DUPLICATES, NO_GROUPS, *table.headers):
        groups_for(table, group_by)
    train = (read_table(train_on, train_text_columns or text_columns,
                        train_label_column or label_column)
             if train_on is not None else None)
    return EvaluationJob(file, table, model_path, folds, group_by, train, tuple(by))


def _cross_set(job: EvaluationJob, ws: Workspace
               ) -> tuple[np.ndarray, np.ndarray, float, str, np.ndarray, int]:
    """Train on the job's training file, score the test rows it has not seen."""
    assert job.train_table is not None
    train, test = job.train_table, job.table
    scorer = scorer_for(ws, None)
    y_train = np.asarray(train.labels, dtype=int)
    if len(y_train) == 0:
        raise InputError("no rows with a 0/1 label", file=str(train.path))
    # Near-duplicate clusters over both files: a test row in a cluster with a training
    # row was, in effect, seen in training.
    g = near_duplicate_groups([*train.texts, *test.texts])
    seen = set(g[:len(train.texts)].tolist())
    keep = np.array([x not in seen for x in g[len(train.texts):]], dtype=bool)
    if not keep.any():
        raise InputError("every test row near-duplicates a training row", file=str(test.path))
    a_train = scorer.analyse(train.texts)
    model, _ = linear.fit(a_train, y_train, scorer.zeroshot.logits,
                          use_embeddings=scorer.encoder is not None,
                          groups=g[:len(train.texts)])
    model.meta["data_sha256"] = modelfile.data_hash(a_train.texts, y_train.tolist())
    idx = np.flatnonzero(keep)
    a_test = scorer.analyse([test.texts[i] for i in idx])
    p = model.proba(a_test, scorer.zeroshot.logits)
    y = np.asarray(test.labels, dtype=int)[idx]
    return y, p, model.threshold, f"{model.version} trained on {train.path.name}", idx, \
        int((~keep).sum())


def evaluate(ws: Workspace, job: EvaluationJob, *, plots: Path | None = None,
             draw: bool = True, n_errors: int = 10) -> Evaluation:
    """Score the job's rows and compare with their labels; draw the PR and calibration
    plots at ``plots`` (a path prefix) unless ``draw`` is false."""
    table, file = job.table, job.file
    y = np.asarray(table.labels, dtype=int)
    if len(y) == 0:
        raise InputError("no rows with a 0/1 label", file=str(file))
    idx = np.arange(len(y))
    extra: dict[str, Any] = {}
    thr: np.ndarray | float
    if job.train_table is not None:
        y, p, thr, model_name, idx, left_out = _cross_set(job, ws)
        m = metrics(y, p, thr)
        mode = "cross-set"
        extra.update(trained_on=str(job.train_table.path), left_out=left_out)
    else:
        scorer = scorer_for(ws, job.model_path)
        analysis = scorer.analyse(table.texts)
        if job.folds is not None:
            g = groups_for(table, job.group_by)
            p, thr = cross_validate(analysis, y, scorer.zeroshot.logits, k=job.folds,
                                    use_embeddings=scorer.encoder is not None, groups=g)
            m = metrics_per_row_threshold(y, p, thr)
            mode = f"cv{job.folds}"
            model_name = f"wildtrace-linear (trained per fold, {job.folds} folds)"
            extra.update(grouping=job.group_by,
                         groups=int(len(np.unique(g))) if g is not None else len(y))
        else:
            p = scorer.proba(analysis)
            thr = scorer.threshold
            m = metrics(y, p, thr)
            mode, model_name = ("model" if job.model_path else "zeroshot"), scorer.version
    texts = [table.texts[i] for i in idx]
    parts = {}
    for name in job.by:
        keys = breakdown_keys(table, name)
        parts[name] = breakdown(y, p, thr, [keys[i] for i in idx])
    paths: list[Path] = []
    if draw:
        prefix = plots or (ws.root / "evaluations" /
                           f"{file.stem}-{mode}-{modelfile.now_iso().replace(':', '')}")
        paths = save_plots(y, p, m.threshold, prefix, f"{file.name} ({mode})")
    errors = worst_errors(texts, y, p, n_errors)
    for e in errors:  # rows of the file, not of the kept subset
        e["row"] = int(idx[e["row"]])
    return Evaluation(metrics=m, mode=mode, model=model_name, plots=tuple(paths),
                      worst_errors=errors, unlabelled_rows=table.unlabelled,
                      breakdowns=parts, **extra)
