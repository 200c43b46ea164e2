"""Change points in counts over time: when did the trade on a platform shift?

After a crackdown listings fall on one platform and may rise on another (displacement),
or fall and then come back (rebound). Both show as changes in the mean rate of a count
series. :func:`pelt` finds the optimal segmentation under a Poisson likelihood with a
penalty per change (Killick, Fearnhead and Eckley 2012, PELT), exact and near-linear;
:func:`binary_segmentation` is the simple greedy alternative, kept as a baseline.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Segment:
    """A stretch of the series with one mean rate."""

    start: int  # index of the first period
    end: int  # index one past the last period
    mean: float


def _cost_fn(x: np.ndarray):  # type: ignore[no-untyped-def]
    cum = np.concatenate([[0.0], np.cumsum(x, dtype=float)])

    def cost(s: int, e: int) -> float:
        # −2 × maximised Poisson log-likelihood of x[s:e] with one rate (x-only terms
        # dropped, as they do not depend on the segmentation).
        total = cum[e] - cum[s]
        n = e - s
        return 0.0 if total <= 0 else -2.0 * total * (math.log(total / n) - 1.0)
    return cost


def dispersion(x: np.ndarray) -> float:
    """How much more variable than Poisson the counts are (≥ 1), estimated robustly from
    successive differences so that real level shifts barely inflate it."""
    if len(x) < 3 or float(np.mean(x)) <= 0:
        return 1.0
    d = np.abs(np.diff(x))
    sd = float(np.median(d)) / 0.6745 / math.sqrt(2)
    return max(1.0, sd * sd / float(np.mean(x)))


def default_penalty(x: np.ndarray) -> float:
    """A BIC-style penalty, ``3 log n``, scaled by the over-dispersion of the counts:
    weekly listing counts vary far more than Poisson, and an unscaled penalty would cut
    the series at every busy week."""
    return 3.0 * math.log(max(len(x), 2)) * dispersion(np.asarray(x, dtype=float))


def _costs(cum: np.ndarray, starts: np.ndarray, t: int) -> np.ndarray:
    total = cum[t] - cum[starts]
    n = (t - starts).astype(float)
    safe = np.where(total > 0, total, 1.0)
    return np.where(total > 0, -2.0 * total * (np.log(safe / n) - 1.0), 0.0)


def pelt(x: Sequence[float] | np.ndarray, penalty: float | None = None,
         min_size: int = 2) -> list[int]:
    """Indices where a new segment starts (the change points), by PELT."""
    arr = np.asarray(x, dtype=float)
    n = len(arr)
    if n < 2 * min_size:
        return []
    beta = default_penalty(arr) if penalty is None else penalty
    cum = np.concatenate([[0.0], np.cumsum(arr)])
    best = np.full(n + 1, np.inf)
    best[0] = -beta
    last = np.zeros(n + 1, dtype=int)
    cand = np.array([0], dtype=int)
    for t in range(min_size, n + 1):
        ready = cand[t - cand >= min_size]
        if ready.size:
            vals = best[ready] + _costs(cum, ready, t) + beta
            i = int(np.argmin(vals))
            best[t], last[t] = vals[i], ready[i]
            # Pruning: a start that cannot win now can never win later.
            keep = best[cand] + _costs(cum, cand, t) <= best[t]
            cand = cand[keep | (t - cand < min_size)]
        cand = np.append(cand, t)
    points = []
    t = n
    while t > 0:
        s = int(last[t])
        if s > 0:
            points.append(s)
        t = s
    return sorted(set(points))


def binary_segmentation(x: Sequence[float] | np.ndarray, penalty: float | None = None,
                        min_size: int = 2, max_points: int = 20) -> list[int]:
    """Change points by greedy binary segmentation (a baseline for :func:`pelt`)."""
    arr = np.asarray(x, dtype=float)
    beta = default_penalty(arr) if penalty is None else penalty
    cost = _cost_fn(arr)
    points: list[int] = []
    stack = [(0, len(arr))]
    while stack and len(points) < max_points:
        s, e = stack.pop()
        whole = cost(s, e)
        best_gain, best_k = 0.0, -1
        for k in range(s + min_size, e - min_size + 1):
            gain = whole - cost(s, k) - cost(k, e)
            if gain > best_gain:
                best_gain, best_k = gain, k
        if best_k > 0 and best_gain > beta:
            points.append(best_k)
            stack += [(s, best_k), (best_k, e)]
    return sorted(points)


def segments(x: Sequence[float] | np.ndarray, points: list[int]) -> list[Segment]:
    """The segments between change points, with their mean rates."""
    arr = np.asarray(x, dtype=float)
    bounds = [0, *points, len(arr)]
    return [Segment(a, b, float(arr[a:b].mean()) if b > a else 0.0)
            for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
