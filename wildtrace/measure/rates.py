"""Prices in one currency, with the bundled table of dated exchange rates.

``data/exchange_rates.csv`` holds annual averages of the ECB's euro reference rates
(units of each currency per euro), computed from the ECB's daily file by
:mod:`wildtrace.measure.ecb`. A price posted in year *y* is converted at year *y*'s
rate — the price a buyer saw, not today's value. Years outside the table use the nearest
year in it, and the conversion says so.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

RATES_FILE = "exchange_rates.csv"


@dataclass(frozen=True)
class Conversion:
    """A converted amount and the rate year used."""

    amount: float
    currency: str
    rate_year: int
    exact_year: bool


@lru_cache(maxsize=1)
def rate_table() -> dict[str, dict[int, float]]:
    """``currency → {year: units per EUR}`` from the bundled file."""
    table: dict[str, dict[int, float]] = {}
    text = resources.files("wildtrace.measure").joinpath("data", RATES_FILE).read_text(
        encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    for row in csv.DictReader(lines):
        table.setdefault(row["currency"].upper(), {})[int(row["year"])] = float(row["per_eur"])
    return table


def currencies() -> list[str]:
    """Currencies the bundled table can convert."""
    return sorted(rate_table())


@lru_cache(maxsize=4096)
def _rate(currency: str, year: int) -> tuple[float, int] | None:
    years = rate_table().get(currency.upper())
    if not years:
        return None
    use = year if year in years else min(years, key=lambda y: (abs(y - year), -y))
    return years[use], use


def convert(amount: float, currency: str, year: int, target: str = "EUR") -> Conversion | None:
    """``amount`` of ``currency`` in ``target`` at year ``year``'s average rate; None when
    either currency is not in the table."""
    src = _rate(currency, year)
    dst = _rate(target, year)
    if src is None or dst is None:
        return None
    value = amount / src[0] * dst[0]
    return Conversion(value, target.upper(), src[1], src[1] == year and dst[1] == year)
