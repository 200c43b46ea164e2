"""The report's market section: sellers, market size, prices, volume and changes.

Returns an HTML fragment that :mod:`wildtrace.act.report` places in the single-file
report. Every value from listings is escaped; charts are inline SVG (no scripts, no
external files).
"""

from __future__ import annotations

from html import escape
from typing import Any

from wildtrace.errors import WildtraceError
from wildtrace.workspace import Workspace


def _table(rows: list[dict[str, Any]], cols: list[str], limit: int = 12) -> str:
    if not rows:
        return "<p>None.</p>"
    head = "".join(f"<th>{escape(c)}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(r.get(c, '')))}</td>" for c in cols)
                   + "</tr>" for r in rows[:limit])
    return f"<table><tr>{head}</tr>{body}</table>"


def _market_size(ws: Workspace) -> str:
    from wildtrace.measure.recapture import closed_population
    from wildtrace.measure.seller_histories import workspace_histories

    for by in ("platform", "month"):
        try:
            data = workspace_histories(ws, by)
        except WildtraceError:
            continue
        results = [r for r in closed_population(data, models=("M0", "Mt", "Mh Chao",
                                                                "Mth Chao"), ci=False)
                   if r.error is None]
        if not results:
            continue
        best = min(results, key=lambda r: r.aic if r.aic is not None else float("inf"))
        rows = [{"model": r.model, "abundance": f"{r.abundance:.1f}",
                 "stderr": f"{r.stderr:.1f}", "AIC": f"{r.aic:.1f}"} for r in results]
        return (f"<p>{data.n} sellers seen over {data.t} occasions (by {escape(by)}); the "
                f"best-fitting model by AIC, {escape(best.model)}, estimates "
                f"<b>{best.abundance:.0f}</b> sellers in all (± {best.stderr:.0f}).</p>"
                + _table(rows, ["model", "abundance", "stderr", "AIC"]))
    return "<p>Too few occasions or recaptures for a market-size estimate.</p>"


def market_section(ws: Workspace) -> str:
    """The market section as an HTML fragment ("" when the workspace has no listings)."""
    from wildtrace.link.sellers import latest_resolution
    from wildtrace.measure.market import summary
    from wildtrace.measure.plots import line_svg

    if ws.store.count_listings() == 0:
        return ""
    _, seller_of, links = latest_resolution(ws.store, ws.blobs)
    kinds: dict[str, int] = {}
    for link in links:
        kinds[link[2]] = kinds.get(link[2], 0) + 1
    parts = ["<h3>Sellers</h3>",
             f"<p>{len(seller_of)} listings resolve to <b>{len(set(seller_of.values()))}</b> "
             "sellers; links by evidence: "
             + (escape(", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))) or "none")
             + ".</p>",
             "<h3>Market size (capture–recapture)</h3>", _market_size(ws)]
    s = summary(ws)
    vol = s["volume"]
    periods = vol["all"].get("periods", [])
    parts.append("<h3>Volume over time</h3>")
    if periods:
        for dim in ("platform", "taxon", "language"):
            marks: dict[str, list[str]] = {}
            for ch in s["changes"]:
                if ch["dimension"] == dim:
                    marks.setdefault(ch["key"], []).append(ch["period"])
            parts.append(line_svg(periods, vol.get(dim, {}),
                                  title=f"Listings per {s['period']} by {dim}", marks=marks))
    else:
        parts.append("<p>No dated listings.</p>")
    parts.append("<h3>Changes</h3>")
    parts.append(_table(s["changes"], ["dimension", "key", "period", "direction", "before",
                                       "after"]))
    if s["notes"]:
        parts.append("<ul>" + "".join(f"<li>{escape(n['text'])}</li>" for n in s["notes"])
                     + "</ul>")
    parts.append(f"<h3>Prices ({escape(s['currency'])}, at each year's average rate)</h3>")
    parts.append(f"<p>{s['priced']} listings priced; {s['unconverted']} in currencies "
                 "without a bundled rate.</p>")
    cols = ["n", "min", "p25", "median", "p75", "max"]
    parts.append(_table(s["prices_by_taxon"], ["taxon", *cols]))
    parts.append(_table(s["prices_by_product"], ["product", *cols]))
    return "\n".join(parts)
