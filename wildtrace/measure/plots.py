"""Charts of the market: inline SVG for the self-contained report, PNG/SVG files.

The inline charts are drawn here as plain SVG so that the HTML report stays one file
with no scripts; every label passes through :func:`html.escape` because platform and
taxon names come from listings. Files (``wildtrace market --plot``) use matplotlib from
the ``[market]`` extra.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from wildtrace.errors import InputError
from wildtrace.extras import require

PALETTE = ("#1b6ca8", "#d1495b", "#2e933c", "#edae49", "#66a182", "#8d6a9f", "#00798c",
           "#30638e")


def line_svg(periods: list[str], series: dict[str, list[int]], *, title: str,
             marks: dict[str, list[str]] | None = None, width: int = 640,
             height: int = 220, max_series: int = 8) -> str:
    """A line chart of count ``series`` over ``periods`` as an ``<svg>`` element.

    ``marks`` maps a series name to the periods where it changed (dashed lines).
    """
    if not periods or not series:
        return ""
    top = sorted(series.items(), key=lambda kv: -sum(kv[1]))[:max_series]
    left, right, up, down = 40, 150, 24, 28
    w, h = width - left - right, height - up - down
    ymax = max(1, max(max(v) for _, v in top))
    n = len(periods)

    def x(i: int) -> float:
        return left + (w * i / (n - 1) if n > 1 else w / 2)

    def y(v: float) -> float:
        return up + h - h * v / ymax

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
             f'<title>{escape(title)}</title>',
             f'<text x="{left}" y="14" font-size="12" font-weight="bold">{escape(title)}</text>',
             f'<line x1="{left}" y1="{up + h}" x2="{left + w}" y2="{up + h}" stroke="#999"/>',
             f'<line x1="{left}" y1="{up}" x2="{left}" y2="{up + h}" stroke="#999"/>',
             f'<text x="{left - 4}" y="{up + 4}" font-size="10" text-anchor="end">{ymax}</text>',
             f'<text x="{left - 4}" y="{up + h}" font-size="10" text-anchor="end">0</text>',
             f'<text x="{left}" y="{height - 8}" font-size="10">{escape(periods[0])}</text>',
             f'<text x="{left + w}" y="{height - 8}" font-size="10" text-anchor="end">'
             f'{escape(periods[-1])}</text>']
    index = {p: i for i, p in enumerate(periods)}
    for k, (name, values) in enumerate(top):
        colour = PALETTE[k % len(PALETTE)]
        pts = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" '
                     f'points="{pts}"><title>{escape(name)}</title></polyline>')
        for period in (marks or {}).get(name, []):
            if period in index:
                xi = x(index[period])
                parts.append(f'<line x1="{xi:.1f}" y1="{up}" x2="{xi:.1f}" y2="{up + h}" '
                             f'stroke="{colour}" stroke-dasharray="3,3"/>')
        ly = up + 12 + 14 * k
        parts.append(f'<rect x="{left + w + 10}" y="{ly - 8}" width="10" height="3" '
                     f'fill="{colour}"/><text x="{left + w + 24}" y="{ly}" font-size="10">'
                     f'{escape(name[:22])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def save_plot(summary: dict[str, Any], path: Path, dimension: str = "platform") -> Path:
    """Write the volume chart of ``dimension`` (with change points) as PNG or SVG."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise InputError(f"cannot plot to {path.name!r}", hint="use a .png or .svg file name")
    mpl = require("matplotlib", "market", "market charts")
    mpl.use("Agg")
    import matplotlib.pyplot as plt

    vol = summary["volume"]
    periods = vol["all"].get("periods", [])
    series = vol.get(dimension, {})
    fig, ax = plt.subplots(figsize=(9, 4))
    try:
        for name, values in sorted(series.items(), key=lambda kv: -sum(kv[1]))[:8]:
            ax.plot(range(len(periods)), values, label=name[:30])
        for ch in summary["changes"]:
            if ch["dimension"] == dimension and ch["period"] in periods:
                ax.axvline(periods.index(ch["period"]), linestyle="--", linewidth=0.8,
                           color="grey")
        step = max(1, len(periods) // 12)
        ax.set_xticks(range(0, len(periods), step))
        ax.set_xticklabels(periods[::step], rotation=45, ha="right", fontsize=8)
        ax.set_ylabel(f"listings per {summary['period']}")
        ax.set_title(f"Volume by {dimension} (dashed: change points)")
        if series:
            ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(path, format=fmt)
    finally:
        plt.close(fig)
    return path
