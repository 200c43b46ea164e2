"""Dashboards: volume over time, prices, a map by country, the seller network.

The figures are the application layer's (:mod:`wildtrace.app.dashboard`): the market
stage's counted listings and the link stage's newest stored run, so they agree with
``wildtrace market``, ``wildtrace sellers`` and the report. This module only serves and
draws them.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from wildtrace.app.accounts import User
from wildtrace.app.audit import record_network
from wildtrace.app.dashboard import Dashboard, MarketFigures, map_backdrop
from wildtrace.app.dashboard import dashboard as dashboard_of
from wildtrace.app.sellers import NO_LINK_RUN
from wildtrace.web import charts
from wildtrace.web.deps import api_user, page_user, render, state
from wildtrace.web.schemas import ERRORS, CountryRow, NetworkOut, PriceRow, SeriesPoint

router = APIRouter()
By = Annotated[str, Query(pattern="^(platform|taxon|language)$")]


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
    """Listings per month, by platform, taxon or language."""
    return _volume(_figures(request).market(), by)


@router.get("/api/dashboard/prices", response_model=list[PriceRow], responses=ERRORS,
            tags=["dashboard"])
def api_prices(request: Request,
               user: Annotated[User, Depends(api_user())]) -> list[dict[str, Any]]:
    """Price quartiles per platform, converted to one currency."""
    return _prices(_figures(request).market())


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
              by: By = "platform") -> Response:
    """All dashboards on one page, drawn as inline SVG."""
    figures = _figures(request)
    market, net = figures.market(), figures.network()
    record_network(state(request).ws, user.name, net, "page")  # sellers' data: audited
    countries = _countries(market)
    return render(request, "dashboard.html", {
        "by": by,
        "volume_svg": Markup(charts.line_chart(_volume(market, by))),
        "price_svg": Markup(charts.price_chart(_prices(market))),
        "map_svg": Markup(charts.world_map(countries, [asdict(c) for c in map_backdrop()])),
        "network_svg": Markup(charts.network_chart(net.as_dict())),
        "countries": countries[:15], "unknown": market.unknown_country,
        "net": net.as_dict(), "link_run": net.run_id, "no_link_run": NO_LINK_RUN})
