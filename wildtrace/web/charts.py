"""Charts drawn on the server as inline SVG: no JavaScript library, no internet.

Every label comes from listing data, so every piece of text is XML-escaped here; the
templates insert the finished SVG as trusted markup. Colours are presentation
attributes (not ``style``), which the page CSP allows.
"""

from __future__ import annotations

import math
from collections import defaultdict
from html import escape
from typing import Any

import numpy as np

from wildtrace import numbers
from wildtrace.web.worldmap import choropleth

# Eight colours told apart, then grey for "other" (the groups beyond the eighth).
PALETTE = ("#1b7837", "#762a83", "#e08214", "#2166ac", "#b2182b", "#35978f", "#8c510a",
           "#4d4d4d", "#999999")


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def bar_chart(points: list[dict[str, Any]], undated: int = 0, width: int = 720,
              height: int = 280) -> str:
    """Counts per period as bars stacked by group, one bar per period, with a legend.

    A count belongs to its period, so it is a bar, not a point on a line: a single month
    still shows its bar, and two months far apart are not joined by a slope that looks
    like a trend. Listings without a posting date have no period; ``undated`` says how
    many were left out, under the axis.
    """
    note = (f'<p class="help">{numbers.count(undated)} listing{"s" if undated != 1 else ""} '
            'without a posting date are not drawn.</p>') if undated else ""
    if not points:
        return '<p class="empty">No dated listings yet.</p>' + note
    periods = sorted({p["period"] for p in points})
    col = {p: i for i, p in enumerate(periods)}
    series: dict[str, list[int]] = defaultdict(lambda: [0] * len(periods))
    for p in points:
        series[p["group"]][col[p["period"]]] += p["count"]
    groups = sorted(series.items(), key=lambda kv: (kv[0] == "other", -sum(kv[1]), kv[0]))
    totals = [sum(v[i] for _, v in groups) for i in range(len(periods))]
    ticks = numbers.nice_ticks(max(totals) or 1)
    left, right, top_pad, bottom = 48, 170, 12, 40
    w, h = width - left - right, height - top_pad - bottom
    slot = w / len(periods)
    bar = max(1.0, slot * 0.8)

    def y(v: float) -> float:
        return top_pad + h - h * v / ticks[-1]

    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="listings per period">']
    for t in ticks:
        out.append(f'<line x1="{left}" x2="{left + w}" y1="{y(t):.1f}" y2="{y(t):.1f}" '
                   f'stroke="#ddd"/><text x="{left - 6}" y="{y(t) + 4:.1f}" font-size="10" '
                   f'text-anchor="end">{numbers.compact(t)}</text>')
    every = max(1, len(periods) // 8)
    for i, period in enumerate(periods):
        x0 = left + slot * i + (slot - bar) / 2
        base = 0
        for k, (group, values) in enumerate(groups):
            v = values[i]
            if v:
                out.append(f'<rect class="bar" x="{x0:.1f}" y="{y(base + v):.1f}" '
                           f'width="{bar:.1f}" height="{y(base) - y(base + v):.1f}" '
                           f'fill="{_colour(k, group)}"><title>{_e(group)} {_e(period)}: '
                           f'{numbers.count(v)}</title></rect>')
            base += v
        if i % every == 0:
            out.append(f'<text x="{left + slot * (i + 0.5):.1f}" y="{height - 20}" '
                       f'font-size="10" text-anchor="middle">{_e(period)}</text>')
    for k, (group, values) in enumerate(groups):
        ly = top_pad + 14 * k + 6
        out.append(f'<rect x="{left + w + 12}" y="{ly - 8}" width="10" height="10" '
                   f'fill="{_colour(k, group)}"/><text x="{left + w + 26}" y="{ly + 1}" '
                   f'font-size="11">{_e(group[:22])} ({numbers.count(sum(values))})</text>')
    out.append("</svg>")
    return "".join(out) + note


def _colour(k: int, group: str) -> str:
    return PALETTE[-1] if group == "other" else PALETTE[k % (len(PALETTE) - 1)]


def price_chart(rows: list[dict[str, Any]], currency: str, width: int = 480) -> str:
    """Prices per platform in one ``currency`` on one log axis: the full range (min to
    max) as a thin line, the interquartile range as a bar where there are quartiles (4
    prices or more), the median as a dot, each labelled with its n and median."""
    rows = [r for r in rows if r["median"] > 0][:15]
    if not rows:
        return '<p class="empty">No prices yet.</p>'
    lo = math.log10(max(min(r["min"] for r in rows), 0.01))
    hi = math.log10(max(r["max"] for r in rows) * 1.1)
    hi = hi if hi > lo else lo + 1
    left, bar_w, row_h = 150, width - 240, 28
    height = row_h * len(rows) + 50

    def x(v: float) -> float:
        return left + bar_w * (math.log10(max(v, 0.01)) - lo) / (hi - lo)

    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="prices in {_e(currency)}">']
    for i, r in enumerate(rows):
        y = 16 + row_h * i
        spread = (f'min {numbers.amount(r["min"])}, median {numbers.amount(r["median"])}, '
                  f'max {numbers.amount(r["max"])}')
        if r.get("p25") is not None and r.get("p75") is not None:
            spread += f', quartiles {numbers.amount(r["p25"])}–{numbers.amount(r["p75"])}'
        out.append(f'<g><title>{_e(r["group"])}: {r["n"]} prices in {_e(currency)}: '
                   f'{_e(spread)}</title>'
                   f'<text x="{left - 8}" y="{y + 4}" font-size="12" text-anchor="end">'
                   f'{_e(r["group"][:16])} (n={numbers.count(r["n"])})</text>'
                   f'<line x1="{x(r["min"]):.1f}" x2="{x(r["max"]):.1f}" y1="{y}" y2="{y}" '
                   f'stroke="#6b8fb3" stroke-width="1.5"/>')
        if r.get("p25") is not None and r.get("p75") is not None:
            out.append(f'<line x1="{x(r["p25"]):.1f}" x2="{x(r["p75"]):.1f}" y1="{y}" '
                       f'y2="{y}" stroke="#2166ac" stroke-width="8"/>')
        out.append(f'<circle cx="{x(r["median"]):.1f}" cy="{y}" r="5" fill="#b2182b"/>'
                   f'<text x="{x(r["max"]) + 8:.1f}" y="{y + 4}" font-size="12">'
                   f'{numbers.money(r["median"], currency)}</text></g>')
    axis_y = row_h * len(rows) + 8
    for t in _log_ticks(lo, hi):
        out.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{axis_y - 4}" y2="{axis_y}" '
                   f'stroke="#999"/><text x="{x(t):.1f}" y="{axis_y + 14}" font-size="11" '
                   f'text-anchor="middle">{numbers.compact(t)}</text>')
    out.append(f'<line x1="{left}" x2="{left + bar_w}" y1="{axis_y}" y2="{axis_y}" '
               f'stroke="#999"/><text x="{left + bar_w / 2:.0f}" y="{axis_y + 32}" '
               f'font-size="11" text-anchor="middle">{_e(currency)} (log scale)</text></svg>')
    return "".join(out)


