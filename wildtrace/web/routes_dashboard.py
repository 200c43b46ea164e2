"""Dashboards: volume over time, prices, a map by country, the seller network."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy.engine import Engine

from wildtrace.store import tables as t
from wildtrace.web import charts, stats
from wildtrace.web.accounts import User
from wildtrace.web.deps import api_user, page_user, render, state
from wildtrace.web.schemas import ERRORS, CountryRow, NetworkOut, PriceRow, SeriesPoint

router = APIRouter()
By = Annotated[str, Query(pattern="^(platform|taxon|language)$")]
# Aggregates over a million listings take seconds; they change only when data is added,
# so each is kept until the newest listing, assessment or match id moves on.
_CACHE: dict[tuple[str, ...], tuple[tuple[int, ...], Any]] = {}
_LOCK = threading.Lock()


def _version(engine: Engine) -> tuple[int, ...]:
    cols = (t.listings.c.id, t.assessments.c.id, t.taxon_matches.c.id)
    with engine.connect() as conn:
        return tuple(int(conn.execute(sa.select(sa.func.max(c))).scalar() or 0) for c in cols)


def cached(request: Request, name: str, compute: Callable[[Engine], Any]) -> Any:
    """``compute(engine)``, reused while the workspace has not changed."""
    engine = state(request).ws.store.engine
    key = (str(engine.url), name)
    version = _version(engine)
    with _LOCK:
        hit = _CACHE.get(key)
    if hit is not None and hit[0] == version:
        return hit[1]
    value = compute(engine)
    with _LOCK:
        _CACHE[key] = (version, value)
    return value


@router.get("/api/dashboard/volume", response_model=list[SeriesPoint], responses=ERRORS,
            tags=["dashboard"])
def api_volume(request: Request, user: Annotated[User, Depends(api_user())],
               by: By = "platform") -> list[dict[str, Any]]:
    """Listings per month, by platform, taxon or language."""
    return cached(request, f"volume:{by}", lambda e: stats.volume(e, by))  # type: ignore[no-any-return]


@router.get("/api/dashboard/prices", response_model=list[PriceRow], responses=ERRORS,
            tags=["dashboard"])
def api_prices(request: Request,
               user: Annotated[User, Depends(api_user())]) -> list[dict[str, Any]]:
    """Price quartiles per platform and currency."""
    return cached(request, "prices", stats.prices)  # type: ignore[no-any-return]


@router.get("/api/dashboard/countries", response_model=list[CountryRow], responses=ERRORS,
            tags=["dashboard"])
def api_countries(request: Request,
                  user: Annotated[User, Depends(api_user())]) -> list[dict[str, Any]]:
    """Listings per country, with centroids for mapping."""
    return cached(request, "countries", stats.by_country)[0]  # type: ignore[no-any-return]


@router.get("/api/dashboard/network", response_model=NetworkOut, responses=ERRORS,
            tags=["dashboard"])
def api_network(request: Request,
                user: Annotated[User, Depends(api_user())]) -> dict[str, Any]:
    """Sellers of flagged listings linked by shared contact identifiers."""
    return cached(request, "network", stats.seller_network)  # type: ignore[no-any-return]


@router.get("/dashboard", include_in_schema=False)
def dashboard(request: Request, user: Annotated[User, Depends(page_user())],
              by: By = "platform") -> Response:
    """All dashboards on one page, drawn as inline SVG."""
    countries, unknown = cached(request, "countries", stats.by_country)
    net = cached(request, "network", stats.seller_network)
    volume = cached(request, f"volume:{by}", lambda e: stats.volume(e, by))
    return render(request, "dashboard.html", {
        "by": by,
        "volume_svg": Markup(charts.line_chart(volume)),
        "price_svg": Markup(charts.price_chart(cached(request, "prices", stats.prices))),
        "map_svg": Markup(charts.world_map(countries)),
        "network_svg": Markup(charts.network_chart(net)),
        "countries": countries[:15], "unknown": unknown, "net": net})
