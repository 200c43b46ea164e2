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

PALETTE = ("#1b7837", "#762a83", "#e08214", "#2166ac", "#b2182b", "#35978f", "#8c510a",
           "#4d4d4d", "#999999")


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def line_chart(points: list[dict[str, Any]], width: int = 720, height: int = 260) -> str:
    """Counts per period, one line per group, with a legend."""
    if not points:
        return '<p class="empty">No data yet.</p>'
    periods = sorted({p["period"] for p in points})
    series: dict[str, dict[str, int]] = defaultdict(dict)
    for p in points:
        series[p["group"]][p["period"]] = p["count"]
    top = max(p["count"] for p in points) or 1
    left, right, top_pad, bottom = 48, 170, 12, 40
    w, h = width - left - right, height - top_pad - bottom
    step = w / max(len(periods) - 1, 1)
    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="listings over time">']
    for i in range(5):
        y = top_pad + h - h * i / 4
        out.append(f'<line x1="{left}" x2="{left + w}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="#ddd"/><text x="{left - 6}" y="{y + 4:.1f}" font-size="10" '
                   f'text-anchor="end">{round(top * i / 4, 1):g}</text>')
    every = max(1, len(periods) // 8)
    for i, period in enumerate(periods):
        if i % every == 0:
            out.append(f'<text x="{left + i * step:.1f}" y="{height - 20}" font-size="10" '
                       f'text-anchor="middle">{_e(period)}</text>')
    for k, (group, values) in enumerate(sorted(series.items(),
                                               key=lambda kv: -sum(kv[1].values()))):
        colour = PALETTE[k % len(PALETTE)]
        pts = " ".join(f"{left + i * step:.1f},{top_pad + h - h * values.get(p, 0) / top:.1f}"
                       for i, p in enumerate(periods))
        out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                   f'points="{pts}"><title>{_e(group)}</title></polyline>')
        ly = top_pad + 14 * k + 6
        out.append(f'<rect x="{left + w + 12}" y="{ly - 8}" width="10" height="10" '
                   f'fill="{colour}"/><text x="{left + w + 26}" y="{ly + 1}" font-size="11">'
                   f'{_e(group[:22])}</text>')
    out.append("</svg>")
    return "".join(out)


def price_chart(rows: list[dict[str, Any]], width: int = 720) -> str:
    """Median and interquartile range of prices per platform and currency (log scale)."""
    rows = [r for r in rows if r["median"] > 0][:15]
    if not rows:
        return '<p class="empty">No prices yet.</p>'
    lo = math.log10(max(min(r["p25"] for r in rows), 0.01))
    hi = math.log10(max(r["p75"] for r in rows) * 1.1)
    hi = hi if hi > lo else lo + 1
    left, bar_w = 220, width - 260
    height = 24 * len(rows) + 30

    def x(v: float) -> float:
        return left + bar_w * (math.log10(max(v, 0.01)) - lo) / (hi - lo)

    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="prices">']
    for i, r in enumerate(rows):
        y = 14 + 24 * i
        out.append(f'<text x="{left - 8}" y="{y + 4}" font-size="11" text-anchor="end">'
                   f'{_e(r["group"][:24])} ({_e(r["currency"])}, n={r["n"]})</text>'
                   f'<line x1="{x(r["p25"]):.1f}" x2="{x(r["p75"]):.1f}" y1="{y}" y2="{y}" '
                   f'stroke="#2166ac" stroke-width="8"/>'
                   f'<circle cx="{x(r["median"]):.1f}" cy="{y}" r="5" fill="#b2182b">'
                   f'<title>median {r["median"]:.2f}</title></circle>'
                   f'<text x="{x(r["p75"]) + 8:.1f}" y="{y + 4}" font-size="10">'
                   f'{r["median"]:.0f}</text>')
    out.append("</svg>")
    return "".join(out)


def world_map(rows: list[dict[str, Any]], backdrop: list[dict[str, Any]] | None = None,
              width: int = 720, height: int = 360) -> str:
    """Listings per country as circles on an equirectangular grid, over small dots at
    the ``backdrop`` countries' centroids (each with ``name``, ``lat`` and ``lon``)."""

    def proj(lat: float, lon: float) -> tuple[float, float]:
        return (lon + 180) / 360 * width, (90 - lat) / 180 * height

    out = [f'<svg class="chart map" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="listings by country"><rect width="{width}" height="{height}" '
           f'fill="#eef4f8"/>']
    for lon in range(-180, 181, 30):
        x, _ = proj(0, lon)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="0" y2="{height}" stroke="#d5e1ea"/>')
    for lat in range(-60, 91, 30):
        _, y = proj(lat, 0)
        out.append(f'<line x1="0" x2="{width}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d5e1ea"/>')
    for c in backdrop or ():
        x, y = proj(c["lat"], c["lon"])
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="#b8c4cc">'
                   f'<title>{_e(c["name"])}</title></circle>')
    top = max((r["count"] for r in rows), default=1) or 1
    for r in rows:
        x, y = proj(r["lat"], r["lon"])
        radius = 3 + 22 * math.sqrt(r["count"] / top)
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="#b2182b" '
                   f'fill-opacity="0.55" stroke="#67001f"><title>{_e(r["name"])}: '
                   f'{r["count"]}</title></circle>')
        if radius > 8:
            out.append(f'<text x="{x:.1f}" y="{y + 4:.1f}" font-size="10" '
                       f'text-anchor="middle">{_e(r["iso2"])}</text>')
    out.append("</svg>")
    return "".join(out)


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
