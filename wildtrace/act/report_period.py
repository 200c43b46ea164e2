"""The market report of one period: an HTML page with four publication charts beside it.

``wildtrace report --period 2026-Q1`` (or ``--from``/``--to``) writes
``market-2026-Q1.html`` and, beside it, ``market-2026-Q1-volume``, ``-prices``,
``-platforms`` and ``-countries`` as PNG and SVG (:mod:`wildtrace.act.report_charts`).
The page shows each chart (its SVG inlined as an image, so the page stays one file that
runs nothing) with links to both files, and the numbers behind it as a table, so a
reader can check a bar and a screen reader can read it. The figures come from the
caller (:mod:`wildtrace.app.report_period`): the same market measures every face shows,
counted over the listings posted in the period.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from wildtrace import __version__, numbers
from wildtrace.act.report_charts import Chart, price_chart, ranking_chart, volume_chart
from wildtrace.act.report_market import PRICE_COLUMNS, TABLE_ROWS, rows_table
from wildtrace.act.report_page import Section, more_note, page, table, text
from wildtrace.measure.geography import CountryFigures
from wildtrace.measure.market import MarketSummary
from wildtrace.measure.span import Span

RANKED = 15  # bars of the platform and country charts


@dataclass(frozen=True)
class PeriodMarket:
    """The figures of a period's market report.

    ``summary`` counts the listings posted in ``span``; ``periods``/``series`` are its
    volume per platform on every week or month of the span (empty ones included);
    ``undated`` listings of the workspace cannot be placed in any period and
    ``outside`` were posted before or after it: neither is counted."""

    span: Span
    workspace: str
    summary: MarketSummary
    periods: Sequence[str]
    series: dict[str, list[int]]
    platforms: Sequence[tuple[str, int]]
    countries: CountryFigures
    undated: int
    outside: int


@dataclass(frozen=True)
class PeriodFiles:
    """What a period report wrote: the page and its charts."""

    html: Path
    charts: tuple[Path, ...]


def _figure(chart: Chart) -> str:
    data = base64.b64encode(chart.svg.read_bytes()).decode("ascii")
    links = " · ".join(f'<a href="{escape(p.name, quote=True)}">{ext}</a>'
                       for p, ext in ((chart.png, "PNG, 300 dpi"), (chart.svg, "SVG")))
    return (f'<figure><img src="data:image/svg+xml;base64,{data}" alt="{escape(chart.title)}'
            f': {escape(chart.subtitle)}" width="720"><figcaption>{text(chart.subtitle)} '
            f"Files: {links}.</figcaption></figure>")


def _ranking_rows(items: Sequence[tuple[str, int]], total: int) -> list[list[str]]:
    return [[text(k), numbers.count(n), f"{100 * n / total:.1f} %" if total else "–"]
            for k, n in items]


def _ranked(items: Sequence[tuple[str, int]], limit: int) -> list[tuple[str, int]]:
    top = list(items[:limit])
    rest = sum(n for _, n in items[limit:])
    if rest:
        top.append((f"other ({len(items) - limit})", rest))
    return top


def render_period(m: PeriodMarket, stem: Path, now: Callable[[], datetime] = lambda:
                  datetime.now(UTC)) -> tuple[str, list[Chart]]:
    """The page's HTML and its charts, written as ``{stem}-{chart}.png/.svg``."""
    s, span = m.summary, m.span
    when = f"{span.start.isoformat()} to {span.end.isoformat()}"
    source = (f"Source: wildtrace {__version__}, workspace {m.workspace}; listings posted "
              f"{when}; generated {now().strftime('%Y-%m-%d')}.")
    n_text = f"n = {numbers.count(s.listings)} listings posted in {span.label}"
    vol = volume_chart(stem, periods=m.periods, series=m.series, granularity=span.granularity,
                       title=f"Listings per {span.granularity}, {span.label}",
                       subtitle=f"{n_text}; stacked by platform.", source=source)
    prices = price_chart(stem, rows=s.prices_by_taxon, currency=s.currency,
                         title=f"Asking prices per taxon, {span.label}",
                         subtitle=(f"n = {numbers.count(s.priced)} prices converted to "
                                   f"{s.currency} at each year's average rate; "
                                   f"{numbers.count(s.unconverted)} in other currencies "
                                   "not drawn."), source=source)
    plat = ranking_chart(stem, "platforms", items=_ranked(m.platforms, RANKED),
                         unit="listings", title=f"Listings per platform, {span.label}",
                         subtitle=f"{n_text}.", source=source)
    known = [(c.country.name, c.listings) for c in m.countries.countries]
    ctry = ranking_chart(stem, "countries", items=_ranked(known, RANKED), unit="listings",
                         title=f"Listings per country, {span.label}",
                         subtitle=(f"n = {numbers.count(m.countries.total - m.countries.unknown)}"
                                   f" listings with a known country; "
                                   f"{numbers.count(m.countries.unknown)} unknown not drawn."),
                         source=source)
    charts = [vol, prices, plat, ctry]
    counted = (f"<p>{numbers.count(s.listings)} listings posted from {escape(when)} are "
               f"counted (the relevant ones, once any listing has been assessed). "
               f"{numbers.count(m.undated)} "
               f"{'listing has' if m.undated == 1 else 'listings have'} no posting date and "
               f"{numbers.count(m.outside)} {'was' if m.outside == 1 else 'were'} posted "
               "outside the period: neither is "
               "counted (an undated listing is never given the day it was imported).</p>")
    vol_rows = [[text(p), numbers.count(sum(v[i] for v in m.series.values()))]
                for i, p in enumerate(m.periods)]
    plat_table = table([("platform", False), ("listings", True), ("share", True)],
                       _ranking_rows(m.platforms[:TABLE_ROWS * 2], s.listings))
    ctry_table = table([("country", False), ("listings", True), ("share", True)],
                       _ranking_rows(known[:TABLE_ROWS * 2], m.countries.total))
    sections = [
        Section("summary", "Summary", counted + _cards(m)),
        Section("volume", "Volume", _figure(vol) + table(
            [(span.granularity, False), ("listings", True)], vol_rows)),
        Section("prices", f"Prices ({s.currency})", _figure(prices) + rows_table(
            s.prices_by_taxon, ["taxon", *PRICE_COLUMNS], what="taxa")),
        Section("platforms", "Platforms", _figure(plat) + plat_table + more_note(
            min(len(m.platforms), TABLE_ROWS * 2), len(m.platforms), "platforms",
            "<code>wildtrace export prices --format csv -o prices.csv</code>")),
        Section("countries", "Countries", _figure(ctry) + ctry_table + more_note(
            min(len(known), TABLE_ROWS * 2), len(known), "countries",
            "<code>wildtrace export prices --format csv -o prices.csv</code>")),
    ]
    intro = (f"<p class=muted>{escape(source)} Counts are of listings found, not of animals "
             "or of trade; scores are model estimates, checked by analysts before any "
             "listing is acted on.</p>")
    return page(f"Wildlife trade online: {span.label}", intro, sections), charts


def _cards(m: PeriodMarket) -> str:
    s = m.summary
    cards = [("listings", s.listings), ("priced", s.priced), ("platforms", len(m.platforms)),
             ("countries", len(m.countries.countries))]
    return ('<div class="cards">' + "".join(
        f'<div class="card"><b>{numbers.count(v)}</b>{escape(k)}</div>' for k, v in cards)
        + "</div>")


def write_period(m: PeriodMarket, path: Path) -> PeriodFiles:
    """Write the page to ``path`` and its charts beside it; returns what was written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    html, charts = render_period(m, path.with_suffix(""))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)
    return PeriodFiles(path, tuple(p for c in charts for p in (c.png, c.svg)))
