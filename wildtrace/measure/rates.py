"""Prices in one currency, with the bundled table of dated exchange rates.

``data/exchange_rates.csv`` holds annual averages of the ECB's euro reference rates
(units of each currency per euro), computed from the ECB's daily file by
:mod:`wildtrace.measure.ecb`. The currencies the ECB does not publish (VND, LAK, KHR,
MMK, NGN, KES, TWD and the others of the trade's regions) come from
``data/exchange_rates_more.csv``, annual means of dated daily snapshots built by
:mod:`wildtrace.measure.fxsnapshots`; where both tables have a currency the ECB's wins
(the two agree within 2 % on every currency they share, which a test checks). A price
posted in year *y* is converted at year *y*'s rate — the price a buyer saw, not today's
value. Years outside the table use the nearest year in it, and the conversion says so.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

RATES_FILE = "exchange_rates.csv"
MORE_RATES_FILE = "exchange_rates_more.csv"
SOURCES = {RATES_FILE: "ECB", MORE_RATES_FILE: "currency-api snapshots"}


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
    for name in (RATES_FILE, MORE_RATES_FILE):
        for cur, years in _read(name).items():
            table.setdefault(cur, years)  # the ECB's, read first, wins
    return table


@lru_cache(maxsize=4)
def _read(name: str) -> dict[str, dict[int, float]]:
    table: dict[str, dict[int, float]] = {}
    text = resources.files("wildtrace.measure").joinpath("data", name).read_text(
        encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    for row in csv.DictReader(lines):
        table.setdefault(row["currency"].upper(), {})[int(row["year"])] = float(row["per_eur"])
    return table


def source_of(currency: str) -> str:
    """Which bundled table ``currency``'s rates come from ("" when none has it)."""
    for name in (RATES_FILE, MORE_RATES_FILE):
        if currency.upper() in _read(name):
            return SOURCES[name]
    return ""


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
    # A currency known only for other years is crossed with the target at the year its
    # own rate is from: mixing two years' rates would add a year of drift.
    dst = _rate(target, src[1] if src is not None else year)
    if src is None or dst is None:
        return None
    value = amount / src[0] * dst[0]
    return Conversion(value, target.upper(), src[1], src[1] == year and dst[1] == year)
