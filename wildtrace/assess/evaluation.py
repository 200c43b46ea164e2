"""Evaluation: precision/recall/F1, k-fold cross-validation, plots and the worst errors.

Cross-validation re-uses one :class:`Analysis` of the whole file (identify and embeddings
run once) and refits the full trained model, calibration included, inside each fold, so
the out-of-fold scores are what a model trained on the other folds would have said.

Given groups (near-duplicate clusters, sellers), a group stays inside one fold, both in
the outer folds that are scored and in the inner folds each fold's model uses to choose
its settings and threshold: the same advert reposted cannot be learnt in one fold and
"recognised" in another, which is how plain k-fold overstates what a user will get. The
threshold each row is judged at comes from its fold's training rows only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from wildtrace.assess import linear
from wildtrace.assess.batch import Analysis
from wildtrace.errors import InputError


@dataclass
class Metrics:
    """Confusion counts and the scores derived from them."""

    n: int
    tp: int
    fp: int
    fn: int
    tn: int
    threshold: float
    average_precision: float | None
    roc_auc: float | None
    brier: float

    @property
    def precision(self) -> float:
        """TP / (TP + FP); 0 when nothing was predicted relevant."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """TP / (TP + FN); 0 when there are no relevant rows."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp else 0.0

    def as_dict(self) -> dict[str, Any]:
        """The ``evaluate --json`` shape (rounded)."""
        return {"n": self.n, "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "f1": round(self.f1, 4),
                "tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn,
                "threshold": round(self.threshold, 4),
                "average_precision": _r(self.average_precision), "roc_auc": _r(self.roc_auc),
                "brier": round(self.brier, 4)}


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def metrics(y: Sequence[int] | np.ndarray, p: Sequence[float] | np.ndarray,
            threshold: float) -> Metrics:
    """Metrics of probabilities ``p`` against labels ``y`` at ``threshold``."""
    ya, pa = np.asarray(y, dtype=int), np.asarray(p, dtype=float)
    pred = pa >= threshold
    both = 0 < ya.sum() < len(ya)
    return Metrics(
        n=len(ya), tp=int((pred & (ya == 1)).sum()), fp=int((pred & (ya == 0)).sum()),
        fn=int((~pred & (ya == 1)).sum()), tn=int((~pred & (ya == 0)).sum()),
        threshold=threshold,
        average_precision=float(average_precision_score(ya, pa)) if both else None,
        roc_auc=float(roc_auc_score(ya, pa)) if both else None,
        brier=float(np.mean((pa - ya) ** 2)) if len(ya) else 0.0)


def folds(labels: np.ndarray, k: int, *, groups: np.ndarray | None = None, seed: int = 0
          ) -> list[tuple[np.ndarray, np.ndarray]]:
    """K stratified (train, test) index pairs; with ``groups``, no group is split."""
    if k < 2:
        raise InputError("--cv needs K >= 2 folds")
    k = min(k, int(labels.sum()), int(len(labels) - labels.sum()))
    if groups is not None:
        k = min(k, len(np.unique(groups)))
    if k < 2:
        raise InputError("too few examples of one class for cross-validation")
    if groups is not None:
        return list(StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
                    .split(np.zeros(len(labels)), labels, groups))
    return list(StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
                .split(np.zeros(len(labels)), labels))


