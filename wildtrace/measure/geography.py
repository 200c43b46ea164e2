"""Where the market is: counted listings per country.

A listing's country is read by :func:`wildtrace.collect.countries.country_of` from its
free-text location, else its URL's country-code TLD. Listings whose country is unknown,
or is not in the country table (which gives each country its centroid for the map), are
counted apart, so the figures still add up to the listings counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from wildtrace.collect.countries import Country, country, country_of
from wildtrace.store.market import MarketListing


@dataclass(frozen=True, slots=True)
class CountryCount:
    """Listings counted in one country."""

    country: Country
    listings: int


@dataclass(frozen=True, slots=True)
class CountryFigures:
    """Listings per country, most first, and how many had no country we know."""

    countries: tuple[CountryCount, ...]
    unknown: int

    @property
    def total(self) -> int:
        """Every listing counted, known country or not."""
        return self.unknown + sum(c.listings for c in self.countries)


def listing_country(listing: MarketListing) -> Country | None:
    """The table's country of one listing, or None."""
    code = country_of(listing.url, location=listing.location)
    return country(code) if code else None


def by_country(listings: Iterable[MarketListing]) -> CountryFigures:
    """Counted listings per country (see the module's docstring)."""
    counts: Counter[str] = Counter()
    found: dict[str, Country] = {}
    unknown = 0
    for x in listings:
        c = listing_country(x)
        if c is None:
            unknown += 1
            continue
        counts[c.iso2] += 1
        found[c.iso2] = c
    return CountryFigures(
        countries=tuple(CountryCount(found[k], n) for k, n in counts.most_common()),
        unknown=unknown)
