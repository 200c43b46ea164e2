"""The market: prices in one currency, volume over time and where it changed.

One read model for every face: ``wildtrace market`` prints it, the report draws it, the
``prices`` and ``volume`` exports write it, and the dashboard's volume and prices are cut
from the same rows (:mod:`wildtrace.app.dashboard`). The listings counted are the market
stage's (:func:`wildtrace.measure.market.counted_listings`: the relevant ones once any listing
has been assessed).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from wildtrace.app.valuechain import position_counts
from wildtrace.errors import InputError
from wildtrace.measure.market import (
    MarketRow,
    MarketSummary,
    counted_listings,
    market_rows,
    summarise,
)
from wildtrace.measure.rates import currencies
from wildtrace.store import Store
from wildtrace.store.market import MarketListing

DEFAULT_CURRENCY = "EUR"
PERIODS = ("month", "week")


def known_currencies() -> list[str]:
    """The currencies prices can be converted to (those of the bundled rates)."""
    return currencies()


def check_currency(currency: str) -> str:
    """``currency`` upper-cased, when the bundled rates can convert to it; else
    InputError naming those they can."""
    code = currency.upper()
    if code not in currencies():
        raise InputError(f"no bundled exchange rates for {currency!r}",
                         hint="known: " + ", ".join(currencies()))
    return code


def rows_of(store: Store, listings: list[MarketListing],
            currency: str = DEFAULT_CURRENCY) -> list[MarketRow]:
    """The market rows of already-counted ``listings`` (prices in ``currency``)."""
    code = check_currency(currency)
    return list(market_rows(listings, store.market.products(), code))


def price_rows(store: Store, currency: str = DEFAULT_CURRENCY) -> list[MarketRow]:
    """One row per counted listing: date, platform, language, taxon, product, and the
    price as posted and in ``currency`` (what the ``prices`` export writes)."""
    code = check_currency(currency)
    return rows_of(store, counted_listings(store), code)


def market_summary(store: Store, currency: str = DEFAULT_CURRENCY,
                   period: str = "month") -> MarketSummary:
    """Counts, price distributions per taxon and product, volume per ``period``
    (``month`` or ``week``) by platform, taxon and language, change points and notes."""
    code = check_currency(currency)
    if period not in PERIODS:
        raise InputError(f"unknown period {period!r}", hint="month or week")
    rows = price_rows(store, code)
    summary = summarise(rows, code, period)
    return replace(summary, value_chain=position_counts(store, [r.listing_id for r in rows]))


def write_plot(summary: MarketSummary, path: Path, dimension: str = "platform") -> Path:
    """Draw the volume chart of ``dimension`` (with change points) to a ``.png`` or
    ``.svg`` file, creating its folder; needs the ``[market]`` extra."""
    from wildtrace.measure.plots import save_plot

    path.parent.mkdir(parents=True, exist_ok=True)
    return save_plot(summary.as_dict(), path, dimension)
