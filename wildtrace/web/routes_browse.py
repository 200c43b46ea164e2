"""Browse and search every listing: ``/browse`` (HTML), ``/api/browse`` (JSON) and
``/browse.csv`` (formula-safe CSV) take the same query parameters, so every view is one
shareable URL with its JSON and CSV twins. Saved views and bulk labels are forms (CSRF)
and JSON calls; labels need the analyst role.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from wildtrace.app.accounts import User
from wildtrace.app.browse import BrowseQuery, BrowseView, browse, csv_text, parse_query
from wildtrace.app.browse_actions import (
    MAX_BULK,
    BulkLabel,
    BulkRefused,
    bulk_label,
    delete_view,
    save_view,
    saved_views,
)
from wildtrace.web.deps import ApiError, api_user, check_form_csrf, page_user, render, state
from wildtrace.web.routes_queue import summary
from wildtrace.web.schemas import ERRORS, ErrorBody
from wildtrace.web.schemas_browse import (
    BrowseOut,
    BulkLabelIn,
    BulkLabelOut,
    FacetOut,
    FacetValueOut,
    RowOut,
    SavedViewIn,
    SavedViewOut,
)

router = APIRouter()
Str = Annotated[str, Query(max_length=200)]
Date = Annotated[str, Query(max_length=10, pattern=r"^(\d{4}(-\d{2}(-\d{2})?)?)?$")]


def view_query(q: Str = "", taxon: Str = "", appendix: Annotated[
                   str, Query(pattern="^(I|II|III|none)?$")] = "",
               platform: Str = "", language: Str = "", country: Str = "", seller: Str = "",
               form: Str = "", verdict: Annotated[
                   str, Query(pattern="^(flagged|not_flagged|unassessed)?$")] = "",
               label: Annotated[str, Query(pattern="^(confirm|reject|unsure|none)?$")] = "",
               date_from: Date = "", date_to: Date = "",
               sort: Annotated[str, Query(pattern="^(id|posted|score|price|title|platform|"
                                                  "seller|language|country|cites)?$")] = "",
               dir: Annotated[str, Query(pattern="^(asc|desc)?$")] = "",
               page: Annotated[int, Query(ge=1, le=10_001)] = 1,
               per_page: Annotated[int, Query(ge=1, le=200)] = 50) -> BrowseQuery:
    """Dependency: the view the query parameters describe (documented in the schema,
    validated again by the application layer)."""
    return parse_query({"q": q, "taxon": taxon, "appendix": appendix, "platform": platform,
                        "language": language, "country": country, "seller": seller,
                        "form": form, "verdict": verdict, "label": label,
                        "date_from": date_from, "date_to": date_to, "sort": sort,
                        "dir": dir, "page": str(page), "per_page": str(per_page)})


View = Annotated[BrowseQuery, Depends(view_query)]


def as_json(view: BrowseView) -> BrowseOut:
    """A page of a view as ``/api/browse`` answers it."""
    qs = view.query.query_string()
    return BrowseOut(
        total=view.total, page=view.query.page, per_page=view.query.per_page,
        query=qs, html="/browse" + ("?" + qs if qs else ""),
        csv="/browse.csv" + ("?" + qs if qs else ""),
        next=view.next, previous=view.previous,
        items=[RowOut(**summary(r.item).model_dump(), headline=r.headline, label=r.label,
                      country=r.country, verdict=r.verdict) for r in view.rows],
        facets=[FacetOut(name=f.name, values=[FacetValueOut(
            value=v.value, count=v.count, selected=v.selected, toggle=v.toggle)
            for v in f.values]) for f in view.facets])


@router.get("/api/browse", response_model=BrowseOut, responses=ERRORS, tags=["listings"])
def api_browse(request: Request, user: Annotated[User, Depends(api_user())],
               query: View) -> BrowseOut:
    """Every listing (flagged or not): full-text search ``q`` in any script, facet
    filters, ``sort``/``dir``, ``page``; with facet counts over the whole filtered set
    (audited with the ids of the page)."""
    return as_json(browse(state(request).ws, query, user=user.name, via="api"))


@router.get("/browse", include_in_schema=False)
def browse_html(request: Request, user: Annotated[User, Depends(page_user())],
                query: View) -> Response:
    """The browse page."""
    view = browse(state(request).ws, query, user=user.name)
    return render(request, "browse.html", {"v": view, "qs": view.query.query_string(),
                                           "f": view.query.filter, "max_bulk": MAX_BULK,
                                           "done": request.query_params.get("labelled", "")})


@router.get("/browse.csv", include_in_schema=False)
def browse_csv(request: Request, user: Annotated[User, Depends(page_user())],
               query: View) -> Response:
    """The whole view as CSV (every page, in its order), formula-safe."""
    text = csv_text(state(request).ws, query, user=user.name)
    return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": 'attachment; filename="listings.csv"'})


def _bulk(request: Request, user: User, query: str, label: str, expected: int,
          note: str) -> tuple[BrowseQuery, BulkLabel]:
    """Label the view of ``query``; a view that no longer allows it is a 409."""
    view = parse_query(dict(parse_qsl(query)))
    try:
        return view, bulk_label(state(request).ws, user.name, view, label, expected, note)
    except BulkRefused as exc:
        raise ApiError(409, "conflict", exc.message, exc.hint or "") from exc


def _back(qs: str, **extra: str) -> RedirectResponse:
    tail = "&".join(p for p in (qs, *(f"{k}={v}" for k, v in extra.items())) if p)
    return RedirectResponse("/browse" + ("?" + tail if tail else ""), status_code=303)


@router.post("/browse/views", include_in_schema=False)
def form_save_view(request: Request, user: Annotated[User, Depends(page_user())],
                   name: Annotated[str, Form(max_length=200)],
                   csrf_token: Annotated[str, Form(max_length=200)],
                   query: Annotated[str, Form(max_length=4000)] = "") -> Response:
    """Save the current view under a name."""
    check_form_csrf(request, csrf_token)
    return _back(save_view(state(request).ws, user.name, name, query))


@router.post("/browse/views/delete", include_in_schema=False)
def form_delete_view(request: Request, user: Annotated[User, Depends(page_user())],
                     name: Annotated[str, Form(max_length=200)],
                     csrf_token: Annotated[str, Form(max_length=200)],
                     query: Annotated[str, Form(max_length=4000)] = "") -> Response:
    """Delete one of the user's saved views."""
    check_form_csrf(request, csrf_token)
    delete_view(state(request).ws, user.name, name)
    return _back(query if not query.startswith(("/", "http")) else "")


