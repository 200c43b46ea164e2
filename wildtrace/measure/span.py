"""A span of days a market report covers: ``2026-Q1``, ``2026-03``, ``2026-H2``,
``2026``, ``2026-W05``, or any ``--from``/``--to`` pair of ISO dates (both included).

A listing belongs to a span when it was *posted* inside it; an undated listing belongs to
none (it is counted apart, never placed by the day it was imported). The span also picks
the bars of its volume chart: weeks for a span of a quarter or less, months above.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from wildtrace.errors import InputError

FORMS = "2026, 2026-H1, 2026-Q1, 2026-03 or 2026-W05"
WEEKLY_DAYS = 92  # spans up to a quarter are drawn week by week


@dataclass(frozen=True)
class Span:
    """Days from ``start`` to ``end``, both included, with the label people use."""

    start: date
    end: date
    label: str

    @property
    def days(self) -> int:
        """How many days the span covers."""
        return (self.end - self.start).days + 1

    @property
    def granularity(self) -> str:
        """The volume chart's bar: ``week`` up to a quarter, ``month`` above."""
        return "week" if self.days <= WEEKLY_DAYS else "month"

    def holds(self, day: date | None) -> bool:
        """Whether ``day`` (None: undated) falls inside the span."""
        return day is not None and self.start <= day <= self.end


def _month_end(year: int, month: int) -> date:
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def parse_period(text: str) -> Span:
    """The span a period name covers (see the module's forms); InputError otherwise."""
    t = text.strip().upper()
    try:
        if m := re.fullmatch(r"(\d{4})", t):
            y = int(m[1])
            return Span(date(y, 1, 1), date(y, 12, 31), t)
        if m := re.fullmatch(r"(\d{4})-H([12])", t):
            y, h = int(m[1]), int(m[2])
            return Span(date(y, 6 * h - 5, 1), _month_end(y, 6 * h), t)
        if m := re.fullmatch(r"(\d{4})-Q([1-4])", t):
            y, q = int(m[1]), int(m[2])
            return Span(date(y, 3 * q - 2, 1), _month_end(y, 3 * q), t)
        if m := re.fullmatch(r"(\d{4})-(\d{2})", t):
            y, mo = int(m[1]), int(m[2])
            return Span(date(y, mo, 1), _month_end(y, mo), t)
        if m := re.fullmatch(r"(\d{4})-W(\d{2})", t):
            first = date.fromisocalendar(int(m[1]), int(m[2]), 1)
            return Span(first, first + timedelta(days=6), t)
    except ValueError:
        pass
    raise InputError(f"cannot read the period {text!r}", hint=f"write it as {FORMS}, "
                     "or give --from and --to dates")


def parse_range(start: str, end: str) -> Span:
    """The span from ISO date ``start`` to ``end`` (both included)."""
    try:
        first, last = date.fromisoformat(start.strip()), date.fromisoformat(end.strip())
    except ValueError as exc:
        raise InputError(f"cannot read the dates {start!r} to {end!r}",
                         hint="write them as YYYY-MM-DD") from exc
    if last < first:
        raise InputError(f"the period ends ({last}) before it starts ({first})",
                         hint="swap --from and --to")
    return Span(first, last, f"{first.isoformat()} to {last.isoformat()}")


def span_of(period: str | None, start: str | None, end: str | None) -> Span:
    """The span a command asked for: a period name, or both ends of a range."""
    if period and (start or end):
        raise InputError("give either --period or --from/--to, not both")
    if period:
        return parse_period(period)
    if start and end:
        return parse_range(start, end)
    raise InputError("a market report needs its period",
                     hint=f"--period ({FORMS}) or both --from and --to")
