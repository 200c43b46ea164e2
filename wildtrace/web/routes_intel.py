"""Anticipate and share on the web: what is rising, candidate code words (accept/reject),
watch-run health, alert unsubscribe links, intelligence exports and a read-only TAXII 2.1
collection of cases.

Thin over :mod:`wildtrace.app.emerging`, :mod:`wildtrace.app.watch`,
:mod:`wildtrace.app.alerts` and :mod:`wildtrace.app.intel`. Exports and TAXII reads hand
out sellers' identifiers, so they need the analyst role and are audited by the
application layer. The unsubscribe page is public: the 64-hex token in the link is the
credential, and the change itself is a POST (RFC 8058 one-click), so a mail scanner
following the link does not unsubscribe anybody.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from wildtrace.app.accounts import User
from wildtrace.app.alerts import unsubscribe
from wildtrace.app.emerging import accept_term, reject_term, suggest_terms, what_is_rising
from wildtrace.app.intel import MEDIA_TYPES, export_intel
from wildtrace.app.watch import health, history
from wildtrace.errors import InputError
from wildtrace.web.deps import (
    ApiError,
    api_user,
    check_form_csrf,
    check_prelogin_csrf,
    page_user,
    prelogin_token,
    render,
    state,
)
from wildtrace.web.schemas import ERRORS

router = APIRouter()
Token = Annotated[str, Path(pattern="^[0-9a-f]{64}$")]
TAXII = "application/taxii+json;version=2.1"
TAXII_OK: dict[int | str, dict[str, Any]] = {
    **ERRORS, 200: {"description": "TAXII 2.1 resource", "content": {TAXII: {}}}}
EXPORT_OK: dict[int | str, dict[str, Any]] = {
    **ERRORS, 200: {"description": "the export file",
                    "content": {MEDIA_TYPES["stix"]: {}, MEDIA_TYPES["misp"]: {}}}}


def _jsonable(rows: list[Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = json.loads(json.dumps([asdict(r) for r in rows], default=str))
    return out


@router.get("/api/rising", responses=ERRORS, tags=["anticipate"])
def api_rising(request: Request, user: Annotated[User, Depends(api_user())],
               days: Annotated[int, Query(ge=1, le=92)] = 7,
               baseline: Annotated[int, Query(ge=2, le=52)] = 8) -> list[dict[str, Any]]:
    """Taxa, product terms and venues above their own baseline (seen vs expected)."""
    return _jsonable(what_is_rising(state(request).ws, period_days=days, baseline=baseline))


@router.get("/api/emerging/terms", responses=ERRORS, tags=["anticipate"])
def api_terms(request: Request, user: Annotated[User, Depends(api_user("analyst"))],
              limit: Annotated[int, Query(ge=1, le=200)] = 30) -> list[dict[str, Any]]:
    """Candidate code words with their counts, first-seen date and evidence listings."""
    return _jsonable(suggest_terms(state(request).ws, limit=limit))


@router.get("/api/watch/runs", responses=ERRORS, tags=["anticipate"])
def api_watch_runs(request: Request, user: Annotated[User, Depends(api_user())],
                   limit: Annotated[int, Query(ge=1, le=500)] = 50) -> dict[str, Any]:
    """Recent scheduled runs and each watch's failed and missed runs."""
    ws = state(request).ws
    out: dict[str, Any] = json.loads(json.dumps(
        {"runs": history(ws, None, limit), "health": [asdict(h) for h in health(ws)]},
        default=str))
    return out


@router.get("/anticipate", include_in_schema=False)
def anticipate(request: Request, user: Annotated[User, Depends(page_user())]) -> Response:
    """What is rising, emerging terms (for analysts) and the watch runs."""
    ws = state(request).ws
    terms = suggest_terms(ws, limit=30) if user.role in ("analyst", "admin") else []
    return render(request, "anticipate.html", {
        "rising": what_is_rising(ws), "terms": terms, "health": health(ws),
        "runs": history(ws, None, 20), "message": request.query_params.get("done", "")[:200]})


@router.post("/anticipate/terms", include_in_schema=False)
def decide_term(request: Request, user: Annotated[User, Depends(page_user("analyst"))],
                term: Annotated[str, Form(max_length=200)],
                action: Annotated[str, Form(pattern="^(accept|reject)$")],
                csrf_token: Annotated[str, Form(max_length=200)],
                taxon: Annotated[str, Form(max_length=200)] = "",
                kind: Annotated[str, Form(pattern="^(code_word|product|name)$")] = "code_word"
                ) -> Response:
    """Accept a term into the workspace lexicon, or reject it."""
    check_form_csrf(request, csrf_token)
    ws = state(request).ws
    try:
        if action == "accept":
            accept_term(ws, term, taxon, user.name, kind=kind)
        else:
            reject_term(ws, term, user.name)
    except InputError as exc:
        raise ApiError(400, "invalid", exc.message) from exc
    return RedirectResponse(f"/anticipate?done={action}ed", status_code=303)


