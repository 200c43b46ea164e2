"""Publication charts of a period's market, written as PNG (300 dpi) and SVG files.

The charts an NGO puts in a briefing or a paper: listings per week or month as bars,
asking prices per taxon in one currency, listings per platform and per country. Each
has a title, its units on the axis, its n in the subtitle and a source line, so a chart
cut out of the report still says what it shows and where it came from.

Labels come from listings (platform and taxon names), so they are drawn as plain text:
mathtext is off (a ``$`` in a name would otherwise be parsed, and a crafted one can
make matplotlib fail), text is drawn as paths in the SVG (no text node to inject into),
and a name is shortened to :data:`LABEL_CHARS`. Drawn with matplotlib's Agg backend
from the ``[market]`` extra; the SVG carries no date so the same figures give the same
file.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wildtrace import numbers
from wildtrace.extras import require
from wildtrace.measure.plots import OTHER, PALETTE, stacked

LABEL_CHARS = 32
DPI = 300
SIZE = (7.2, 4.0)  # inches: a page-wide figure in most journals
STYLE: dict[str, Any] = {
    "text.parse_math": False, "svg.fonttype": "path", "svg.hashsalt": "wildtrace",
    "font.family": ["DejaVu Sans", "Noto Sans CJK JP", "Noto Sans CJK SC"],
    "font.size": 9, "axes.titlesize": 11, "axes.spines.top": False,
    "axes.spines.right": False, "axes.grid": True, "axes.grid.axis": "x",
    "grid.color": "#e3e3e3", "axes.axisbelow": True,
}


@dataclass(frozen=True)
class Chart:
    """One chart written to disk: what it shows and its two files."""

    name: str
    title: str
    subtitle: str
    png: Path
    svg: Path


def label(name: str) -> str:
    """A listing-supplied name as a chart label: one line, at most LABEL_CHARS."""
    name = " ".join(name.split()) or "(none)"
    return name if len(name) <= LABEL_CHARS else name[:LABEL_CHARS - 1] + "…"


@contextmanager
def _figure(title: str, subtitle: str, source: str) -> Iterator[tuple[Any, Any]]:
    mpl = require("matplotlib", "market", "market charts")
    mpl.use("Agg")
    import matplotlib.pyplot as plt

    with mpl.rc_context(STYLE), warnings.catch_warnings():
        # A name in a script no installed font covers draws as boxes, not an error.
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from")
        warnings.filterwarnings("ignore", message=r".*findfont.*")
        fig, ax = plt.subplots(figsize=SIZE)
        try:
            fig.text(0.01, 0.97, title, fontsize=12, fontweight="bold", va="top")
            fig.text(0.01, 0.91, subtitle, fontsize=9, color="#333", va="top")
            fig.text(0.01, 0.015, source, fontsize=7, color="#555")
            yield fig, ax
        finally:
            plt.close(fig)


def _save(fig: Any, stem: Path, name: str) -> tuple[Path, Path]:
    fig.tight_layout(rect=(0, 0.05, 1, 0.86))
    png, svg = (stem.with_name(f"{stem.name}-{name}.{ext}") for ext in ("png", "svg"))
    fig.savefig(png, dpi=DPI, format="png", metadata={"Software": "wildtrace"})
    fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": "wildtrace"})
    return png, svg


def volume_chart(stem: Path, *, periods: Sequence[str], series: dict[str, list[int]],
                 granularity: str, title: str, subtitle: str, source: str) -> Chart:
    """Listings per period as bars stacked by platform (one bar per period, empty
    periods kept as gaps on the axis)."""
    with _figure(title, subtitle, source) as (fig, ax):
        from matplotlib.ticker import FuncFormatter, MaxNLocator

        xs = list(range(len(periods)))
        base = [0] * len(periods)
        for k, (name, values) in enumerate(stacked(series)):
            colour = PALETTE[-1] if name == OTHER else PALETTE[k % len(PALETTE)]
            ax.bar(xs, values, bottom=base, width=0.8, color=colour, label=label(name))
            base = [b + v for b, v in zip(base, values, strict=True)]
        step = max(1, len(periods) // 14)
        ax.set_xticks(xs[::step], [str(p) for p in periods[::step]], rotation=45,
                      ha="right", fontsize=7)
        ax.set_xlim(-0.6, max(len(periods) - 0.4, 0.6))
        ax.grid(axis="y", color="#e3e3e3")
        ax.grid(axis="x", visible=False)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: numbers.compact(v)))
        ax.set_ylabel(f"listings per {granularity}")
        if series:
            ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
        png, svg = _save(fig, stem, "volume")
    return Chart("volume", title, subtitle, png, svg)


def price_chart(stem: Path, *, rows: Sequence[dict[str, Any]], currency: str, title: str,
                subtitle: str, source: str, limit: int = 12) -> Chart:
    """Asking prices per taxon: the range (min to max) as a line, the middle half
    (p25 to p75, from 4 prices up) as a box, the median as a dot; log scale when the
    prices span more than two orders of magnitude."""
    shown = list(rows[:limit])[::-1]  # most prices at the top
    with _figure(title, subtitle, source) as (fig, ax):
        for i, r in enumerate(shown):
            ax.hlines(i, r["min"], r["max"], color="#8a8a8a", linewidth=1)
            if r.get("p25") is not None and r.get("p75") is not None:
                ax.barh(i, r["p75"] - r["p25"], left=r["p25"], height=0.5,
                        color=PALETTE[0], alpha=0.55)
            ax.plot([r["median"]], [i], "o", color=PALETTE[1], markersize=4)
        ax.set_yticks(range(len(shown)),
                      [f"{label(str(r['taxon']))} (n={numbers.count(int(r['n']))})"
                       for r in shown], fontsize=7)
        low = min((float(r["min"]) for r in shown), default=1.0)
        high = max((float(r["max"]) for r in shown), default=1.0)
        if low > 0 and high / low > 100:
            ax.set_xscale("log")
        from matplotlib.ticker import FuncFormatter

        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: numbers.compact(v)))
        ax.set_xlabel(f"asking price ({currency}; line: min–max, box: middle half, "
                      "dot: median)")
        png, svg = _save(fig, stem, "prices")
    return Chart("prices", title, subtitle, png, svg)


def ranking_chart(stem: Path, name: str, *, items: Sequence[tuple[str, int]], unit: str,
                  title: str, subtitle: str, source: str) -> Chart:
    """Counts per platform or country as horizontal bars, largest at the top, each
    bar labelled with its count."""
    shown = list(items)[::-1]
    with _figure(title, subtitle, source) as (fig, ax):
        ys = list(range(len(shown)))
        ax.barh(ys, [n for _, n in shown], color=PALETTE[0], height=0.7)
        ax.set_yticks(ys, [label(k) for k, _ in shown], fontsize=7)
        peak = max((n for _, n in shown), default=1)
        for y, (_, n) in zip(ys, shown, strict=True):
            ax.text(n + peak * 0.01, y, numbers.count(n), va="center", fontsize=7)
        ax.set_xlim(0, peak * 1.12 or 1)
        from matplotlib.ticker import FuncFormatter, MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: numbers.compact(v)))
        ax.set_xlabel(unit)
        png, svg = _save(fig, stem, name)
    return Chart(name, title, subtitle, png, svg)
