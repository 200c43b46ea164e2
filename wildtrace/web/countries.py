"""Countries for the offline map: a coarse centroid table and a location matcher.

``data/countries.csv`` holds one row per country (ISO 3166 alpha-2 code, English name,
approximate centroid, and other names or major cities that point to it). Free-text
listing locations ("Hà Nội", "Lagos, NG", "广州 Guangdong") are matched against those
names; unmatched locations are counted as unknown.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

TABLE = Path(__file__).parent / "data" / "countries.csv"


@dataclass(frozen=True, slots=True)
class Country:
    """A country and its approximate centroid."""

    iso2: str
    name: str
    lat: float
    lon: float


@lru_cache(maxsize=1)
def countries() -> tuple[Country, ...]:
    """Every country of the bundled table."""
    with TABLE.open(encoding="utf-8") as fh:
        return tuple(Country(r["iso2"], r["name"], float(r["lat"]), float(r["lon"]))
                     for r in csv.DictReader(fh))


@lru_cache(maxsize=1)
def _names() -> tuple[tuple[str, Country], ...]:
    by_code = {c.iso2: c for c in countries()}
    pairs: list[tuple[str, Country]] = []
    with TABLE.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            c = by_code[r["iso2"]]
            for name in [r["name"], *[a for a in (r["aliases"] or "").split(";") if a]]:
                pairs.append((name.casefold(), c))
    # Longest names first, so "South Sudan" wins over "Sudan".
    return tuple(sorted(pairs, key=lambda p: -len(p[0])))


@lru_cache(maxsize=65536)
def country_of(location: str) -> Country | None:
    """The country a free-text location names, if any."""
    text = location.casefold().strip()
    if not text:
        return None
    for name, country in _names():
        if name.isascii():
            if re.search(r"(?<![\w])" + re.escape(name) + r"(?![\w])", text):
                return country
        elif name in text:
            return country
    # A bare trailing ISO code ("Lagos, NG").
    tail = re.split(r"[\s,;/]+", location.strip())[-1]
    if len(tail) == 2 and tail.isupper():
        return next((c for c in countries() if c.iso2 == tail), None)
    return None
