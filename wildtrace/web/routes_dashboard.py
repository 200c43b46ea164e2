"""Dashboards: volume over time, prices, a map by country, the seller network."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from wildtrace.web import charts, stats
from wildtrace.web.accounts import User
from wildtrace.web.deps import api_user, page_user, render, state
from wildtrace.web.schemas import ERRORS, CountryRow, NetworkOut, PriceRow, SeriesPoint

router = APIRouter()
By = Annotated[str, Query(pattern="^(platform|taxon|language)$")]


@router.get("/api/dashboard/volume", response_model=list[SeriesPoint], responses=ERRORS,
            tags=["dashboard"])
def api_volume(request: Request, user: Annotated[User, Depends(api_user())],
               by: By = "platform") -> list[dict[str, Any]]:
    """Listings per month, by platform, taxon or language."""
    return stats.volume(state(request).ws.store.engine, by)


@router.get("/api/dashboard/prices", response_model=list[PriceRow], responses=ERRORS,
            tags=["dashboard"])
def api_prices(request: Request,
               user: Annotated[User, Depends(api_user())]) -> list[dict[str, Any]]:
    """Price quartiles per platform and currency."""
    return stats.prices(state(request).ws.store.engine)


@router.get("/api/dashboard/countries", response_model=list[CountryRow], responses=ERRORS,
            tags=["dashboard"])
def api_countries(request: Request,
                  user: Annotated[User, Depends(api_user())]) -> list[dict[str, Any]]:
    """Listings per country, with centroids for mapping."""
    return stats.by_country(state(request).ws.store.engine)[0]


@router.get("/api/dashboard/network", response_model=NetworkOut, responses=ERRORS,
            tags=["dashboard"])
def api_network(request: Request,
                user: Annotated[User, Depends(api_user())]) -> dict[str, Any]:
    """Sellers of flagged listings linked by shared contact identifiers."""
    return stats.seller_network(state(request).ws.store.engine)


@router.get("/dashboard", include_in_schema=False)
def dashboard(request: Request, user: Annotated[User, Depends(page_user())],
              by: By = "platform") -> Response:
    """All dashboards on one page, drawn as inline SVG."""
    engine = state(request).ws.store.engine
    countries, unknown = stats.by_country(engine)
    net = stats.seller_network(engine)
    return render(request, "dashboard.html", {
        "by": by,
        "volume_svg": Markup(charts.line_chart(stats.volume(engine, by))),
        "price_svg": Markup(charts.price_chart(stats.prices(engine))),
        "map_svg": Markup(charts.world_map(countries)),
        "network_svg": Markup(charts.network_chart(net)),
        "countries": countries[:15], "unknown": unknown, "net": net})
