"""The distribution of a set of prices, told honestly.

Quartiles are the inclusive (linear-interpolation) kind, the one spreadsheets and numpy
use by default: every percentile lies between the smallest and the largest value. The
"exclusive" method (:func:`statistics.quantiles`' default) extrapolates beyond the data
for small samples, which put a first quartile of -24.96 under a minimum of 70.03.

Under :data:`MIN_QUARTILES` values quartiles say nothing the values themselves do not,
so only ``n``, ``min``, ``median`` and ``max`` are given; ``p25``, ``p75`` and ``mean``
are ``None``.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

MIN_QUARTILES = 4  # fewer values than this get no quartiles and no mean


def percentile(ordered: Sequence[float], q: float) -> float:
    """The ``q``-th quantile (0–1) of sorted values, interpolated between the two
    nearest (numpy's default "linear" method); always within the data."""
    if not ordered:
        raise ValueError("percentile of no values")
    pos = (len(ordered) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def distribution(values: Sequence[float]) -> dict[str, float | int | None]:
    """``n``, ``min``, ``p25``, ``median``, ``p75``, ``max`` and ``mean`` of ``values``
    (at least one), rounded to cents; the quartiles and mean only from four values up."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("distribution of no values")
    full = len(ordered) >= MIN_QUARTILES
    return {"n": len(ordered), "min": round(ordered[0], 2),
            "p25": round(percentile(ordered, 0.25), 2) if full else None,
            "median": round(statistics.median(ordered), 2),
            "p75": round(percentile(ordered, 0.75), 2) if full else None,
            "max": round(ordered[-1], 2),
            "mean": round(statistics.fmean(ordered), 2) if full else None}