def _log_ticks(lo: float, hi: float) -> list[float]:
    """Round values (1, 2, 5 times a power of ten) between 10**lo and 10**hi: powers of
    ten alone when the prices span several, else the 2s and 5s too."""
    steps = (1,) if hi - lo > 2.5 else (1, 2, 5)
    return [m * 10.0 ** k for k in range(math.floor(lo), math.ceil(hi) + 1) for m in steps
            if lo <= math.log10(m * 10.0 ** k) <= hi]


def world_map(rows: list[dict[str, Any]]) -> str:
    """Listings per country as a choropleth of Natural Earth's country shapes (see
    :mod:`wildtrace.web.worldmap`)."""
    return choropleth(rows)


def network_chart(net: dict[str, list[Any]], width: int = 720, height: int = 480) -> str:
    """Sellers linked by shared identifiers, laid out by a small force simulation."""
    nodes, edges = net["nodes"], net["edges"]
    if not nodes:
        return '<p class="empty">No sellers share a contact identifier yet.</p>'
    index = {n["id"]: i for i, n in enumerate(nodes)}
    n = len(nodes)
    rng = np.random.default_rng(7)  # fixed seed: the same data draws the same picture
    pos = rng.uniform(-1, 1, size=(n, 2))
    pairs = np.array([(index[e["source"]], index[e["target"]]) for e in edges], dtype=int)
    k = 1.6 / math.sqrt(n)
    for step in range(120):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.linalg.norm(delta, axis=2) + 1e-6
        force = (delta / dist[..., None] * (k * k / dist)[..., None]).sum(axis=1)
        if len(pairs):
            d = pos[pairs[:, 0]] - pos[pairs[:, 1]]
            dl = np.linalg.norm(d, axis=1)[:, None] + 1e-6
            pull = d / dl * (dl * dl / k)
            np.add.at(force, pairs[:, 0], -pull)
            np.add.at(force, pairs[:, 1], pull)
        force -= pos * 0.05  # gentle gravity keeps components on screen
        length = np.linalg.norm(force, axis=1)[:, None] + 1e-9
        temp = 0.1 * (1 - step / 120)
        pos += force / length * np.minimum(length, temp)
    span = np.ptp(pos, axis=0)
    span[span == 0] = 1
    xy = (pos - pos.min(axis=0)) / span
    xy = xy * [width - 80, height - 60] + [40, 30]
    out = [f'<svg class="chart network" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="seller network">']
    for e in edges:
        a, b = xy[index[e["source"]]], xy[index[e["target"]]]
        out.append(f'<line x1="{a[0]:.1f}" y1="{a[1]:.1f}" x2="{b[0]:.1f}" y2="{b[1]:.1f}" '
                   f'stroke="#888" stroke-width="{min(1 + e["weight"], 5)}"><title>shared '
                   f'{_e(", ".join(e["via"]))}</title></line>')
    platforms = sorted({nd["platform"] for nd in nodes})
    for i, nd in enumerate(nodes):
        x, y = xy[i]
        colour = PALETTE[platforms.index(nd["platform"]) % len(PALETTE)]
        r = 4 + min(nd["listings"], 20) / 2
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{colour}">'
                   f'<title>{_e(nd["id"])} ({_e(nd["platform"])}, {nd["listings"]} '
                   f'listings)</title></circle>')
        if n <= 40:
            out.append(f'<text x="{x + r + 2:.1f}" y="{y + 4:.1f}" font-size="10">'
                       f'{_e(nd["id"][:20])}</text>')
    out.append("</svg>")
    return "".join(out)
