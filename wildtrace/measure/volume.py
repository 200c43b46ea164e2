"""Volume over time and where it changed.

* **Volume**: listings per period (month or ISO week) per platform, taxon and language,
  with zero-filled gaps so a platform going quiet shows as zeros, not as a hole.
* **Changes**: PELT change points in each volume series; a fall on one platform with a
  rise on another near the same period is flagged as possible *displacement*, a fall
  followed by a rise on the same series as a possible *rebound*.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from wildtrace.measure.changepoint import pelt, segments

DIMENSIONS = ("all", "platform", "taxon", "language")
UNIDENTIFIED = "(unidentified)"  # the taxon key of listings without one
UNKNOWN_LANGUAGE = "(unknown)"


class Dated(Protocol):
    """What volume counts of a listing (:class:`wildtrace.measure.market.MarketRow`)."""

    @property
    def day(self) -> str: ...  # ISO date, or "" when unknown
    @property
    def platform(self) -> str: ...
    @property
    def taxon(self) -> str: ...
    @property
    def language(self) -> str: ...


def period_of(day: date, period: str) -> str:
    """Label of the month (``2024-03``) or ISO week (``2024-W09``) holding ``day``."""
    if period == "month":
        return f"{day.year:04d}-{day.month:02d}"
    iso = day.isocalendar()
    return f"{iso.year:04d}-W{iso.week:02d}"


def _all_periods(first: date, last: date, period: str) -> list[str]:
    labels: list[str] = []
    d = first
    step = timedelta(days=1 if period == "month" else 7)
    while d <= last + step:
        label = period_of(d, period)
        if not labels or labels[-1] != label:
            labels.append(label)
        d += step
    end = period_of(last, period)
    return labels[:labels.index(end) + 1] if end in labels else labels


def volume(rows: Sequence[Dated], period: str = "month") -> dict[str, dict[str, list[int]]]:
    """``dimension → key → counts`` aligned on the returned periods (key ``"periods"``
    of dimension ``"all"`` holds the labels)."""
    dated = [(date.fromisoformat(r.day), r) for r in rows if r.day]
    if not dated:
        return {"all": {"periods": [], "listings": []}}
    periods = _all_periods(min(d for d, _ in dated), max(d for d, _ in dated), period)
    index = {p: i for i, p in enumerate(periods)}
    out: dict[str, dict[str, list[int]]] = {d: {} for d in DIMENSIONS}
    for d, r in dated:
        i = index[period_of(d, period)]
        for dim, key in (("all", "listings"), ("platform", r.platform),
                         ("taxon", r.taxon or UNIDENTIFIED),
                         ("language", r.language or UNKNOWN_LANGUAGE)):
            series = out[dim].setdefault(key, [0] * len(periods))
            series[i] += 1
    out["all"]["periods"] = periods  # type: ignore[assignment]
    return out


def periods_of(vol: dict[str, dict[str, list[int]]]) -> list[str]:
    """The period labels a :func:`volume` result is aligned on."""
    labels: list[str] = vol["all"].get("periods", [])  # type: ignore[assignment]
    return labels


@dataclass(frozen=True)
class Change:
    """A change point in one volume series."""

    dimension: str
    key: str
    period: str
    before: float  # mean count per period before
    after: float

    @property
    def direction(self) -> str:
        """``rise`` or ``fall``."""
        return "rise" if self.after > self.before else "fall"

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape: every field and the direction."""
        return {"dimension": self.dimension, "key": self.key, "period": self.period,
                "before": self.before, "after": self.after, "direction": self.direction}


def changes(vol: dict[str, dict[str, list[int]]], min_total: int = 20) -> list[Change]:
    """Change points of every series with at least ``min_total`` listings."""
    periods = periods_of(vol)
    found = []
    for dim, series in vol.items():
        for key, counts in series.items():
            if key == "periods" or sum(counts) < min_total:
                continue
            segs = segments(counts, pelt(counts))
            for a, b in zip(segs[:-1], segs[1:], strict=True):
                found.append(Change(dim, key, periods[b.start], round(a.mean, 2),
                                    round(b.mean, 2)))
    return found


def interpret(found: list[Change], periods: list[str], window: int = 1) -> list[dict[str, str]]:
    """Possible displacement (a platform falls as another rises within ``window``
    periods) and rebound (a series falls, then rises again)."""
    pos = {p: i for i, p in enumerate(periods)}
    notes = []
    plat = [c for c in found if c.dimension == "platform"]
    for fall in (c for c in plat if c.direction == "fall"):
        for rise in (c for c in plat if c.direction == "rise" and c.key != fall.key):
            if abs(pos[rise.period] - pos[fall.period]) <= window:
                notes.append({"kind": "displacement", "from": fall.key, "to": rise.key,
                              "period": fall.period,
                              "text": f"{fall.key} fell ({fall.before:g}→{fall.after:g}/period) "
                                      f"as {rise.key} rose ({rise.before:g}→{rise.after:g}) "
                                      f"around {fall.period}"})
    by_series: dict[tuple[str, str], list[Change]] = defaultdict(list)
    for c in found:
        by_series[(c.dimension, c.key)].append(c)
    for (dim, key), cs in by_series.items():
        for a, b in zip(cs[:-1], cs[1:], strict=True):
            if a.direction == "fall" and b.direction == "rise":
                notes.append({"kind": "rebound", "from": key, "to": key, "period": b.period,
                              "text": f"{dim} {key} fell at {a.period} and rebounded at "
                                      f"{b.period} ({a.after:g}→{b.after:g}/period)"})
    return notes
