"""Cases: gather listings and sellers, take them out again, move the case through its
statuses and keep its notes, then export the PDF case file, the evidence ZIP and
takedown CSVs per platform. Every change and every export is written to the audit log."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from wildtrace.app.accounts import User
from wildtrace.app.cases import (
    CASE_STATUSES,
    CaseView,
    add_to_case,
    case_summaries,
    case_view,
    casefile_export,
    evidence_export,
    open_case,
    remove_from_case,
    takedown_export,
    update_case,
)
from wildtrace.errors import InputError
from wildtrace.web.deps import (
    ApiError,
    WebState,
    api_user,
    check_form_csrf,
    page_user,
    render,
    state,
)
from wildtrace.web.schemas import (
    ERRORS,
    CaseIn,
    CaseItemIn,
    CaseOut,
    CaseSummary,
    Created,
    IdPath,
    Ok,
)
from wildtrace.web.schemas_handover import CaseUpdateIn

router = APIRouter()
Responses = dict[int | str, dict[str, Any]]
T = TypeVar("T")


def _file(media: str, what: str) -> Responses:
    return {200: {"content": {media: {}}, "description": what}}


PDF_RESPONSE = _file("application/pdf", "the case file")
ZIP_RESPONSE = _file("application/zip", "evidence ZIP with a SHA-256 manifest")
CSV_RESPONSE = _file("text/csv", "takedown report")


def _no_case(case_id: int) -> ApiError:
    return ApiError(404, "not_found", f"no case {case_id}")


def _check_case(st: WebState, case_id: int) -> None:
    if not st.ws.store.cases.exists(case_id):
        raise _no_case(case_id)


def _view(st: WebState, case_id: int) -> CaseView:
    view = case_view(st.ws, case_id)
    if view is None:
        raise _no_case(case_id)
    return view


def _case_out(view: CaseView) -> CaseOut:
    case = view.case
    return CaseOut(id=case.id, title=case.title, notes=case.notes, status=case.status,
                   created_by=case.created_by, platforms=list(view.platforms),
                   items=[{"kind": i.kind, "ref": i.ref, "note": i.note,
                           "added_by": i.added_by} for i in case.items])  # type: ignore[misc]


# -- API --------------------------------------------------------------------------------
@router.get("/api/cases", response_model=list[CaseSummary], responses=ERRORS, tags=["cases"])
def api_cases(request: Request,
              user: Annotated[User, Depends(api_user())]) -> list[dict[str, Any]]:
    """Every case, newest first."""
    return case_summaries(state(request).ws)


@router.post("/api/cases", response_model=Created, status_code=201, responses=ERRORS,
             tags=["cases"])
def api_create_case(request: Request, body: CaseIn,
                    user: Annotated[User, Depends(api_user("analyst"))]) -> Created:
    """Open a new case."""
    return Created(id=open_case(state(request).ws, body.title, user.name, body.notes))


@router.get("/api/cases/{case_id}", response_model=CaseOut, responses=ERRORS, tags=["cases"])
def api_case(request: Request, case_id: IdPath,
             user: Annotated[User, Depends(api_user())]) -> CaseOut:
    """One case with its items and the platforms its listings are on."""
    st = state(request)
    st.audit.record(user.name, "view", "case", case_id)
    return _case_out(_view(st, case_id))


@router.post("/api/cases/{case_id}/items", response_model=Ok, responses=ERRORS,
             tags=["cases"])
def api_add_item(request: Request, case_id: IdPath, body: CaseItemIn,
                 user: Annotated[User, Depends(api_user("analyst"))]) -> Ok:
    """Add a listing or seller to a case (ok=false when it was already there)."""
    st = state(request)
    _check_case(st, case_id)
    ref = body.ref.strip()
    if body.kind in ("listing", "seller_of") and (
            not (ref.isascii() and ref.isdigit()) or len(ref) > 10
            or st.ws.store.listing(int(ref)) is None):
        raise ApiError(404, "not_found", f"no listing {body.ref[:40]!r}")
    return Ok(ok=add_to_case(st.ws, case_id, body.kind, body.ref, user.name, body.note))


@router.delete("/api/cases/{case_id}/items", response_model=Ok, responses=ERRORS,
               tags=["cases"])
def api_remove_item(request: Request, case_id: IdPath,
                    user: Annotated[User, Depends(api_user("analyst"))],
                    kind: Annotated[str, Query(pattern="^(listing|seller_of|seller)$")],
                    ref: Annotated[str, Query(min_length=1, max_length=500)]) -> Ok:
    """Take a listing or seller out of a case (ok=false when it was not there)."""
    st = state(request)
    _check_case(st, case_id)
    return Ok(ok=remove_from_case(st.ws, case_id, kind, ref, user.name))


@router.patch("/api/cases/{case_id}", response_model=CaseOut, responses=ERRORS,
              tags=["cases"])
def api_update_case(request: Request, case_id: IdPath, body: CaseUpdateIn,
                    user: Annotated[User, Depends(api_user("analyst"))]) -> CaseOut:
    """Change a case's status (open, submitted, actioned, closed) and/or its notes."""
    st = state(request)
    _check_case(st, case_id)
    update_case(st.ws, case_id, user.name, status=body.status, notes=body.notes)
    return _case_out(_view(st, case_id))


def _exported(data: T | None, case_id: int) -> T:
    if data is None:
        raise _no_case(case_id)
    return data


@router.get("/api/cases/{case_id}/casefile.pdf", responses={**ERRORS, **PDF_RESPONSE},
            response_class=Response, tags=["cases"])
