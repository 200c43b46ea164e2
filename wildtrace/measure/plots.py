"""Charts of the market: inline SVG for the self-contained report, PNG/SVG files.

Counts per period are drawn as **bars** stacked by group, one bar per period: a count
belongs to its period, not to a line between two periods, and a workspace with a single
month still shows its one bar (a line through one point draws nothing). Undated listings
have no bar; the charts say how many were left out. Axes have round ticks and labels are
formatted by :mod:`wildtrace.numbers`.

The inline charts are drawn here as plain SVG so that the HTML report stays one file
with no scripts; every label passes through :func:`html.escape` because platform and
taxon names come from listings. Files (``wildtrace market --plot``) use matplotlib from
the ``[market]`` extra.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from wildtrace import numbers
from wildtrace.errors import InputError
from wildtrace.extras import require

PALETTE = ("#1b6ca8", "#d1495b", "#2e933c", "#edae49", "#66a182", "#8d6a9f", "#00798c",
           "#30638e", "#9a9a9a")
OTHER = "other"


def stacked(series: dict[str, list[int]], max_series: int = 8) -> list[tuple[str, list[int]]]:
    """The ``max_series`` largest series, most first, and the rest summed as ``other``."""
    ranked = sorted(series.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
    top, rest = ranked[:max_series], ranked[max_series:]
    if rest:
        top.append((OTHER, [sum(col) for col in zip(*(v for _, v in rest), strict=True)]))
    return top


def undated_note(undated: int) -> str:
    """The sentence under a time chart about listings without a posting date."""
    if not undated:
        return ""
    return (f"{numbers.count(undated)} listing{'s' if undated != 1 else ''} without a "
            "posting date not drawn.")


def bar_svg(periods: list[str], series: dict[str, list[int]], *, title: str,
            marks: dict[str, list[str]] | None = None, undated: int = 0, width: int = 640,
            height: int = 240, max_series: int = 8) -> str:
    """Count ``series`` over ``periods`` as stacked bars in an ``<svg>`` element.

    ``marks`` maps a series name to the periods where it changed (dashed lines at the
    bar's left edge); ``undated`` listings are named in a note under the axis.
    """
    if not periods or not series:
        return ""
    groups = stacked(series, max_series)
    left, right, up, down = 44, 150, 24, 44
    w, h = width - left - right, height - up - down
    totals = [sum(v[i] for _, v in groups) for i in range(len(periods))]
    ticks = numbers.nice_ticks(max(totals) or 1)
    ymax = ticks[-1]
    slot = w / len(periods)
    bar = max(1.0, slot * 0.8)

    def y(v: float) -> float:
        return up + h - h * v / ymax

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
             f'<title>{escape(title)}</title>',
             f'<text x="{left}" y="14" font-size="12" font-weight="bold">{escape(title)}</text>']
    for t in ticks:
        parts.append(f'<line x1="{left}" y1="{y(t):.1f}" x2="{left + w}" y2="{y(t):.1f}" '
                     f'stroke="#e3e3e3"/><text x="{left - 4}" y="{y(t) + 3:.1f}" '
                     f'font-size="10" text-anchor="end">{numbers.compact(t)}</text>')
    every = max(1, len(periods) // 8)
    for i, period in enumerate(periods):
        x0 = left + slot * i + (slot - bar) / 2
        base = 0
        for k, (name, values) in enumerate(groups):
            v = values[i]
            if v:
                colour = PALETTE[k % len(PALETTE)] if name != OTHER else PALETTE[-1]
                parts.append(f'<rect x="{x0:.1f}" y="{y(base + v):.1f}" width="{bar:.1f}" '
                             f'height="{y(base) - y(base + v):.1f}" fill="{colour}"><title>'
                             f'{escape(name)} {escape(period)}: {numbers.count(v)}</title></rect>')
            base += v
        if i % every == 0:
            parts.append(f'<text x="{left + slot * (i + 0.5):.1f}" y="{up + h + 14}" '
                         f'font-size="10" text-anchor="middle">{escape(period)}</text>')
    index = {p: i for i, p in enumerate(periods)}
    for k, (name, _) in enumerate(groups):
        colour = PALETTE[k % len(PALETTE)] if name != OTHER else PALETTE[-1]
        for period in (marks or {}).get(name, []):
            if period in index:
                xi = left + slot * index[period]
                parts.append(f'<line x1="{xi:.1f}" y1="{up}" x2="{xi:.1f}" y2="{up + h}" '
                             f'stroke="{colour}" stroke-dasharray="3,3"/>')
        ly = up + 12 + 14 * k
        parts.append(f'<rect x="{left + w + 10}" y="{ly - 8}" width="10" height="10" '
                     f'fill="{colour}"/><text x="{left + w + 24}" y="{ly + 1}" font-size="10">'
                     f'{escape(name[:22])}</text>')
    note = undated_note(undated)
    if note:
        parts.append(f'<text x="{left}" y="{height - 6}" font-size="10" fill="#555">'
                     f'{escape(note)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def save_plot(summary: dict[str, Any], path: Path, dimension: str = "platform") -> Path:
    """Write the volume chart of ``dimension`` (stacked bars, change points dashed, the
    undated count in the caption) as PNG or SVG."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise InputError(f"cannot plot to {path.name!r}", hint="use a .png or .svg file name")
    mpl = require("matplotlib", "market", "market charts")
    mpl.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    vol = summary["volume"]
    periods = vol["all"].get("periods", [])
    groups = stacked(vol.get(dimension, {}))
    fig, ax = plt.subplots(figsize=(9, 4))
    try:
        xs = list(range(len(periods)))
        base = [0] * len(periods)
        for k, (name, values) in enumerate(groups):
            colour = PALETTE[k % len(PALETTE)] if name != OTHER else PALETTE[-1]
            ax.bar(xs, values, bottom=base, width=0.8, label=name[:30], color=colour)
            base = [b + v for b, v in zip(base, values, strict=True)]
        for ch in summary["changes"]:
            if ch["dimension"] == dimension and ch["period"] in periods:
                ax.axvline(periods.index(ch["period"]) - 0.5, linestyle="--", linewidth=0.8,
                           color="grey")
        step = max(1, len(periods) // 12)
        ax.set_xticks(xs[::step])
        ax.set_xticklabels(periods[::step], rotation=45, ha="right", fontsize=8)
        ax.set_xlim(-0.75, max(len(periods) - 0.25, 0.75))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: numbers.compact(v)))
        ax.set_ylabel(f"listings per {summary['period']}")
        ax.set_title(f"Volume by {dimension} (dashed: change points)")
        if not periods:
            # Axes alone would read as "no trade": say why there is nothing to draw.
            ax.set_yticks([])
            ax.text(0.5, 0.5, "No dated listings", transform=ax.transAxes, ha="center",
                    va="center", fontsize=12, color="#555")
        note = undated_note(int(summary.get("undated", 0)))
        if note:
            fig.text(0.01, 0.01, note, fontsize=8, color="#555")
        if groups:
            ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
        fig.tight_layout(rect=(0, 0.03, 1, 1))
        fig.savefig(path, format=fmt)
    finally:
        plt.close(fig)
    return path
