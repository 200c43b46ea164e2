"""The report's market section: sellers, market size, prices, volume and changes.

Renders an HTML fragment that :mod:`wildtrace.act.report` places in the single-file
report, from figures computed elsewhere (the market summary, the newest stored link run,
the market-size estimate): the report shows the numbers ``wildtrace market`` and
``wildtrace sellers`` show, and writing it never runs a stage. Every value from listings
is escaped; charts are inline SVG (no scripts, no external files). Tables show at most
:data:`TABLE_ROWS` rows and name the export that holds all of them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from html import escape
from typing import Any

from wildtrace import numbers
from wildtrace.act.report_page import Section, more_note
from wildtrace.measure.market import MarketSummary
from wildtrace.measure.market_size import MarketSize
from wildtrace.measure.plots import bar_svg
from wildtrace.records import LinkRun

PRICE_COLUMNS = ["n", "min", "p25", "median", "p75", "max"]
UNCONVERTED_COLUMNS = ["currency", "n", "min", "median", "max"]
TABLE_ROWS = 12
EXPORT_PRICES = "<code>wildtrace export prices --format csv -o prices.csv</code>"
EXPORT_VOLUME = "<code>wildtrace export volume --format csv -o volume.csv</code>"


@dataclass(frozen=True)
class MarketSection:
    """What the market section shows: the market summary, the newest stored link run
    (None when there is none), how many listings came after it, and the market-size
    estimate over its sellers (None when there is too little to estimate from)."""

    summary: MarketSummary
    link: LinkRun | None
    unresolved: int = 0
    size: MarketSize | None = None


def cell(value: Any) -> str:
    """A table cell as a person reads it: counts with separators, amounts to the cent
    under 100 and whole above, ``–`` for a figure not given (quartiles under 4 prices)."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return numbers.count(value)
    if isinstance(value, float):
        return numbers.amount(value)
    return str(value)


def rows_table(rows: list[dict[str, Any]], cols: list[str], limit: int = TABLE_ROWS,
           what: str = "rows", where: str = EXPORT_PRICES) -> str:
    """Up to ``limit`` rows, then a note of how many more there are and where."""
    if not rows:
        return "<p>None.</p>"
    head = "".join(f"<th>{escape(c)}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{escape(cell(r.get(c, '')))}</td>" for c in cols)
                   + "</tr>" for r in rows[:limit])
    return (f"<table><tr>{head}</tr>{body}</table>"
            + more_note(min(limit, len(rows)), len(rows), what, where))


def _sellers(link: LinkRun | None, unresolved: int) -> str:
    if link is None:
        return ("<p>No link run exists yet, so sellers are not resolved: "
                "<code>wildtrace process</code> or <code>wildtrace sellers</code> "
                "resolves them.</p>")
    kinds = Counter(x[2] for x in link.links)
    text = (f"<p>{numbers.count(len(link.seller_of))} listings resolve to "
            f"<b>{numbers.count(link.sellers)}</b> sellers "
            f"(link run {link.run_id}); links by evidence: "
            + (escape(", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))) or "none")
            + ".</p>")
    if unresolved:
        text += (f"<p>{numbers.count(unresolved)} listings were added after that run and "
                 "are not resolved yet: <code>wildtrace process</code> or "
                 "<code>wildtrace sellers</code> resolves them.</p>")
    return text


def _market_size(figures: MarketSection) -> str:
    if figures.link is None:
        return "<p>The estimate needs resolved sellers (no link run exists yet).</p>"
    size = figures.size
    if size is None:
        return "<p>Too few occasions or recaptures for a market-size estimate.</p>"
    best = size.best
    rows = [{"model": r.model, "abundance": f"{r.abundance:.1f}",
             "stderr": f"{r.stderr:.1f}", "AIC": f"{r.aic:.1f}"} for r in size.results]
    return (f"<p>{numbers.count(size.seen)} sellers seen over {size.occasions} occasions (by "
            f"{escape(size.by)}); the best-fitting model by AIC, {escape(best.model)}, "
            f"estimates <b>{numbers.whole(best.abundance)}</b> sellers in all "
            f"(± {numbers.whole(best.stderr)}).</p>"
            + rows_table(rows, ["model", "abundance", "stderr", "AIC"]))


def _volume(s: MarketSummary) -> list[str]:
    parts = ["<h3>Volume over time</h3>",
             f"<p>{numbers.count(s.listings)} listings counted (the relevant ones, once any "
             "listing has been assessed); "
             f"{numbers.count(s.undated)} without a posting date, left out of the charts "
             "(an undated listing is never given the day it was imported).</p>"]
    if not s.periods:
        return [*parts, "<p>No dated listings.</p>"]
    for dim in ("platform", "taxon", "language"):
        marks: dict[str, list[str]] = {}
        for ch in s.changes:
            if ch.dimension == dim:
                marks.setdefault(ch.key, []).append(ch.period)
        parts.append(bar_svg(s.periods, s.volume.get(dim, {}), undated=s.undated,
                             title=f"Listings per {s.period} by {dim}", marks=marks))
    return parts


def _changes(s: MarketSummary) -> str:
    html = rows_table([c.as_dict() for c in s.changes],
                  ["dimension", "key", "period", "direction", "before", "after"],
                  what="change points", where=EXPORT_VOLUME + " or <code>wildtrace market</code>")
    if s.notes:
        html += ("<ul>" + "".join(f"<li>{escape(n['text'])}</li>" for n in s.notes[:TABLE_ROWS])
                 + "</ul>")
    return html


def _prices(s: MarketSummary) -> str:
    parts = [f"<p>{numbers.count(s.priced)} listings priced in {escape(s.currency)}; "
             f"{numbers.count(s.unconverted)} in currencies without a bundled rate "
             "(listed apart, in their own currency). Quartiles are given from 4 prices "
             "up.</p>",
             rows_table(s.prices_by_taxon, ["taxon", *PRICE_COLUMNS], what="taxa"),
             rows_table(s.prices_by_product, ["product", *PRICE_COLUMNS], what="products")]
    if s.unconverted_by:
        parts.append("<h4>Prices not converted</h4>")
        parts.append(rows_table(list(s.unconverted_by), UNCONVERTED_COLUMNS, what="currencies"))
    return "\n".join(parts)


def market_sections(figures: MarketSection) -> list[Section]:
    """The market's sub-sections (sellers, size, volume, changes, prices), each with an
    anchor for the report's contents list."""
    s = figures.summary
    return [Section("sellers", "Sellers", _sellers(figures.link, figures.unresolved)),
            Section("market-size", "Market size (capture–recapture)", _market_size(figures)),
            Section("volume", "Volume over time", "\n".join(_volume(s)[1:])),
            Section("changes", "Changes", _changes(s)),
            Section("prices", f"Prices ({s.currency}, at each year's average rate)",
                    _prices(s))]


def market_section(figures: MarketSection) -> str:
    """The market section as one HTML fragment (its sub-sections as ``<h3>``)."""
    return "\n".join(f"<h3 id=\"{escape(x.anchor)}\">{escape(x.title)}</h3>\n{x.body}"
                     for x in market_sections(figures))
