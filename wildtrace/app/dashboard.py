"""The dashboard's figures: volume over time, prices, listings by country, the seller
network.

None is computed here: volume and prices are cut from the market stage's rows (the same
counted listings, prices converted as ``wildtrace market`` converts them, undated
listings counted apart, unconvertible prices listed per currency), countries are the
market stage's geography of those listings, and the network is the link stage's account
network under the newest *stored* link run. So the dashboard, ``wildtrace market``,
``wildtrace sellers`` and the report show the same numbers.

The figures take seconds over a million listings and change only when data is added,
so a :class:`Dashboard` keeps each until the workspace's data moves on.
"""

from __future__ import annotations

import threading
import weakref
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from wildtrace.app.market import DEFAULT_CURRENCY, check_currency, rows_of
from wildtrace.app.valuechain import position_counts
from wildtrace.link.network import AccountNetwork, account_network
from wildtrace.link.sellers import link_inputs
from wildtrace.measure.geography import by_country
from wildtrace.measure.market import counted_listings, price_distributions, unconverted_prices
from wildtrace.measure.volume import periods_of, volume
from wildtrace.store import Store

GROUPINGS = ("platform", "taxon", "language")
MAX_GROUPS = 8  # lines a chart can tell apart; the rest are summed as "other"
MAX_PRICE_GROUPS = 30
NETWORK_LISTINGS = 2000  # the network is drawn from the top-scored counted listings
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class VolumePoint:
    """Listings counted in one period for one group."""

    period: str
    group: str
    count: int


@dataclass(frozen=True, slots=True)
class PriceBand:
    """The spread of one platform's prices, converted to ``currency``: quartiles only
    from four prices up (None below), so they always lie between ``min`` and ``max``."""

    group: str
    currency: str
    n: int
    median: float
    p25: float | None
    p75: float | None
    min: float
    max: float


@dataclass(frozen=True, slots=True)
class UnconvertedPrices:
    """Prices in one currency that the bundled rates cannot convert, in that currency
    (``(none)``: posted without a currency)."""

    currency: str
    n: int
    min: float
    median: float
    max: float


@dataclass(frozen=True, slots=True)
class MapCountry:
    """A country on the map: its centroid and the listings counted there."""

    iso2: str
    name: str
    lat: float
    lon: float
    count: int


@dataclass(frozen=True)
class MarketFigures:
    """Volume per month by platform, taxon and language (``undated`` listings, posted
    on no known day, left out); prices per platform in ``currency`` and those that could
    not be converted; listings per country (and how many had no country we know), all
    over the same listings."""

    listings: int
    volume: Mapping[str, tuple[VolumePoint, ...]]
    prices: tuple[PriceBand, ...]
    countries: tuple[MapCountry, ...]
    unknown_country: int
    currency: str = DEFAULT_CURRENCY
    undated: int = 0
    priced: int = 0
    unconverted: tuple[UnconvertedPrices, ...] = ()
    # Listings per product form and seller role ("" where no cue placed them).
    value_chain: Mapping[str, Mapping[str, int]] | None = None

    def counts(self) -> dict[str, Any]:
        """The totals behind the charts (the dashboard API's ``counts``)."""
        return {"listings": self.listings, "undated": self.undated,
                "dated": self.listings - self.undated, "currency": self.currency,
                "priced": self.priced,
                "unconverted": sum(u.n for u in self.unconverted),
                "unconverted_by_currency": [
                    {"currency": u.currency, "n": u.n, "min": u.min, "median": u.median,
                     "max": u.max} for u in self.unconverted],
                "unknown_country": self.unknown_country,
                "value_chain": {k: dict(v) for k, v in (self.value_chain or {}).items()}}


def _series(vol: dict[str, dict[str, list[int]]], by: str) -> tuple[VolumePoint, ...]:
    periods = periods_of(vol)
    series = vol.get(by, {})
    top = {k for k, _ in Counter({k: sum(v) for k, v in series.items()})
           .most_common(MAX_GROUPS)}
    merged: dict[tuple[str, str], int] = {}
    for key, counts in series.items():
        group = key if key in top else "other"
        for p, n in zip(periods, counts, strict=True):
            merged[(p, group)] = merged.get((p, group), 0) + n
    return tuple(VolumePoint(p, g, n) for (p, g), n in sorted(merged.items()))


def _opt(value: Any) -> float | None:
    # Under four prices the measure stage gives no quartiles: none are made up here.
    return None if value is None else float(value)


