"""``wildtrace report``: the workspace as one self-contained HTML file.

The report's market section shows the figures the other faces show: the market summary
of :mod:`wildtrace.app.market`, the sellers of the newest stored link run
(:mod:`wildtrace.app.sellers`) and the market-size estimate over them
(:mod:`wildtrace.app.recapture`). Writing a report reads; it never runs a stage, so a
workspace whose sellers were never resolved gets a report that says so.
"""

from __future__ import annotations

from pathlib import Path

from wildtrace.act.report import write_report as write_html
from wildtrace.act.report_market import MarketSection
from wildtrace.app.market import market_summary
from wildtrace.app.recapture import market_size
from wildtrace.app.sellers import link_status
from wildtrace.workspace import Workspace

REPORT_FILE = "report.html"


def report_figures(ws: Workspace) -> MarketSection | None:
    """The figures of the report's market section; None for an empty workspace."""
    if ws.store.count_listings() == 0:
        return None
    status = link_status(ws)
    return MarketSection(summary=market_summary(ws.store), link=status.run,
                         unresolved=status.unresolved, size=market_size(ws, status.run))


def write_report(ws: Workspace, path: Path | None = None) -> Path:
    """Write the report to ``path`` (default: ``report.html`` in the workspace) and
    return where it went."""
    return write_html(ws, path or ws.root / REPORT_FILE, market=report_figures(ws))
