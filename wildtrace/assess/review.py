"""Active learning: which unlabelled listings would teach the model most if labelled.

Each candidate's value is a mix of uncertainty (probability near the decision threshold),
risk (a wrong call on a high-risk listing costs most) and, while picking, diversity: the
next pick is penalised by its character n-gram similarity to listings already picked
(maximal marginal relevance), so one label does not go to ten copies of one listing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from wildtrace.assess.textfeatures import TextFeaturiser

UNCERTAINTY_WEIGHT = 0.6
RISK_WEIGHT = 0.4
DIVERSITY_WEIGHT = 0.5
# Candidate pool considered for diversity: the best by uncertainty+risk, for speed.
POOL_FACTOR = 5


@dataclass(frozen=True)
class Suggestion:
    """One listing to label next, with why."""

    listing_id: int
    value: float
    score: float
    risk: float
    uncertainty: float
    redundancy: float
    title: str


def uncertainty(p: np.ndarray, threshold: float) -> np.ndarray:
    """1 at the threshold, falling linearly to 0 at 0 and 1."""
    below = np.where(p < threshold, p / max(threshold, 1e-9), 0.0)
    above = np.where(p >= threshold, (1 - p) / max(1 - threshold, 1e-9), 0.0)
    return np.asarray(np.clip(below + above, 0.0, 1.0), dtype=np.float64)


def order(ids: Sequence[int], texts: Sequence[str], scores: Sequence[float],
          risks: Sequence[float], threshold: float, limit: int) -> list[Suggestion]:
    """The ``limit`` listings to label next, most informative first."""
    if not ids or limit <= 0:
        return []
    p = np.asarray(scores, dtype=float)
    r = np.asarray(risks, dtype=float)
    u = uncertainty(p, threshold)
    base = UNCERTAINTY_WEIGHT * u + RISK_WEIGHT * r
    pool = np.argsort(-base, kind="stable")[:max(limit * POOL_FACTOR, limit)]
    x = TextFeaturiser(2**16).transform([texts[i] for i in pool])
    # Rows are two L2-normalised blocks; halving the dot product gives a cosine in [0, 1].
    sim = np.asarray((x @ x.T).todense()) / 2.0
    chosen: list[int] = []
    max_sim = np.zeros(len(pool))
    picks: list[Suggestion] = []
    available = np.ones(len(pool), dtype=bool)
    for _ in range(min(limit, len(pool))):
        value = base[pool] - DIVERSITY_WEIGHT * max_sim
        value = np.where(available, value, -np.inf)
        j = int(np.argmax(value))
        if not np.isfinite(value[j]):
            break
        i = int(pool[j])
        picks.append(Suggestion(int(ids[i]), round(float(value[j]), 4), round(float(p[i]), 4),
                                round(float(r[i]), 4), round(float(u[i]), 4),
                                round(float(max_sim[j]), 4), texts[i][:120]))
        available[j] = False
        chosen.append(j)
        max_sim = np.maximum(max_sim, sim[j])
    return picks
