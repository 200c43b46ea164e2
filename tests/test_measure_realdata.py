"""Trends and change points on real trade records (research-only data: evaluation only).

CITES reported shipments of pangolins (Manidae) collapsed after the 2000 zero export
quotas for Asian pangolins; the change-point detector must find that break.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from wildtrace.measure.changepoint import pelt, segments


def test_pangolin_shipments_break_after_zero_quota(datasets: Path) -> None:
    path = datasets / "market" / "pangolin-seizures-roytangrb" / "cites_trade_shipments_manidae.csv"
    with path.open(encoding="utf-8") as fh:
        per_year = Counter(int(r["year"]) for r in csv.DictReader(fh))
    years = list(range(min(per_year), max(per_year) + 1))
    counts = [per_year[y] for y in years]
    points = pelt(counts)
    breaks = {years[i] for i in points}
    assert 2001 in breaks
    segs = {years[s.start]: s.mean for s in segments(counts, points)}
    before = max(m for y, m in segs.items() if y < 2001)
    assert segs[2001] * 5 < before
    assert len(points) <= 8  # over-dispersion-scaled penalty: no cut at every busy year
