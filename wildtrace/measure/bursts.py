"""What is rising: taxa, product terms and venues seen more than their own baseline.

Each series is one thing (a taxon, a product term, a venue) on one platform in one
language, counted per period (a week by default). The latest period is compared with
what the series' own history predicts: the mean of the preceding periods (``baseline``
of them), with the over-dispersion of real listing counts (:func:`.changepoint.dispersion`)
widening the interval, so a series that always swings does not ring every week. A
series also rises when the PELT segmentation (:func:`.changepoint.pelt`) puts a change
point in the recent periods with a higher rate after it: a step up, not one busy week.
Seen and expected counts are both reported, never a bare score.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from wildtrace.measure.changepoint import dispersion, pelt


@dataclass(frozen=True, slots=True)
class Event:
    """One sighting: a listing mentioning a thing on a platform in a language."""

    kind: str  # taxon, product, venue
    key: str
    platform: str
    language: str
    when: date


@dataclass(frozen=True, slots=True)
class Rising:
    """A series whose latest period is above its own baseline."""

    kind: str
    key: str
    platform: str
    language: str
    seen: int  # in the latest period
    expected: float  # from the baseline periods
    z: float  # (seen − expected) / sqrt(dispersion × (expected + 1))
    ratio: float  # seen / max(expected, 0.5)
    step_up: bool  # PELT found a recent change to a higher rate
    period_start: date
    history: tuple[int, ...]  # the counts, oldest first, the latest period last


def _period(d: date, days: int, origin: date) -> int:
    return (d - origin).days // days


def rising(events: Iterable[Event], *, today: date, period_days: int = 7,
           baseline: int = 8, min_seen: int = 3, min_z: float = 3.0,
           limit: int = 50) -> list[Rising]:
    """Series rising in the period that ends with ``today``, most unusual first."""
    origin = today - timedelta(days=period_days * (baseline + 1) - 1)
    series: dict[tuple[str, str, str, str], np.ndarray] = defaultdict(
        lambda: np.zeros(baseline + 1, dtype=float))
    for e in events:
        if not origin <= e.when <= today:
            continue
        series[(e.kind, e.key, e.platform, e.language)][_period(e.when, period_days,
                                                                origin)] += 1
    out: list[Rising] = []
    for (kind, key, platform, language), x in series.items():
        seen = int(x[-1])
        if seen < min_seen:
            continue
        base = x[:-1]
        expected = float(base.mean())
        disp = dispersion(base) if base.sum() > 0 else 1.0
        z = (seen - expected) / math.sqrt(disp * (expected + 1.0))
        step = False
        cuts = pelt(x) if base.sum() > 0 else []
        if cuts and cuts[-1] >= len(x) - 3:  # a change in the last three periods
            before = x[(cuts[-2] if len(cuts) > 1 else 0):cuts[-1]]
            step = float(x[cuts[-1]:].mean()) > float(before.mean())
        if z < min_z and not step:
            continue
        out.append(Rising(kind, key, platform, language, seen, round(expected, 2),
                          round(z, 2), round(seen / max(expected, 0.5), 2), step,
                          origin + timedelta(days=period_days * baseline),
                          tuple(int(v) for v in x)))
    out.sort(key=lambda r: (-r.z, -r.seen, r.key))
    return out[:limit]


def day_of(value: object) -> date | None:
    """A listing's date from its ``posted`` text or a datetime; None when unreadable."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()[:32]
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return None
