"""Build the bundled world map (``data/world.tsv``) from Natural Earth's country shapes.

The shapes come from the npm package ``world-atlas`` (ISC licence; its data is Natural
Earth's public-domain Admin 0 boundaries at 1:110m, as TopoJSON), fetched with the
ordinary client and converted here, once, by the project's own code::

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python -m wildtrace.web.atlas package/countries-110m.json

Each country becomes one row: its ISO 3166 alpha-2 code (from the ISO numeric id, with
the ``iso3166`` package of the ``dev`` extra), its name and an SVG path already projected
(Equal Earth, 1000 units wide) and simplified to half a unit, so the web app draws a
choropleth with no projection code, no tiles and no network. Antarctica is left out (no
market there, and it would take a fifth of the height).
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

OUT = Path(__file__).with_name("data") / "world.tsv"
WIDTH = 1000.0
SKIP = {"010"}  # Antarctica
NORTH, SOUTH = 84.0, -56.5  # the latitudes the remaining shapes reach
# Shapes Natural Earth draws without an ISO numeric id.
NO_ID = {"Kosovo": "XK", "N. Cyprus": "", "Somaliland": ""}
_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2
_XMAX = math.pi / (_M * _A1)  # x of (lon 180, lat 0) in Equal Earth's unit sphere


def equal_earth(lon: float, lat: float) -> tuple[float, float]:
    """Equal Earth coordinates (Šavrič, Patterson & Jenny 2018) scaled so the map is
    :data:`WIDTH` wide with the origin at its top-left corner."""
    lam, phi = math.radians(lon), math.radians(lat)
    theta = math.asin(_M * math.sin(phi))
    t2, t6 = theta * theta, theta ** 6
    x = lam * math.cos(theta) / (_M * (_A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2)))
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    scale = WIDTH / (2 * _XMAX)
    return (x + _XMAX) * scale, (equal_earth_top() - y) * scale


def equal_earth_top() -> float:
    """Equal Earth's y at the north pole, in unit-sphere units."""
    theta = math.pi / 3  # asin(sqrt(3)/2)
    t2, t6 = theta * theta, theta ** 6
    return theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))


def height() -> float:
    """The map's height for :data:`WIDTH` (the poles at the top and bottom edges)."""
    return 2 * equal_earth_top() * WIDTH / (2 * _XMAX)


def band() -> tuple[float, float]:
    """The y range the shapes use: from Greenland's north (84°N) to Tierra del Fuego
    (56°S), Antarctica being left out; the map is cropped to it."""
    return equal_earth(0, NORTH)[1], equal_earth(0, SOUTH)[1]


def _arcs(topo: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """TopoJSON's delta-encoded, quantised arcs as lon/lat points."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    out = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            pts.append((x * sx + tx, y * sy + ty))
        out.append(pts)
    return out


Point = tuple[float, float]


def _ring(indices: Sequence[int], arcs: list[list[Point]]) -> list[Point]:
    pts: list[Point] = []
    for i in indices:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        pts.extend(arc if not pts else arc[1:])  # each arc starts where the last ended
    return pts


def split_antimeridian(ring: list[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """A ring that crosses 180° (Russia's Chukotka, Fiji) as the two rings either side.

    TopoJSON rings jump from 179.9° to -179.9°; drawn flat, that jump is a line across
    the whole map. The ring is unwrapped to run continuously past 180°, then clamped to
    each side: clamping a polygon's longitude to a half-plane keeps exactly the area on
    that side, the rest folding into the edge with no area.
    """
    unwrapped: list[tuple[float, float]] = []
    shift = 0.0
    for lon, lat in ring:
        if unwrapped and abs(lon + shift - unwrapped[-1][0]) > 180:
            shift += 360 if unwrapped[-1][0] > lon + shift else -360
        unwrapped.append((lon + shift, lat))
    lons = [p[0] for p in unwrapped]
    if min(lons) >= -180 and max(lons) <= 180:
        return [ring]
    out = []
    for offset in (-360.0, 0.0, 360.0):
        moved = [(lon + offset, lat) for lon, lat in unwrapped]
        if any(-180 < lon < 180 for lon, _ in moved):
            out.append([(min(max(lon, -180.0), 180.0), lat) for lon, lat in moved])
    return out


def _polygons(geometry: dict[str, Any]) -> Iterator[list[list[int]]]:
    if geometry["type"] == "Polygon":
        yield geometry["arcs"]
    elif geometry["type"] == "MultiPolygon":
        yield from geometry["arcs"]


def path_of(rings: list[list[tuple[float, float]]], tolerance: float = 0.5) -> str:
    """An SVG path of projected rings, dropping points within ``tolerance`` of the last
    one kept and rings that shrink to under three points."""
    parts = []
    for ring in rings:
        kept: list[tuple[float, float]] = []
        for lon, lat in ring:
            x, y = equal_earth(lon, lat)
            if not kept or math.hypot(x - kept[-1][0], y - kept[-1][1]) >= tolerance:
                kept.append((x, y))
        if len(kept) >= 3:
            parts.append("M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in kept) + "Z")
    return "".join(parts)


def build(topo: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(iso2, name, path)`` of every country of a world-atlas topology."""
    import iso3166

    arcs = _arcs(topo)
    rows = []
    for g in topo["objects"]["countries"]["geometries"]:
        name = str(g.get("properties", {}).get("name", ""))
        code = str(g.get("id", ""))
        if code in SKIP:
            continue
        if code:
            iso2 = iso3166.countries_by_numeric[code].alpha2
        else:
            iso2 = NO_ID.get(name, "")
        rings = [part for poly in _polygons(g) for r in poly
                 for part in split_antimeridian(_ring(r, arcs))]
        path = path_of(rings)
        if path:
            rows.append((iso2, name, path))
    return sorted(rows, key=lambda r: (r[0] or "~", r[1]))


def main(argv: list[str] | None = None) -> None:
    """Write :data:`OUT` from a world-atlas ``countries-110m.json``."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("topojson", type=Path, help="world-atlas countries-110m.json")
    ap.add_argument("-o", "--output", type=Path, default=OUT)
    args = ap.parse_args(argv)
    rows = build(json.loads(args.topojson.read_text(encoding="utf-8")))
    lines = [f"# Natural Earth Admin 0 (1:110m, public domain) via world-atlas 2.0.2 (ISC); "
             f"Equal Earth, {WIDTH:g} x {height():.1f}; built by python -m wildtrace.web.atlas",
             "iso2\tname\tpath", *("\t".join(r) for r in rows)]
    args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(rows)} countries written to {args.output}")


if __name__ == "__main__":
    main()
