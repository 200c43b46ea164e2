"""The trained relevance model: a calibrated linear model over stacked evidence.

Features, in blocks: hashed word and character n-grams, identify's evidence, the
zero-shot model's logit (a prior that already generalises), and sentence embeddings when
they are on. A logistic regression (class-balanced) learns the weights, with its
regularisation and block weights chosen among :data:`CANDIDATES` by out-of-fold average
precision on the training data (internal folds that keep near-duplicates together when
the caller passes groups); Platt scaling
fitted on out-of-fold decision values makes its scores calibrated probabilities, and the
decision threshold is the one that maximised out-of-fold F1.

A model is weights only: the hashing featuriser is stateless, so no training text is
stored in a model file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from wildtrace.assess.batch import Analysis
from wildtrace.assess.evidence import FEATURES, evidence_matrix
from wildtrace.assess.textfeatures import Featuriser, TextFeaturiser
from wildtrace.errors import InputError, ModelError

KIND = "wildtrace-linear"
FORMAT = 1
# Block weights: dense blocks are scaled so that their norm is comparable to the
# L2-normalised n-gram blocks and the single regularisation strength suits them all.
# Candidate settings (C, evidence scale, prior scale, embedding scale); ``fit`` keeps the
# one with the best out-of-fold average precision on the training data itself.
CANDIDATES: tuple[tuple[float, float, float, float], ...] = (
    (4.0, 0.5, 0.5, 1.0),
    (16.0, 1.0, 0.5, 2.0),
)
CALIBRATION_FOLDS = 5

Prior = Callable[[Analysis], np.ndarray]


def design(analysis: Analysis, featuriser: Featuriser, prior: Prior,
           use_embeddings: bool, scales: tuple[float, float, float] = (0.5, 0.5, 1.0),
           text_block: sp.csr_matrix | None = None) -> sp.csr_matrix:
    """The stacked feature matrix of a batch; ``scales`` weight the evidence, prior and
    embedding blocks against the L2-normalised n-gram blocks."""
    ev_scale, prior_scale, emb_scale = scales
    blocks: list[Any] = [text_block if text_block is not None
                         else featuriser.transform(analysis.texts)]
    blocks.append(sp.csr_matrix(evidence_matrix(analysis.idents) * ev_scale))
    blocks.append(sp.csr_matrix((np.clip(prior(analysis), -8, 8) / 4.0 * prior_scale)
                                .reshape(-1, 1).astype(np.float32)))
    if use_embeddings:
        if analysis.embeddings is None:
            raise ModelError("this model was trained with sentence embeddings, but they are "
                             "off or not installed",
                             hint="pip install 'wildtrace[embed]' and set embeddings = true, "
                                  "or retrain with WILDTRACE_EMBEDDINGS=off")
        blocks.append(sp.csr_matrix(analysis.embeddings * emb_scale))
    return sp.hstack(blocks, format="csr", dtype=np.float32)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -40, 40))), dtype=np.float64)


def best_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The probability threshold with the highest F1 on (y, p), kept within [0.1, 0.9]."""
    order = np.argsort(-p)
    ys, ps = y[order], p[order]
    tp = np.cumsum(ys)
    k = np.arange(1, len(ys) + 1)
    pos = max(int(ys.sum()), 1)
    f1 = 2 * tp / (k + pos)
    # Only cut where the score changes, so a threshold separates distinct values.
    valid = np.r_[ps[:-1] > ps[1:], True]
    f1 = np.where(valid, f1, -1)
    i = int(np.argmax(f1))
    nxt = ps[i + 1] if i + 1 < len(ps) else 0.0
    return float(np.clip((ps[i] + nxt) / 2, 0.1, 0.9))


@dataclass
class LinearModel:
    """Weights, calibration and provenance of one trained relevance model."""

    coef: np.ndarray  # dense float32 over all columns
    intercept: float
    platt_a: float
    platt_b: float
    threshold: float
    use_embeddings: bool
    scales: tuple[float, float, float] = (0.5, 0.5, 1.0)
    meta: dict[str, Any] = field(default_factory=dict)
    featuriser: Featuriser = field(default_factory=TextFeaturiser)

    @property
    def version(self) -> str:
        """Model name plus the training-data hash (and +emb when it uses embeddings)."""
        data = str(self.meta.get("data_sha256", ""))[:12]
        return f"{KIND}-{FORMAT}+{data}" + ("+emb" if self.use_embeddings else "")

    def decision(self, analysis: Analysis, prior: Prior) -> np.ndarray:
        """Raw linear decision values."""
        x = design(analysis, self.featuriser, prior, self.use_embeddings, self.scales)
        if x.shape[1] != self.coef.shape[0]:
            raise ModelError(f"model expects {self.coef.shape[0]} features, the data gives "
                             f"{x.shape[1]}", hint="retrain the model with this version")
        return np.asarray(x @ self.coef, dtype=np.float64) + self.intercept

    def proba(self, analysis: Analysis, prior: Prior) -> np.ndarray:
        """Calibrated probabilities of relevance."""
        return _sigmoid(self.platt_a * self.decision(analysis, prior) + self.platt_b)