@router.get("/alerts/unsubscribe/{token}", include_in_schema=False)
def unsubscribe_page(request: Request, token: Token) -> Response:
    """The page an alert's unsubscribe link opens: one button."""
    return render(request, "unsubscribe.html", {"token": token, "done": None},
                  prelogin=prelogin_token(request))


@router.post("/alerts/unsubscribe/{token}", include_in_schema=False)
def unsubscribe_submit(request: Request, token: Token,
                       csrf_token: Annotated[str, Form(max_length=200)] = "",
                       list_unsubscribe: Annotated[str, Form(alias="List-Unsubscribe",
                                                             max_length=40)] = "") -> Response:
    """Stop the subscription: from the page's form, or a mail client's one-click POST."""
    if list_unsubscribe != "One-Click":
        check_prelogin_csrf(request, csrf_token)
    done = unsubscribe(state(request).ws, token)
    return render(request, "unsubscribe.html", {"token": token, "done": done},
                  status=200 if done else 404, prelogin=prelogin_token(request))


@router.get("/api/intel/export", responses=EXPORT_OK, tags=["intel"])
def api_intel_export(request: Request, user: Annotated[User, Depends(api_user("analyst"))],
                     case: Annotated[int, Query(ge=1, le=2**31 - 1)],
                     format: Annotated[str, Query(pattern="^(stix|misp)$")] = "stix"
                     ) -> Response:
    """A case as a STIX 2.1 bundle or a MISP event (audited)."""
    try:
        text, _ = export_intel(state(request).ws, user.name, format, case_id=case)
    except InputError as exc:
        raise ApiError(404, "not_found", exc.message) from exc
    name = f"case-{case}.{format}.json"
    return Response(text, media_type=MEDIA_TYPES[format],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# ------------------------------------------------------------------ TAXII 2.1 (read-only)

def _taxii(data: dict[str, Any]) -> JSONResponse:
    return JSONResponse(data, media_type=TAXII)


@router.get("/api/taxii2/", responses=TAXII_OK, tags=["taxii"])
def taxii_discovery(request: Request,
                    user: Annotated[User, Depends(api_user("analyst"))]) -> Response:
    """TAXII 2.1 discovery: one API root."""
    return _taxii({"title": "wildtrace", "default": "/api/taxii2/cases/",
                   "api_roots": ["/api/taxii2/cases/"]})


@router.get("/api/taxii2/cases/", responses=TAXII_OK, tags=["taxii"])
def taxii_root(request: Request, user: Annotated[User, Depends(api_user("analyst"))]
               ) -> Response:
    """The API root's information."""
    return _taxii({"title": "wildtrace cases", "versions": ["application/taxii+json;version=2.1"],
                   "max_content_length": 0})


@router.get("/api/taxii2/cases/collections/", responses=TAXII_OK, tags=["taxii"])
def taxii_collections(request: Request,
                      user: Annotated[User, Depends(api_user("analyst"))]) -> Response:
    """Every case as a read-only collection."""
    from wildtrace.app.cases import case_summaries

    cases = case_summaries(state(request).ws, limit=500)
    return _taxii({"collections": [
        {"id": f"case-{c['id']}", "title": str(c.get("title") or "")[:200],
         "can_read": True, "can_write": False,
         "media_types": ["application/stix+json;version=2.1"]} for c in cases]})


@router.get("/api/taxii2/cases/collections/{collection}/objects/", responses=TAXII_OK,
            tags=["taxii"])
def taxii_objects(request: Request, user: Annotated[User, Depends(api_user("analyst"))],
                  collection: Annotated[str, Path(pattern="^case-[0-9]{1,9}$")]) -> Response:
    """The case's STIX objects as a TAXII envelope (audited as an export)."""
    try:
        text, _ = export_intel(state(request).ws, user.name, "stix",
                               case_id=int(collection.removeprefix("case-")))
    except InputError as exc:
        raise ApiError(404, "not_found", exc.message) from exc
    objects = json.loads(text).get("objects", [])
    return _taxii({"more": False, "objects": objects})
