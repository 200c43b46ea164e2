"""``wildtrace report``: one self-contained HTML file describing a workspace.

Counts, sources, top taxa, CITES appendices and the flagged listings with their reasons,
and the market section (:mod:`wildtrace.act.report_market`) from figures the caller
computed, laid out by :mod:`wildtrace.act.report_page` (a contents list, tables capped
with a pointer to the export holding every row, long values that wrap). The counts are
aggregated by the database (:mod:`wildtrace.store.report`) and only the rows printed are
read, so the report takes seconds and stays a few hundred kilobytes at a million
listings. Every piece of listing text is escaped: listing text is written by criminals
and the report is opened in a browser. No scripts, no external resources.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from wildtrace import __version__, numbers
from wildtrace.act.report_market import MarketSection, market_sections
from wildtrace.act.report_page import Section, long_value, more_note, page, short, table, text
from wildtrace.extract.title import display_title
from wildtrace.store.report import FlaggedRow, SourceCount
from wildtrace.workspace import Workspace

MAX_FLAGGED = 100  # rows of the flagged table; the export holds every one
MAX_SOURCES = 25
MAX_TAXA = 25
MAX_ERRORS = 20
MAX_REASONS = 3  # per flagged row; the listing page and the export show all
SNIPPET = 120
URL_CHARS = 90
EXPORT_LISTINGS = "<code>wildtrace export listings --format csv -o listings.csv</code>"


def _summary(total: int, counts: list[SourceCount]) -> str:
    assessed = sum(c.listings for c in counts)
    relevant = sum(c.listings for c in counts if c.relevant)
    appendix = Counter[str]()
    for c in counts:
        if c.relevant and c.cites:
            appendix[c.cites] += c.listings
    cards = [("listings", total), ("assessed", assessed), ("flagged relevant", relevant)]
    cards += [(f"Appendix {k}", appendix[k]) for k in ("I", "II", "III")]
    return ('<div class="cards">' + "".join(
        f'<div class="card"><b>{numbers.count(v)}</b>{escape(k)}</div>' for k, v in cards)
        + "</div>")


def _sources(counts: list[SourceCount]) -> str:
    assessed: Counter[str] = Counter()
    relevant: Counter[str] = Counter()
    for c in counts:
        assessed[c.source] += c.listings
        if c.relevant:
            relevant[c.source] += c.listings
    if not assessed:
        return "<p class=muted>No listing is assessed yet: <code>wildtrace process</code>.</p>"
    top = assessed.most_common(MAX_SOURCES)
    rows = [[long_value(src, 80), numbers.count(n), numbers.count(relevant[src])]
            for src, n in top]
    return (table([("source", False), ("assessed", True), ("relevant", True)], rows,
                  widths=("60%", "20%", "20%"))
            + more_note(len(top), len(assessed), "sources", EXPORT_LISTINGS))


def _taxa(taxa_rows: list[tuple[str, str, int]]) -> str:
    taxa: Counter[str] = Counter()
    for joined, _, n in taxa_rows:
        for name in joined.split(";"):
            if name:
                taxa[name] += n
    if not taxa:
        return "<p class=muted>No taxa identified among relevant listings.</p>"
    top = taxa.most_common(MAX_TAXA)
    peak = top[0][1]
    rows = [[f"<i>{long_value(name, 80)}</i>", numbers.count(n),
             f'<span class="bar" style="width:{max(1, int(100 * n / peak))}%"></span>']
            for name, n in top]
    return (table([("taxon", False), ("listings", True), ("", False)], rows,
                  widths=("45%", "15%", "40%"))
            + more_note(len(top), len(taxa), "taxa", EXPORT_LISTINGS))


def _flagged_row(r: FlaggedRow) -> list[str]:
    title = display_title(r.title, r.description, SNIPPET)
    reasons = [str(x) for x in json.loads(r.reasons or "[]")]
    flags = [f for f in r.flags.split(";") if f]
    why = "".join(f'<span class="flag">{text(f)}</span>' for f in flags)
    if reasons:
        # One run of small text, not a line per reason: six wrapped reasons per row made
        # the flagged table most of the old report's height.
        more = f" (+{len(reasons) - MAX_REASONS} more)" if len(reasons) > MAX_REASONS else ""
        why += ('<div class="why">' + text("; ".join(short(x, 90) for x in
                                               reasons[:MAX_REASONS]) + more) + "</div>")
    where = long_value(r.url or r.origin, URL_CHARS)
    cites = escape(r.cites)
    return [str(r.listing_id),
            f"{text(short(title, SNIPPET))}<div class=muted>{text(r.source)} · {where}</div>",
            f"<i>{text(r.taxa.replace(';', ', '))}</i>",
            f'<span class="app-{cites}">{cites}</span>', f"{r.score:.2f}", why]


def _flagged(rows: list[FlaggedRow], relevant: int) -> str:
    if not rows:
        return "<p class=muted>No listing is flagged.</p>"
    head = [("#", True), ("listing", False), ("taxa", False), ("CITES", False),
            ("score", True), ("why", False)]
    note = ("<p class=muted>Highest scores first. Open one in the web app at "
            "<code>/listings/ID</code>, or work through them all in its review queue.</p>")
    return (note + table(head, [_flagged_row(r) for r in rows],
                         widths=("6%", "34%", "13%", "6%", "6%", "35%"))
            + more_note(len(rows), relevant, "flagged listings", EXPORT_LISTINGS))


def _problems(ws: Workspace) -> str:
    errors = ws.store.errors(limit=MAX_ERRORS)
    rows = [[long_value(f"{e.file}:{e.row}" if e.row is not None else e.file, 80),
             text(short(e.reason, 300))] for e in errors]
    return (table([("where", False), ("reason", False)], rows, widths=("35%", "65%"))
            + more_note(len(rows), ws.store.report.error_count(), "input problems",
                        "<code>wildtrace errors</code>"))


def sections(ws: Workspace, market: MarketSection | None = None) -> list[Section]:
    """The report's sections in order (the market's only with ``market``)."""
    counts = ws.store.report.source_counts()
    relevant = sum(c.listings for c in counts if c.relevant)
    out = [Section("counts", "Counts", _summary(ws.store.count_listings(), counts)),
           Section("sources", "Sources", _sources(counts)),
           Section("taxa", "Top taxa among flagged listings",
                   _taxa(ws.store.report.relevant_taxa())),
           Section("flagged", "Flagged listings",
                   _flagged(ws.store.report.top_flagged(MAX_FLAGGED), relevant))]
    if market is not None:
        out.append(Section("market", "Market", "", market_sections(market)))
    if ws.store.errors(limit=1):
        out.append(Section("problems", "Recent input problems", _problems(ws)))
    return out


def render(ws: Workspace, *, market: MarketSection | None = None,
           now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> str:
    """The report as one HTML document; the market section only with ``market``."""
    intro = (f"<p class=muted>Generated {now().strftime('%Y-%m-%d %H:%M UTC')} by wildtrace "
             f"{escape(__version__)}. Scores are model estimates for triage, not findings; "
             "check each listing before acting.</p>")
    return page(f"wildtrace report: {ws.root.name}", intro, sections(ws, market))


def write_report(ws: Workspace, path: Path, *, market: MarketSection | None = None) -> Path:
    """Write the report to ``path`` atomically and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render(ws, market=market), encoding="utf-8")
    tmp.replace(path)
    return path
