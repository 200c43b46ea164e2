"""Active-learning review order: uncertainty, risk and diversity."""

from __future__ import annotations

import numpy as np

from wildtrace.assess.review import order, uncertainty


def test_uncertainty_peaks_at_threshold() -> None:
    u = uncertainty(np.array([0.0, 0.3, 0.5, 0.7, 1.0]), 0.5)
    assert u[2] == 1.0 and u[0] == 0.0 and u[4] == 0.0
    assert abs(u[1] - u[3]) < 1e-9


def test_order_prefers_uncertain_risky_and_diverse() -> None:
    texts = ["real shark jaw for sale 12 inch", "real shark jaw for sale 12 inch!",
             "ivory netsuke antique carving", "postage stamp tiger 1975",
             "plush toy shark"]
    ids = [10, 11, 12, 13, 14]
    scores = [0.5, 0.5, 0.45, 0.02, 0.98]
    risks = [0.5, 0.5, 0.6, 0.0, 0.1]
    picks = order(ids, texts, scores, risks, 0.5, limit=3)
    got = [p.listing_id for p in picks]
    assert got[0] in (10, 11, 12)
    # The near-duplicate of a pick is pushed down by its redundancy.
    assert not {10, 11} <= set(got[:2])
    assert 13 not in got
    assert order([], [], [], [], 0.5, 5) == []
