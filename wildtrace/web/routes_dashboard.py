"""Dashboards: volume over time, prices, a map by country, the seller network.

The figures are the application layer's (:mod:`wildtrace.app.dashboard`): the market
stage's counted listings and the link stage's newest stored run, so they agree with
``wildtrace market``, ``wildtrace sellers`` and the report. This module only serves and
draws them. ``?currency=USD`` converts every price to that currency (the default EUR);
the totals behind the charts (undated listings, prices that could not be converted,
listings of no known country) are served by ``/api/dashboard/counts`` and printed under
each chart, so nothing left out of a chart goes unsaid.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from markupsafe import Markup
from pydantic import BaseModel

from wildtrace import numbers
from wildtrace.app.accounts import User
from wildtrace.app.audit import record_network
from wildtrace.app.dashboard import Dashboard, MarketFigures
from wildtrace.app.dashboard import dashboard as dashboard_of
from wildtrace.app.emerging import what_is_rising
from wildtrace.app.market import DEFAULT_CURRENCY, known_currencies
from wildtrace.app.sellers import NO_LINK_RUN
from wildtrace.app.watch import health as watch_health
from wildtrace.web import charts
from wildtrace.web.deps import api_user, page_user, render, state
from wildtrace.web.schemas import ERRORS, CountryRow, NetworkOut, PriceRow, SeriesPoint

router = APIRouter()
By = Annotated[str, Query(pattern="^(platform|taxon|language)$")]
# Only the currencies the bundled rates convert to, in either case: the schema says
# exactly which requests are valid (an unknown code is refused as invalid, 422).
_CODES = [c for code in known_currencies() for c in (code, code.lower())]
Currency = Annotated[str, Query(pattern="^(?:" + "|".join(_CODES) + ")$",
                                description="ISO 4217 code prices are converted to")]


class UnconvertedRow(BaseModel):
    """Prices in one currency the bundled rates cannot convert, in that currency."""

    currency: str
    n: int
    min: float
    median: float
    max: float


class CountsOut(BaseModel):
    """The totals behind the dashboard's charts."""

    listings: int
    dated: int
    undated: int
    currency: str
    priced: int
    unconverted: int
    unconverted_by_currency: list[UnconvertedRow]
    unknown_country: int
    # Listings per product form and per seller role ("" where no cue placed them).
    value_chain: dict[str, dict[str, int]] = {}


def _figures(request: Request) -> Dashboard:
    return dashboard_of(state(request).ws.store)


def _volume(market: MarketFigures, by: str) -> list[dict[str, Any]]:
    return [asdict(p) for p in market.volume[by]]


def _prices(market: MarketFigures) -> list[dict[str, Any]]:
    return [asdict(p) for p in market.prices]


def _countries(market: MarketFigures) -> list[dict[str, Any]]:
    return [asdict(c) for c in market.countries]


@router.get("/api/dashboard/volume", response_model=list[SeriesPoint], responses=ERRORS,
            tags=["dashboard"])
def api_volume(request: Request, user: Annotated[User, Depends(api_user())],
               by: By = "platform") -> list[dict[str, Any]]:
    """Listings per month, by platform, taxon or language (undated listings, whose
    count is in ``/api/dashboard/counts``, are in no month)."""
    return _volume(_figures(request).market(), by)


@router.get("/api/dashboard/prices", response_model=list[PriceRow], responses=ERRORS,
            tags=["dashboard"])
def api_prices(request: Request, user: Annotated[User, Depends(api_user())],
               currency: Currency = DEFAULT_CURRENCY) -> list[dict[str, Any]]:
    """Price spread per platform, every price converted to ``currency`` (quartiles only
    from 4 prices up; prices that cannot be converted are in ``/api/dashboard/counts``)."""
    return _prices(_figures(request).market(currency))


@router.get("/api/dashboard/counts", response_model=CountsOut, responses=ERRORS,
            tags=["dashboard"])
def api_counts(request: Request, user: Annotated[User, Depends(api_user())],
               currency: Currency = DEFAULT_CURRENCY) -> dict[str, Any]:
    """Listings counted, how many have no posting date, how many prices were converted
    to ``currency`` and which could not be (per currency as posted), and how many
    listings are of no known country."""
    return _figures(request).market(currency).counts()


@router.get("/api/dashboard/countries", response_model=list[CountryRow], responses=ERRORS,
            tags=["dashboard"])
def api_countries(request: Request,
                  user: Annotated[User, Depends(api_user())]) -> list[dict[str, Any]]:
    """Listings per country, with centroids for mapping."""
    return _countries(_figures(request).market())


@router.get("/api/dashboard/network", response_model=NetworkOut, responses=ERRORS,
            tags=["dashboard"])
def api_network(request: Request,
                user: Annotated[User, Depends(api_user())]) -> dict[str, Any]:
    """Sellers' accounts linked by the newest link run (shared contact identifiers,
    near-identical photos or texts)."""
    net = _figures(request).network()
    record_network(state(request).ws, user.name, net, "api")  # sellers' data: audited
    return net.as_dict()


@router.get("/dashboard", include_in_schema=False)
def dashboard(request: Request, user: Annotated[User, Depends(page_user())],
              by: By = "platform", currency: Currency = DEFAULT_CURRENCY) -> Response:
    """All dashboards on one page, drawn as inline SVG."""
    figures = _figures(request)
    market, net = figures.market(currency), figures.network()
    record_network(state(request).ws, user.name, net, "page")  # sellers' data: audited
    countries = _countries(market)
    return render(request, "dashboard.html", {
        "by": by, "currency": market.currency, "num": numbers, "currencies": known_currencies(),
        "counts": market.counts(),
        "volume_svg": Markup(charts.bar_chart(_volume(market, by), market.undated)),
        "price_svg": Markup(charts.price_chart(_prices(market), market.currency)),
        "map_svg": Markup(charts.world_map(countries)),
        "network_svg": Markup(charts.network_chart(net.as_dict())),
        "countries": countries[:15], "unknown": market.unknown_country,
        "net": net.as_dict(), "link_run": net.run_id, "no_link_run": NO_LINK_RUN,
        # issue 19: what is rising, and scheduled runs that failed or were missed
        "rising": what_is_rising(state(request).ws, limit=10),
        "watch_health": watch_health(state(request).ws)})