@router.post("/browse/label", include_in_schema=False)
def form_bulk_label(request: Request, user: Annotated[User, Depends(page_user("analyst"))],
                    label: Annotated[str, Form(max_length=20)],
                    expected: Annotated[int, Form(ge=0)],
                    csrf_token: Annotated[str, Form(max_length=200)],
                    query: Annotated[str, Form(max_length=4000)] = "",
                    note: Annotated[str, Form(max_length=5000)] = "") -> Response:
    """Label every listing of the view (confirmed by its count)."""
    check_form_csrf(request, csrf_token)
    view, done = _bulk(request, user, query, label, expected, note)
    return _back(view.query_string(), labelled=str(done.labelled))


@router.post("/api/browse/labels", response_model=BulkLabelOut,
             responses={**ERRORS, 409: {"model": ErrorBody}},
             tags=["review"])
def api_bulk_label(request: Request, body: BulkLabelIn,
                   user: Annotated[User, Depends(api_user("analyst"))]) -> BulkLabelOut:
    """Label every listing of the view ``query`` (a ``/browse`` query string) if it
    still holds ``expected`` listings; at most 5,000 at once."""
    _, done = _bulk(request, user, body.query, body.label, body.expected, body.note)
    return BulkLabelOut(labelled=done.labelled, label=done.label)


@router.get("/api/browse/views", response_model=list[SavedViewOut], responses=ERRORS,
            tags=["listings"])
def api_views(request: Request,
              user: Annotated[User, Depends(api_user())]) -> list[SavedViewOut]:
    """The caller's saved views, each with its page, JSON and CSV addresses."""
    return [SavedViewOut.of(n, qs) for n, qs in saved_views(state(request).ws, user.name)]


@router.post("/api/browse/views", response_model=SavedViewOut, responses=ERRORS,
             tags=["listings"])
def api_save_view(request: Request, body: SavedViewIn,
                  user: Annotated[User, Depends(api_user())]) -> SavedViewOut:
    """Save a view (a ``/browse`` query string) under a name, replacing one so named."""
    return SavedViewOut.of(body.name, save_view(state(request).ws, user.name, body.name,
                                                body.query))