def _fit_lr(x: sp.csr_matrix, y: np.ndarray, c: float) -> tuple[np.ndarray, float]:
    """Weights over all columns and the intercept of a class-balanced logistic fit."""
    # Fit on the columns the rows use: liblinear's cost grows with the hashed width,
    # and an unused column's weight is zero under L2 regularisation anyway.
    used = np.unique(x.indices)
    lr = LogisticRegression(C=c, class_weight="balanced", solver="liblinear", max_iter=200)
    lr.fit(x[:, used], y)
    coef = np.zeros(x.shape[1], dtype=np.float32)
    coef[used] = lr.coef_[0]
    return coef, float(lr.intercept_[0])


def _platt(d: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    # A 1-D logistic fit of labels on decision values; weakly regularised.
    lr = LogisticRegression(C=100.0, solver="lbfgs", max_iter=1000)
    lr.fit(d.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def check_labels(y: Sequence[int] | np.ndarray) -> np.ndarray:
    """Labels as an int array; raises when one class is missing or too rare."""
    arr = np.asarray(y, dtype=np.int64)
    pos, neg = int(arr.sum()), int(len(arr) - arr.sum())
    if min(pos, neg) < 2:
        raise InputError(f"training needs at least 2 relevant and 2 irrelevant examples; "
                         f"got {pos} relevant and {neg} irrelevant",
                         hint="label more listings (wildtrace review-order suggests which)")
    return arr


def inner_splits(labels: np.ndarray, groups: np.ndarray | None, seed: int,
                 folds: int = CALIBRATION_FOLDS) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds of the training rows; with ``groups`` (near-duplicate clusters)
    a group never straddles two folds, so a reposted advert cannot make the out-of-fold
    scores, and the settings and threshold chosen on them, look better than they are."""
    k = max(min(folds, int(labels.sum()), int(len(labels) - labels.sum())), 2)
    if groups is not None and len(np.unique(groups)) >= k:
        return list(StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
                    .split(np.zeros(len(labels)), labels, groups))
    return list(StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
                .split(np.zeros(len(labels)), labels))


def fit(analysis: Analysis, y: Sequence[int] | np.ndarray, prior: Prior, *,
        use_embeddings: bool, seed: int = 0, groups: Sequence[int] | np.ndarray | None = None
        ) -> tuple[LinearModel, np.ndarray]:
    """Fit a calibrated model; also returns its out-of-fold calibrated probabilities.

    ``groups`` (one id per row, e.g. near-duplicate clusters) keeps each group within one
    of the internal folds that choose the settings, the calibration and the threshold.
    """
    labels = check_labels(y)
    featuriser = TextFeaturiser()
    text_block = featuriser.transform(analysis.texts)
    splits = inner_splits(labels, None if groups is None else np.asarray(groups), seed)
    best: tuple[float, float, tuple[float, float, float], sp.csr_matrix, np.ndarray] | None
    best = None
    for c, ev_scale, prior_scale, emb_scale in CANDIDATES:
        scales = (ev_scale, prior_scale, emb_scale)
        x = design(analysis, featuriser, prior, use_embeddings, scales, text_block)
        oof = np.zeros(len(labels))
        for tr, te in splits:
            w, b0 = _fit_lr(x[tr], labels[tr], c)
            oof[te] = np.asarray(x[te] @ w, dtype=np.float64) + b0
        ap = float(average_precision_score(labels, oof))
        if best is None or ap > best[0]:
            best = (ap, c, scales, x, oof)
    assert best is not None
    ap, c, scales, x, oof = best
    a, b = _platt(oof, labels)
    oof_p = _sigmoid(a * oof + b)
    coef, intercept = _fit_lr(x, labels, c)
    model = LinearModel(coef=coef, intercept=intercept, platt_a=a, platt_b=b,
                        threshold=best_threshold(labels, oof_p),
                        use_embeddings=use_embeddings, scales=scales, featuriser=featuriser,
                        meta={"evidence_features": list(FEATURES), "C": c,
                              "oof_average_precision": round(ap, 4)})
    return model, oof_p
