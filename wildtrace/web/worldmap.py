"""The dashboard's map: a choropleth of listings per country, drawn as inline SVG.

Country shapes are the bundled Natural Earth copy (``data/world.tsv``, built by
:mod:`wildtrace.web.atlas`, already projected), so the map needs no JavaScript, no tiles
and no network. Each country is shaded by its class of listings (five classes on a
logarithmic scale, since a market is usually a few large countries and a long tail), and
a country too small for the 1:110m shapes (Singapore, Hong Kong) is drawn as a dot at its
centroid. Every name is escaped: the names are ours, but the counts' labels are built
from rows a caller passes in.
"""

from __future__ import annotations

import math
from functools import lru_cache
from html import escape
from importlib import resources
from typing import Any

from wildtrace import numbers
from wildtrace.web.atlas import WIDTH, band, equal_earth

# ColorBrewer "Reds" (5 classes), with a neutral fill for countries with no listings.
CLASSES = ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15")
EMPTY = "#e4e8ec"
WORLD_FILE = "world.tsv"


@lru_cache(maxsize=1)
def shapes() -> tuple[tuple[str, str, str], ...]:
    """``(iso2, name, path)`` of every bundled country shape."""
    text = resources.files("wildtrace.web").joinpath("data", WORLD_FILE).read_text(
        encoding="utf-8")
    rows = [ln.split("\t") for ln in text.splitlines() if ln and not ln.startswith("#")]
    return tuple((r[0], r[1], r[2]) for r in rows[1:])


def breaks(top: int) -> list[int]:
    """Upper bounds of up to five classes for counts up to ``top``, rising roughly
    geometrically, never repeating and never past ``top`` (``[1, 2, 3]`` for a top of 3,
    ``[5, 29, 154, 823, 4410]`` for 4,410)."""
    k = min(len(CLASSES), max(top, 1))
    out: list[int] = []
    for i in range(1, k + 1):
        out.append(max(round(top ** (i / k)), (out[-1] + 1) if out else 1))
    out[-1] = top
    return out


def colours(bounds: list[int]) -> tuple[str, ...]:
    """The fills of ``bounds``' classes: the darkest ones when there are fewer than five,
    so a map whose countries hold one listing each is not shaded too pale to see."""
    return CLASSES[len(CLASSES) - len(bounds):]


def _class_of(n: int, bounds: list[int]) -> int:
    return next(i for i, b in enumerate(bounds) if n <= b or i == len(bounds) - 1)


def _legend(bounds: list[int], y: float) -> list[str]:
    out = []
    low = 1
    for i, (colour, b) in enumerate(zip(colours(bounds), bounds, strict=True)):
        if low > b:
            continue
        x = 12 + 150 * i
        label = numbers.count(b) if low == b else f"{numbers.count(low)}–{numbers.count(b)}"
        out.append(f'<rect x="{x}" y="{y:.0f}" width="24" height="24" fill="{colour}" '
                   f'stroke="#999" stroke-width="0.5"/><text x="{x + 30}" y="{y + 19:.0f}" '
                   f'font-size="22">{label}</text>')
        low = b + 1
    x = 12 + 150 * len(bounds)
    out.append(f'<rect x="{x}" y="{y:.0f}" width="24" height="24" fill="{EMPTY}" '
               f'stroke="#999" stroke-width="0.5"/><text x="{x + 30}" y="{y + 19:.0f}" '
               f'font-size="22">none</text>')
    return out


def choropleth(rows: list[dict[str, Any]]) -> str:
    """Listings per country (``iso2``, ``name``, ``lat``, ``lon``, ``count``) as an
    ``<svg>`` choropleth with a legend."""
    counts = {str(r["iso2"]).upper(): r for r in rows if r["count"] > 0}
    top = max((int(r["count"]) for r in counts.values()), default=0)
    bounds = breaks(top) if top else []
    top_y, bottom_y = band()
    h = bottom_y - top_y
    out = [f'<svg class="chart map" viewBox="0 {top_y:.0f} {WIDTH:.0f} {h + 46:.0f}" '
           f'role="img" aria-label="listings by country">',
           f'<rect y="{top_y:.0f}" width="{WIDTH:.0f}" height="{h:.0f}" fill="#f7fbff"/>']
    drawn = set()
    for iso2, name, path in shapes():
        row = counts.get(iso2)
        if row is not None:
            n = int(row["count"])
            fill = colours(bounds)[_class_of(n, bounds)]
            label = f"{row['name']}: {numbers.count(n)} listing{'s' if n != 1 else ''}"
            drawn.add(iso2)
        else:
            fill, label = EMPTY, f"{name}: none"
        out.append(f'<path d="{path}" fill="{fill}" stroke="#fff" stroke-width="0.5">'
                   f'<title>{escape(label, quote=True)}</title></path>')
    for iso2, row in counts.items():
        if iso2 in drawn:
            continue
        n = int(row["count"])
        x, y = equal_earth(float(row["lon"]), float(row["lat"]))
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{3 + math.log10(n + 1):.1f}" '
                   f'fill="{colours(bounds)[_class_of(n, bounds)]}" stroke="#67000d" '
                   f'stroke-width="0.8"><title>{escape(str(row["name"]), quote=True)}: '
                   f'{numbers.count(n)} listing{"s" if n != 1 else ""}</title></circle>')
    if bounds:
        out.extend(_legend(bounds, bottom_y + 12))
    out.append("</svg>")
    return "".join(out)
