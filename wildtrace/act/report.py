"""``wildtrace report``: one self-contained HTML file describing a workspace.

Counts, top taxa, CITES appendices and flagged listings with their reasons, and the
market section (:mod:`wildtrace.act.report_market`) from figures the caller computed.
Every piece of listing text is escaped: listing text is written by criminals and the
report is opened in a browser. No scripts, no external resources.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from wildtrace import __version__
from wildtrace.act.report_market import MarketSection, market_section
from wildtrace.extract.title import display_title
from wildtrace.workspace import Workspace

MAX_FLAGGED = 500
SNIPPET = 400

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;color:#1d2327;
padding:0 1rem}
h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #ccd;padding-bottom:.2rem}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #e3e6ea;padding:.3rem .5rem;
text-align:left;vertical-align:top}th{background:#f3f5f7}
.num{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;gap:1rem;flex-wrap:wrap}
.card{border:1px solid #d9dde1;border-radius:6px;padding:.7rem 1rem;
min-width:9rem}.card b{display:block;font-size:1.5rem}.app-I{color:#b00020;font-weight:bold}
.app-II{color:#a05a00;font-weight:bold}.app-III{color:#3b5b00}.flag{display:inline-block;background:#eef;
border-radius:3px;padding:0 .3rem;margin:0 .2rem .2rem 0;font-size:.85em}.muted{color:#667}
.bar{background:#5b7db1;height:.8rem;display:inline-block}
"""


def _cell(value: object) -> str:
    return escape("" if value is None else str(value))


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET else text[:SNIPPET] + "…"


def _counts_section(ws: Workspace, rows: list[dict[str, object]]) -> str:
    total = ws.store.count_listings()
    relevant = sum(1 for r in rows if r["relevant"])
    appendix = Counter(str(r["cites"]) for r in rows if r["relevant"] and r["cites"])
    sources = Counter(str(r["source"]) for r in rows)
    cards = [("listings", total), ("assessed", len(rows)), ("flagged relevant", relevant)]
    cards += [(f"Appendix {k}", appendix[k]) for k in ("I", "II", "III")]
    html = ['<div class="cards">']
    html += [f'<div class="card"><b>{v:,}</b>{escape(k)}</div>' for k, v in cards]
    html.append("</div>")
    if sources:
        html.append("<h3>Sources</h3><table><tr><th>source</th><th class=num>assessed</th>"
                    "<th class=num>relevant</th></tr>")
        rel = Counter(str(r["source"]) for r in rows if r["relevant"])
        for src, n in sources.most_common(30):
            html.append(f"<tr><td>{_cell(src)}</td><td class=num>{n:,}</td>"
                        f"<td class=num>{rel[src]:,}</td></tr>")
        html.append("</table>")
    return "\n".join(html)


def _taxa_section(rows: list[dict[str, object]]) -> str:
    taxa: Counter[str] = Counter()
    appendix: dict[str, str] = {}
    for r in rows:
        if not r["relevant"]:
            continue
        for name in str(r["taxa"] or "").split(";"):
            if name:
                taxa[name] += 1
                appendix.setdefault(name, str(r["cites"] or ""))
    if not taxa:
        return "<p class=muted>No taxa identified among relevant listings.</p>"
    top = taxa.most_common(25)
    peak = top[0][1]
    html = ["<table><tr><th>taxon</th><th class=num>listings</th><th></th></tr>"]
    for name, n in top:
        width = max(1, int(200 * n / peak))
        html.append(f"<tr><td><i>{_cell(name)}</i></td><td class=num>{n:,}</td>"
                    f'<td><span class="bar" style="width:{width}px"></span></td></tr>')
    html.append("</table>")
    return "\n".join(html)


def _flagged_section(rows: list[dict[str, object]]) -> str:
    flagged = [r for r in rows if r["relevant"]][:MAX_FLAGGED]
    if not flagged:
        return "<p class=muted>No listing is flagged.</p>"
    html = ["<table><tr><th>#</th><th>listing</th><th>taxa</th><th>CITES</th>"
            "<th class=num>score</th><th>why</th></tr>"]
    for r in flagged:
        title = display_title(str(r["title"] or ""), str(r["description"] or ""), SNIPPET)
        reasons = json.loads(str(r["reasons"] or "[]"))
        flags = [f for f in str(r["flags"] or "").split(";") if f]
        cites = str(r["cites"] or "")
        why = "".join(f'<span class="flag">{_cell(f)}</span>' for f in flags)
        why += "<br>" + "<br>".join(_cell(x) for x in reasons[:6]) if reasons else ""
        src = _cell(r["source"])
        url = str(r["url"] or "")
        where = f'<div class=muted>{src} · {_cell(r["origin"])}</div>'
        if url:
            where = f'<div class=muted>{src} · {_cell(url)}</div>'
        html.append(
            f"<tr><td>{r['id']}</td><td>{_cell(_snippet(title))}{where}</td>"
            f"<td><i>{_cell(str(r['taxa'] or '').replace(';', ', '))}</i></td>"
            f'<td class="app-{escape(cites)}">{escape(cites)}</td>'
            f"<td class=num>{float(str(r['score'])):.2f}</td><td>{why}</td></tr>")
    html.append("</table>")
    return "\n".join(html)


def render(ws: Workspace, *, market: MarketSection | None = None,
           now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> str:
    """The report as one HTML document; the market section only with ``market``."""
    rows = ws.store.latest_assessments()
    errors = ws.store.errors(limit=20)
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        'style-src \'unsafe-inline\'; img-src data:">',
        f"<title>wildtrace report: {_cell(ws.root.name)}</title><style>{CSS}</style></head><body>",
        f"<h1>wildtrace report: {_cell(ws.root.name)}</h1>",
        f"<p class=muted>Generated {now().strftime('%Y-%m-%d %H:%M UTC')} by wildtrace "
        f"{escape(__version__)}. Scores are model estimates for triage, not findings; "
        "check each listing before acting.</p>",
        "<h2>Counts</h2>", _counts_section(ws, rows),
        "<h2>Top taxa among flagged listings</h2>", _taxa_section(rows),
        "<h2>Flagged listings</h2>", _flagged_section(rows),
    ]
    if market is not None:
        parts += ["<h2>Market</h2>", market_section(market)]
    if errors:
        parts.append("<h2>Recent input problems</h2><table><tr><th>where</th><th>reason</th></tr>")
        for e in errors:
            where = f"{e.file}:{e.row}" if e.row is not None else e.file
            parts.append(f"<tr><td>{_cell(where)}</td><td>{_cell(e.reason)}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(ws: Workspace, path: Path, *, market: MarketSection | None = None) -> Path:
    """Write the report to ``path`` atomically and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render(ws, market=market), encoding="utf-8")
    tmp.replace(path)
    return path
