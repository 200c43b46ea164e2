"""The bundled world map: Natural Earth shapes, projected, split at 180°, and drawn."""

from __future__ import annotations

import re

import pytest

from wildtrace.collect.countries import countries
from wildtrace.web import atlas, worldmap


def test_the_bundled_shapes_are_countries_inside_the_map() -> None:
    shapes = worldmap.shapes()
    assert len(shapes) > 170
    codes = [s[0] for s in shapes if s[0]]
    assert len(codes) == len(set(codes))  # one shape per country
    assert {"VN", "CN", "TH", "ID", "NG", "US", "BR", "RU", "FJ"} <= set(codes)
    assert "AQ" not in codes  # Antarctica left out
    top, bottom = atlas.band()
    for _, _, path in shapes:
        xy = [float(v) for v in re.findall(r"-?\d+\.\d", path)]
        assert all(0 <= x <= atlas.WIDTH for x in xy[0::2])
        assert all(top - 1 <= y <= bottom + 1 for y in xy[1::2])
    # Most countries of the country table have a shape; the rest are drawn as dots.
    table = {c.iso2 for c in countries()}
    assert len(table & set(codes)) > 0.8 * len(table)


def test_the_shapes_match_the_iso_codes_of_their_names() -> None:
    iso3166 = pytest.importorskip("iso3166")
    for code, name, _ in worldmap.shapes():
        if code and code != "XK":
            assert iso3166.countries_by_alpha2[code], name


def test_equal_earth_and_the_antimeridian() -> None:
    x0, _ = atlas.equal_earth(-180, 0)
    x1, _ = atlas.equal_earth(180, 0)
    assert (round(x0, 6), round(x1, 6)) == (0, atlas.WIDTH)
    _, north = atlas.equal_earth(0, 90)
    assert north == pytest.approx(0)
    # A ring across 180° becomes one ring either side, none spanning the map.
    ring = [(178.0, -16.0), (-179.0, -16.0), (-179.0, -17.0), (178.0, -17.0), (178.0, -16.0)]
    parts = atlas.split_antimeridian(ring)
    assert len(parts) == 2
    for part in parts:
        lons = [p[0] for p in part]
        assert max(lons) - min(lons) < 10
    assert atlas.split_antimeridian([(1.0, 1.0), (2.0, 1.0), (2.0, 2.0)]) == \
        [[(1.0, 1.0), (2.0, 1.0), (2.0, 2.0)]]


def test_choropleth_classes_legend_and_small_countries() -> None:
    assert worldmap.breaks(5) == [1, 2, 3, 4, 5]
    assert worldmap.breaks(4410) == [5, 29, 154, 823, 4410]
    assert worldmap.breaks(1) == [1] and worldmap.breaks(3) == [1, 2, 3]
    one = worldmap.choropleth([{"iso2": "VN", "name": "Vietnam", "lat": 14.1, "lon": 108.3,
                                "count": 1}])
    # One listing per country is shaded as the darkest class, not too pale to see.
    assert f'fill="{worldmap.CLASSES[-1]}" stroke="#fff" stroke-width="0.5"><title>Vietnam' in one
    assert ">1</text>" in one and ">2</text>" not in one  # the legend has one class
    rows = [{"iso2": "CN", "name": "China", "lat": 35.0, "lon": 103.0, "count": 300},
            {"iso2": "SG", "name": "Singapore", "lat": 1.35, "lon": 103.8, "count": 4}]
    svg = worldmap.choropleth(rows)
    darkest = worldmap.CLASSES[-1]
    assert f'fill="{darkest}" stroke="#fff" stroke-width="0.5"><title>China: 300 listings' in svg
    assert "<circle" in svg and "Singapore: 4 listings" in svg  # too small for a shape
    assert "97–300" in svg and "none</text>" in svg  # the legend
    empty = worldmap.choropleth([])
    assert "<circle" not in empty and "none</text>" not in empty