def cross_validate(analysis: Analysis, y: Sequence[int] | np.ndarray, prior: linear.Prior,
                   *, k: int, use_embeddings: bool, seed: int = 0,
                   groups: Sequence[int] | np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold probabilities and the threshold each row was judged with (chosen by
    its fold's model on that fold's training rows alone)."""
    labels = linear.check_labels(y)
    g = None if groups is None else np.asarray(groups)
    if g is not None and len(g) != len(labels):
        raise InputError(f"{len(g)} group ids for {len(labels)} rows")
    p = np.zeros(len(labels))
    thr = np.zeros(len(labels))
    for tr, te in folds(labels, k, groups=g, seed=seed):
        if min(int(labels[tr].sum()), int(len(tr) - labels[tr].sum())) < 2:
            raise InputError("a fold's training rows lack one class; use fewer folds")
        model, _ = linear.fit(analysis.subset(tr), labels[tr], prior,
                              use_embeddings=use_embeddings, seed=seed,
                              groups=None if g is None else g[tr])
        p[te] = model.proba(analysis.subset(te), prior)
        thr[te] = model.threshold
    return p, thr


def breakdown(y: Sequence[int] | np.ndarray, p: Sequence[float] | np.ndarray,
              thr: Sequence[float] | np.ndarray | float, keys: Sequence[str]
              ) -> dict[str, Metrics]:
    """Metrics per value of ``keys`` (a language, a kind of listing), largest first.

    ``thr`` is one threshold or one per row (cross-validation's); a key with rows of only
    one class still gets its counts (its average precision and ROC AUC are None).
    """
    ya, pa = np.asarray(y, dtype=int), np.asarray(p, dtype=float)
    ta = np.broadcast_to(np.asarray(thr, dtype=float), pa.shape)
    if len(keys) != len(ya):
        raise InputError(f"{len(keys)} breakdown keys for {len(ya)} rows")
    karr = np.asarray([str(k) if k else "(none)" for k in keys], dtype=object)
    out: dict[str, Metrics] = {}
    values, counts = np.unique(karr, return_counts=True)
    for value in values[np.argsort(-counts, kind="stable")]:
        sel = karr == value
        out[str(value)] = metrics_per_row_threshold(ya[sel], pa[sel], ta[sel])
    return out


def metrics_per_row_threshold(y: np.ndarray, p: np.ndarray, thr: np.ndarray) -> Metrics:
    """Metrics where each row has its own (its fold's) threshold."""
    # Shifting each probability by its threshold turns the per-row cut into one at 0.5.
    shifted = np.clip(p - thr + 0.5, 0.0, 1.0)
    m = metrics(y, shifted, 0.5)
    m.average_precision = metrics(y, p, 0.5).average_precision
    m.roc_auc = metrics(y, p, 0.5).roc_auc
    m.brier = float(np.mean((p - y) ** 2))
    m.threshold = float(np.mean(thr))
    return m


def worst_errors(texts: Sequence[str], y: Sequence[int] | np.ndarray,
                 p: Sequence[float] | np.ndarray,
                 limit: int = 10) -> list[dict[str, Any]]:
    """The most confident mistakes: relevant rows scored lowest, irrelevant highest."""
    ya, pa = np.asarray(y, dtype=int), np.asarray(p, dtype=float)
    err = np.abs(pa - ya)
    order = np.argsort(-err, kind="stable")[:limit]
    return [{"row": int(i), "label": int(ya[i]), "score": round(float(pa[i]), 4),
             "text": texts[i][:200]} for i in order if err[i] >= 0.5]


def calibration_table(y: np.ndarray, p: np.ndarray, bins: int = 10
                      ) -> list[tuple[float, float, int]]:
    """(mean predicted, observed rate, count) per probability bin with rows in it."""
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(p, edges) - 1, 0, bins - 1)
    out = []
    for b in range(bins):
        sel = idx == b
        if sel.any():
            out.append((float(p[sel].mean()), float(y[sel].mean()), int(sel.sum())))
    return out


def save_plots(y: np.ndarray, p: np.ndarray, threshold: float, prefix: Path,
               title: str) -> list[Path]:
    """Write ``<prefix>-pr.png`` and ``<prefix>-calibration.png``; returns the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import precision_recall_curve

    prefix.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    fig, ax = plt.subplots(figsize=(5, 4), dpi=100)
    if 0 < y.sum() < len(y):
        prec, rec, thr = precision_recall_curve(y, p)
        ax.plot(rec, prec, lw=2)
        m = metrics(y, p, threshold)
        ax.scatter([m.recall], [m.precision], color="red", zorder=3,
                   label=f"threshold {threshold:.2f}: F1 {m.f1:.3f}")
        ax.legend(loc="lower left")
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1.01), ylim=(0, 1.01),
           title=f"Precision-recall: {title}"[:60])
    ax.grid(alpha=0.3)
    paths.append(prefix.with_name(prefix.name + "-pr.png"))
    fig.tight_layout()
    fig.savefig(paths[-1])
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5, 4), dpi=100)
    table = calibration_table(y, p)
    ax.plot([0, 1], [0, 1], ls="--", color="grey", label="perfect")
    if table:
        xs, ys, ns = zip(*table, strict=True)
        ax.plot(xs, ys, marker="o", label="model")
        for x_, y_, n_ in table:
            ax.annotate(str(n_), (x_, y_), fontsize=7, xytext=(3, 3),
                        textcoords="offset points")
    ax.set(xlabel="predicted probability", ylabel="observed share relevant",
           xlim=(0, 1), ylim=(0, 1.02), title=f"Calibration: {title}"[:60])
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    paths.append(prefix.with_name(prefix.name + "-calibration.png"))
    fig.tight_layout()
    fig.savefig(paths[-1])
    plt.close(fig)
    return paths

