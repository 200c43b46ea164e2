"""Market measures: which listings count, their prices in one currency, and the summary
that ``wildtrace market``, the report and the dashboard all show.

* **Counted listings**: only relevant listings count once any listing has been assessed
  (otherwise all do). Every market figure (volume, prices, countries) counts these.
* **Dates**: a listing's date is the date it was *posted*. One that says nothing of when
  it was posted (most imports of tweets, many scraped pages) is *undated*: it is left out
  of every time series and counted apart, never given the day it was imported, which
  drew a surge on the import date.
* **Prices** in one currency (the bundled dated rates: the posting year's rate, else the
  rate of the year the listing was collected), with distributions per taxon, product or
  platform. Prices in a currency without a bundled rate (or with none named) are listed
  apart per currency, never drawn on the same axis as converted ones.
* **Volume** and **changes**: see :mod:`wildtrace.measure.volume`.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from wildtrace.measure.distribution import distribution
from wildtrace.measure.rates import convert
from wildtrace.measure.seller_histories import parse_day
from wildtrace.measure.volume import Change, changes, interpret, periods_of, volume
from wildtrace.store import Store
from wildtrace.store.market import MarketListing

UNIDENTIFIED = "(unidentified)"  # the group of prices without a taxon, product or platform
NO_CURRENCY = "(none)"  # the currency key of prices posted without one


@dataclass(frozen=True)
class MarketRow:
    """One listing as the market measures see it."""

    listing_id: int
    day: str  # ISO date it was posted, or "" when unknown (never the import date)
    platform: str
    language: str
    taxon: str  # first (most specific) taxon, or ""
    product: str
    price: float | None
    currency: str
    price_converted: float | None
    target_currency: str
    rate_year: int | None


def counted_listings(store: Store) -> list[MarketListing]:
    """The listings the market figures count: the relevant ones once any listing has
    been assessed, else every one."""
    return list(store.market.listings(relevant_only=store.market.any_assessed()))


def market_rows(listings: Iterable[MarketListing], products: Mapping[int, str],
                target: str = "EUR") -> Iterator[MarketRow]:
    """Each listing with its posting date, first taxon, product and price in ``target``
    (at the average rate of the year it was posted, else of the year it was collected:
    the price was on offer then at the latest)."""
    for x in listings:
        posted = parse_day(x.posted)
        seen = posted or parse_day(x.created_at)
        currency = x.currency.upper()
        conv = None
        if x.price is not None and currency and seen is not None:
            conv = convert(x.price, currency, seen.year, target)
        taxa = [t for t in x.taxa.split(";") if t]
        yield MarketRow(
            listing_id=x.listing_id, day=posted.isoformat() if posted else "",
            platform=x.platform, language=x.language, taxon=taxa[0] if taxa else "",
            product=products.get(x.listing_id, ""), price=x.price, currency=currency,
            price_converted=round(conv.amount, 2) if conv else None,
            target_currency=target.upper(), rate_year=conv.rate_year if conv else None)


def price_distributions(rows: Iterable[MarketRow], by: str = "taxon") -> list[dict[str, Any]]:
    """The distribution of converted prices per taxon, product or platform (only keys
    with prices), most prices first (see :func:`wildtrace.measure.distribution.distribution`:
    quartiles stay inside the data and are left out under four prices)."""
    groups: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        if r.price_converted is not None and r.price_converted > 0:
            groups[getattr(r, by) or UNIDENTIFIED].append(r.price_converted)
    return [{by: key, **distribution(vals)}
            for key, vals in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))]


def unconverted_prices(rows: Iterable[MarketRow]) -> list[dict[str, Any]]:
    """Prices that could not be converted, per currency as posted (``(none)`` when no
    currency was given), most first: listed apart, in their own currency."""
    groups: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        if r.price is not None and r.price_converted is None:
            groups[r.currency or NO_CURRENCY].append(r.price)
    out = []
    for code, vals in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        vals.sort()
        out.append({"currency": code, "n": len(vals), "min": vals[0],
                    "median": round(statistics.median(vals), 2), "max": vals[-1]})
    return out


@dataclass(frozen=True)
class MarketSummary:
    """Everything ``wildtrace market --json`` prints and the report's market section
    shows: counts, price distributions, volume per period, change points and notes.

    ``undated`` listings are counted in ``listings`` but in no period; ``unconverted``
    prices are counted in no distribution and listed per currency in ``unconverted_by``.
    """

    listings: int
    currency: str
    period: str
    priced: int
    unconverted: int  # priced in a currency without a bundled rate, or in none
    prices_by_taxon: list[dict[str, Any]]
    prices_by_product: list[dict[str, Any]]
    volume: dict[str, dict[str, list[int]]]
    changes: tuple[Change, ...] = ()
    notes: tuple[dict[str, str], ...] = ()
    undated: int = 0
    unconverted_by: tuple[dict[str, Any], ...] = ()
    # Listings per product form and per seller role ({"form": {...}, "role": {...}};
    # "" counts those no cue placed), filled by the application layer.
    value_chain: Mapping[str, Mapping[str, int]] | None = None

    @property
    def periods(self) -> list[str]:
        """The period labels the volume series are aligned on."""
        return periods_of(self.volume)

    @property
    def dated(self) -> int:
        """Listings with a posting date: those the volume series count."""
        return self.listings - self.undated

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``wildtrace market --json``."""
        return {"listings": self.listings, "dated": self.dated, "undated": self.undated,
                "currency": self.currency, "period": self.period,
                "priced": self.priced, "unconverted": self.unconverted,
                "unconverted_by_currency": list(self.unconverted_by),
                "prices_by_taxon": self.prices_by_taxon,
                "prices_by_product": self.prices_by_product, "volume": self.volume,
                "changes": [c.as_dict() for c in self.changes], "notes": list(self.notes),
                "value_chain": {k: dict(v) for k, v in (self.value_chain or {}).items()}}


def summarise(rows: Sequence[MarketRow], target: str = "EUR",
              period: str = "month") -> MarketSummary:
    """The market summary of ``rows`` (see :class:`MarketSummary`)."""
    vol = volume(rows, period)
    found = changes(vol)
    unconverted = unconverted_prices(rows)
    return MarketSummary(
        listings=len(rows), currency=target.upper(), period=period,
        priced=sum(1 for r in rows if r.price_converted is not None),
        unconverted=sum(u["n"] for u in unconverted),
        prices_by_taxon=price_distributions(rows, "taxon"),
        prices_by_product=price_distributions(rows, "product"),
        volume=vol, changes=tuple(found), notes=tuple(interpret(found, periods_of(vol))),
        undated=sum(1 for r in rows if not r.day), unconverted_by=tuple(unconverted))