def market_figures(store: Store, currency: str = DEFAULT_CURRENCY) -> MarketFigures:
    """The market figures of the workspace (see :class:`MarketFigures`)."""
    code = check_currency(currency)
    listings = counted_listings(store)
    rows = rows_of(store, listings, code)
    vol = volume(rows, "month")
    prices = tuple(PriceBand(str(p["platform"]), code, int(p["n"]), float(p["median"]),
                             _opt(p["p25"]), _opt(p["p75"]), float(p["min"]),
                             float(p["max"]))
                   for p in price_distributions(rows, "platform")[:MAX_PRICE_GROUPS])
    geo = by_country(listings)
    return MarketFigures(
        listings=len(listings), volume={by: _series(vol, by) for by in GROUPINGS},
        prices=prices,
        countries=tuple(MapCountry(c.country.iso2, c.country.name, c.country.lat,
                                   c.country.lon, c.listings) for c in geo.countries),
        unknown_country=geo.unknown, currency=code,
        undated=sum(1 for r in rows if not r.day),
        priced=sum(1 for r in rows if r.price_converted is not None),
        unconverted=tuple(UnconvertedPrices(str(u["currency"]), int(u["n"]),
                                            float(u["min"]), float(u["median"]),
                                            float(u["max"]))
                          for u in unconverted_prices(rows)),
        value_chain=position_counts(store, [x.listing_id for x in listings]))


def seller_network(store: Store, max_listings: int = NETWORK_LISTINGS) -> AccountNetwork:
    """The accounts behind the top-scored counted listings that the newest stored link
    run resolved, joined as :mod:`wildtrace.link.network` joins them; empty, with no
    run id, while no link run exists."""
    run_id = store.link.latest_run()
    if run_id is None:
        return AccountNetwork(run_id=None, nodes=(), edges=())
    ids = store.market.top_listing_ids(max_listings,
                                       relevant_only=store.market.any_assessed())
    seller_of = store.link.members_of(run_id, ids)
    listings = store.listings_by_id(seller_of)
    return account_network(link_inputs(listings), seller_of,
                           store.link.links_touching(run_id, seller_of), run_id)


class Dashboard:
    """The figures of one workspace, each kept until its listings, assessments, matches
    or link runs move on (they are only ever added to)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._kept: dict[str, tuple[tuple[int, ...], Any]] = {}
        self._lock = threading.Lock()
        # One computation per figure at a time: twenty clients opening the dashboard
        # after new data must not start twenty minute-long computations.
        self._computing = {name: threading.Lock() for name in ("market", "network")}

    def _kept_at(self, name: str, version: tuple[int, ...]) -> tuple[bool, Any]:
        with self._lock:
            hit = self._kept.get(name)
        return (True, hit[1]) if hit is not None and hit[0] == version else (False, None)

    def _get(self, name: str, compute: Callable[[Store], T]) -> T:
        # The version is read from the database on every call, so a figure kept here
        # is dropped as soon as any process (another server, a 'process' run) adds
        # listings, assessments, matches or a link run.
        version = self.store.market.version()
        found, value = self._kept_at(name, version)
        if found:
            return value  # type: ignore[no-any-return]
        with self._computing[name]:
            found, value = self._kept_at(name, version)  # computed while we waited
            if found:
                return value  # type: ignore[no-any-return]
            result = compute(self.store)
            with self._lock:
                self._kept[name] = (version, result)
        return result

    def market(self, currency: str = DEFAULT_CURRENCY) -> MarketFigures:
        """:func:`market_figures` in ``currency``: reused while the data is unchanged
        for the default currency; another currency is computed on each call (an
        analyst's occasional choice, not worth a kept copy per currency)."""
        code = check_currency(currency)
        if code != DEFAULT_CURRENCY:
            return market_figures(self.store, code)
        return self._get("market", market_figures)

    def network(self) -> AccountNetwork:
        """:func:`seller_network`, reused while the data is unchanged."""
        return self._get("network", seller_network)


_DASHBOARDS: weakref.WeakKeyDictionary[Store, Dashboard] = weakref.WeakKeyDictionary()
_DASHBOARDS_LOCK = threading.Lock()


def dashboard(store: Store) -> Dashboard:
    """The one :class:`Dashboard` of ``store`` (so every request shares its figures)."""
    with _DASHBOARDS_LOCK:
        found = _DASHBOARDS.get(store)
        if found is None:
            found = _DASHBOARDS[store] = Dashboard(store)
        return found