def api_casefile(request: Request, case_id: IdPath,
                 user: Annotated[User, Depends(api_user("analyst"))]) -> Response:
    """The case file as PDF."""
    pdf = _exported(casefile_export(state(request).ws, case_id, user.name), case_id)
    return Response(pdf, media_type="application/pdf", headers={
        "content-disposition": f'attachment; filename="case-{case_id}.pdf"'})


@router.get("/api/cases/{case_id}/evidence.zip", responses={**ERRORS, **ZIP_RESPONSE},
            response_class=Response, tags=["cases"])
def api_evidence_zip(request: Request, case_id: IdPath,
                     user: Annotated[User, Depends(api_user("analyst"))],
                     pdf: bool = False) -> Response:
    """The evidence ZIP with its SHA-256 manifest (``pdf=true`` adds the case file)."""
    data = _exported(evidence_export(state(request).ws, case_id, user.name, pdf), case_id)
    return Response(data, media_type="application/zip", headers={
        "content-disposition": f'attachment; filename="case-{case_id}-evidence.zip"'})


@router.get("/api/cases/{case_id}/takedown.csv", responses={**ERRORS, **CSV_RESPONSE},
            response_class=Response, tags=["cases"])
def api_takedown(request: Request, case_id: IdPath,
                 user: Annotated[User, Depends(api_user("analyst"))],
                 platform: Annotated[str, Query(min_length=1, max_length=300)]) -> Response:
    """The takedown report for one platform of the case, as CSV."""
    report = _exported(takedown_export(state(request).ws, case_id, user.name, platform),
                       case_id)
    # Header values are latin-1: a platform named in any script becomes an ASCII name.
    safe = "".join(c if (c.isascii() and c.isalnum()) or c in ".-" else "_"
                   for c in platform)[:80]
    return Response(report, media_type="text/csv; charset=utf-8",
                    headers={"content-disposition":
                             f'attachment; filename="takedown-{safe}-case-{case_id}.csv"'})


# -- pages ------------------------------------------------------------------------------
@router.get("/cases", include_in_schema=False)
def cases_html(request: Request, user: Annotated[User, Depends(page_user())]) -> Response:
    """The list of cases, and a form to open one."""
    return render(request, "cases.html", {"cases": case_summaries(state(request).ws)})


@router.post("/cases", include_in_schema=False)
def create_case_form(request: Request, user: Annotated[User, Depends(page_user("analyst"))],
                     title: Annotated[str, Form(max_length=300)],
                     csrf_token: Annotated[str, Form(max_length=200)],
                     notes: Annotated[str, Form(max_length=20000)] = "") -> Response:
    """Open a case from the form."""
    check_form_csrf(request, csrf_token)
    case_id = open_case(state(request).ws, title, user.name, notes)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.post("/cases/add", include_in_schema=False)
def add_item_form(request: Request, user: Annotated[User, Depends(page_user("analyst"))],
                  kind: Annotated[str, Form(max_length=20)],
                  ref: Annotated[str, Form(max_length=500)],
                  case_id: Annotated[str, Form(max_length=20)],
                  csrf_token: Annotated[str, Form(max_length=200)],
                  new_title: Annotated[str, Form(max_length=300)] = "") -> Response:
    """Add a listing or seller to an existing or a new case."""
    check_form_csrf(request, csrf_token)
    st = state(request)
    if case_id == "new":
        cid = open_case(st.ws, new_title or f"{kind} {ref}", user.name)
    elif case_id.isascii() and case_id.isdigit() and len(case_id) < 10:
        cid = int(case_id)
    else:
        raise InputError("choose a case")
    _check_case(st, cid)
    add_to_case(st.ws, cid, kind, ref, user.name)
    return RedirectResponse(f"/cases/{cid}", status_code=303)


@router.get("/cases/{case_id}", include_in_schema=False)
def case_html(request: Request, case_id: IdPath,
              user: Annotated[User, Depends(page_user())]) -> Response:
    """One case: its items and export links."""
    st = state(request)
    view = _view(st, case_id)
    st.audit.record(user.name, "view", "case", case_id)
    return render(request, "case.html", {"m": view.material, "case": view.case,
                                         "platforms": list(view.platforms),
                                         "statuses": CASE_STATUSES})


@router.post("/cases/{case_id}/edit", include_in_schema=False)
def edit_case_form(request: Request, case_id: IdPath,
                   user: Annotated[User, Depends(page_user("analyst"))],
                   status: Annotated[str, Form(max_length=20)],
                   csrf_token: Annotated[str, Form(max_length=200)],
                   notes: Annotated[str, Form(max_length=20000)] = "") -> Response:
    """The status and notes form of the case page."""
    check_form_csrf(request, csrf_token)
    st = state(request)
    _check_case(st, case_id)
    update_case(st.ws, case_id, user.name, status=status, notes=notes)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.post("/cases/{case_id}/remove", include_in_schema=False)
def remove_item_form(request: Request, case_id: IdPath,
                     user: Annotated[User, Depends(page_user("analyst"))],
                     kind: Annotated[str, Form(pattern="^(listing|seller_of|seller)$")],
                     ref: Annotated[str, Form(min_length=1, max_length=500)],
                     csrf_token: Annotated[str, Form(max_length=200)]) -> Response:
    """The remove button of an item on the case page."""
    check_form_csrf(request, csrf_token)
    st = state(request)
    _check_case(st, case_id)
    remove_from_case(st.ws, case_id, kind, ref, user.name)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)
