"""``wildtrace report --period 2026-Q1``: the market of one period, for publication.

Counts the market stage's listings (:func:`wildtrace.measure.market.counted_listings`)
that were *posted* in the period, and hands their figures (the market summary, listings
per platform and per country) to :mod:`wildtrace.act.report_period`, which writes the page
and its PNG and SVG charts. The numbers are those ``wildtrace market`` and the dashboard
compute, from the same functions, over the listings of the period; writing the report
reads and never runs a stage.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

from wildtrace.act.report_period import PeriodFiles, PeriodMarket, write_period
from wildtrace.app.market import DEFAULT_CURRENCY, rows_of
from wildtrace.measure.geography import by_country
from wildtrace.measure.market import counted_listings, summarise
from wildtrace.measure.seller_histories import parse_day
from wildtrace.measure.span import Span, span_of
from wildtrace.measure.volume import period_of
from wildtrace.workspace import Workspace


def span_periods(span: Span) -> list[str]:
    """Every week or month label of ``span``, first to last, empty ones included."""
    labels: list[str] = []
    day = span.start
    while day <= span.end:
        label = period_of(day, span.granularity)
        if not labels or labels[-1] != label:
            labels.append(label)
        day += timedelta(days=1)
    return labels


def period_market(ws: Workspace, span: Span,
                  currency: str = DEFAULT_CURRENCY) -> PeriodMarket:
    """The figures of ``span``'s market report (see :class:`PeriodMarket`)."""
    inside, undated, outside = [], 0, 0
    for x in counted_listings(ws.store):
        day = parse_day(x.posted)
        if day is None:
            undated += 1
        elif span.holds(day):
            inside.append(x)
        else:
            outside += 1
    summary = summarise(rows_of(ws.store, inside, currency), currency, span.granularity)
    periods = span_periods(span)
    index = {p: i for i, p in enumerate(periods)}
    series: dict[str, list[int]] = {}
    for platform, counts in summary.volume.get("platform", {}).items():
        padded = [0] * len(periods)
        for label, n in zip(summary.periods, counts, strict=True):
            if label in index:
                padded[index[label]] += n
        series[platform] = padded
    platforms = Counter(x.platform or "(unknown)" for x in inside)
    return PeriodMarket(span=span, workspace=ws.root.name, summary=summary,
                        periods=periods, series=series, platforms=platforms.most_common(),
                        countries=by_country(inside), undated=undated, outside=outside)


def default_path(ws: Workspace, span: Span) -> Path:
    """Where a period report goes unless told: ``WORKSPACE/market-LABEL.html``."""
    safe = "".join(c if c.isalnum() or c == "-" else "_" for c in span.label)
    return ws.root / f"market-{safe}.html"


def write_period_report(ws: Workspace, period: str | None, path: Path | None = None, *,
                        start: str | None = None, end: str | None = None,
                        currency: str = DEFAULT_CURRENCY) -> PeriodFiles:
    """Write the market report of ``period`` (or ``start`` to ``end``) to ``path``
    (default :func:`default_path`) with its charts beside it."""
    span = span_of(period, start, end)
    return write_period(period_market(ws, span, currency), path or default_path(ws, span))
