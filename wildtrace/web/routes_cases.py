"""Cases: gather listings and sellers, then export the PDF case file, the evidence ZIP
and takedown CSVs per platform. Every export is written to the audit log."""

from __future__ import annotations

import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from wildtrace.act.casefile import render_pdf
from wildtrace.act.evidence_pack import write_evidence_zip
from wildtrace.act.material import CaseMaterial, gather
from wildtrace.act.takedown import by_platform, takedown_csv
from wildtrace.errors import InputError
from wildtrace.records import Case
from wildtrace.web.accounts import User
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

router = APIRouter()
Responses = dict[int | str, dict[str, Any]]


def _file(media: str, what: str) -> Responses:
    return {200: {"content": {media: {}}, "description": what}}


PDF_RESPONSE = _file("application/pdf", "the case file")
ZIP_RESPONSE = _file("application/zip", "evidence ZIP with a SHA-256 manifest")
CSV_RESPONSE = _file("text/csv", "takedown report")


def _case(st: WebState, case_id: int) -> Case:
    case = st.cases.get(case_id)
    if case is None:
        raise ApiError(404, "not_found", f"no case {case_id}")
    return case


def _material(st: WebState, case_id: int) -> CaseMaterial:
    return gather(st.ws.store.engine, st.ws.blobs, _case(st, case_id))


def _case_out(st: WebState, case: Case) -> CaseOut:
    platforms = sorted(by_platform(gather(st.ws.store.engine, st.ws.blobs, case)))
    return CaseOut(id=case.id, title=case.title, notes=case.notes, status=case.status,
                   created_by=case.created_by, platforms=platforms,
                   items=[{"kind": i.kind, "ref": i.ref, "note": i.note,
                           "added_by": i.added_by} for i in case.items])  # type: ignore[misc]


# -- API --------------------------------------------------------------------------------
@router.get("/api/cases", response_model=list[CaseSummary], responses=ERRORS, tags=["cases"])
def api_cases(request: Request,
              user: Annotated[User, Depends(api_user())]) -> list[dict[str, Any]]:
    """Every case, newest first."""
    return state(request).cases.summaries()


@router.post("/api/cases", response_model=Created, status_code=201, responses=ERRORS,
             tags=["cases"])
def api_create_case(request: Request, body: CaseIn,
                    user: Annotated[User, Depends(api_user("analyst"))]) -> Created:
    """Open a new case."""
    st = state(request)
    case_id = st.cases.create(body.title, user.name, body.notes)
    st.audit.record(user.name, "create", "case", case_id)
    return Created(id=case_id)


@router.get("/api/cases/{case_id}", response_model=CaseOut, responses=ERRORS, tags=["cases"])
def api_case(request: Request, case_id: IdPath,
             user: Annotated[User, Depends(api_user())]) -> CaseOut:
    """One case with its items and the platforms its listings are on."""
    st = state(request)
    st.audit.record(user.name, "view", "case", case_id)
    return _case_out(st, _case(st, case_id))


@router.post("/api/cases/{case_id}/items", response_model=Ok, responses=ERRORS,
             tags=["cases"])
def api_add_item(request: Request, case_id: IdPath, body: CaseItemIn,
                 user: Annotated[User, Depends(api_user("analyst"))]) -> Ok:
    """Add a listing or seller to a case (ok=false when it was already there)."""
    st = state(request)
    _case(st, case_id)
    ref = body.ref.strip()
    if body.kind in ("listing", "seller_of") and (
            not (ref.isascii() and ref.isdigit()) or len(ref) > 10
            or st.ws.store.listing(int(ref)) is None):
        raise ApiError(404, "not_found", f"no listing {body.ref[:40]!r}")
    added = st.cases.add(case_id, body.kind, body.ref, user.name, body.note)
    st.audit.record(user.name, "add", "case", case_id, {"kind": body.kind, "ref": body.ref})
    return Ok(ok=added)


@router.delete("/api/cases/{case_id}/items", response_model=Ok, responses=ERRORS,
               tags=["cases"])
def api_remove_item(request: Request, case_id: IdPath,
                    user: Annotated[User, Depends(api_user("analyst"))],
                    kind: Annotated[str, Query(pattern="^(listing|seller_of|seller)$")],
                    ref: Annotated[str, Query(min_length=1, max_length=500)]) -> Ok:
    """Take a listing or seller out of a case (ok=false when it was not there)."""
    st = state(request)
    _case(st, case_id)
    removed = st.cases.remove(case_id, kind, ref.strip())
    st.audit.record(user.name, "remove", "case", case_id, {"kind": kind, "ref": ref})
    return Ok(ok=removed)


def _export(request: Request, user: User, case_id: int, what: str) -> CaseMaterial:
    st = state(request)
    material = _material(st, case_id)
    st.audit.record(user.name, "export", "case", case_id, {
        "format": what, "listings": [c.row["id"] for c in material.listings]})
    return material


@router.get("/api/cases/{case_id}/casefile.pdf", responses={**ERRORS, **PDF_RESPONSE},
            response_class=Response, tags=["cases"])
def api_casefile(request: Request, case_id: IdPath,
                 user: Annotated[User, Depends(api_user("analyst"))]) -> Response:
    """The case file as PDF."""
    material = _export(request, user, case_id, "pdf")
    pdf = render_pdf(material, state(request).ws.blobs, user.name)
    return Response(pdf, media_type="application/pdf", headers={
        "content-disposition": f'attachment; filename="case-{case_id}.pdf"'})


@router.get("/api/cases/{case_id}/evidence.zip", responses={**ERRORS, **ZIP_RESPONSE},
            response_class=Response, tags=["cases"])
def api_evidence_zip(request: Request, case_id: IdPath,
                     user: Annotated[User, Depends(api_user("analyst"))],
                     pdf: bool = False) -> Response:
    """The evidence ZIP with its SHA-256 manifest (``pdf=true`` adds the case file)."""
    material = _export(request, user, case_id, "zip")
    st = state(request)
    buf = io.BytesIO()
    pdf_bytes = render_pdf(material, st.ws.blobs, user.name) if pdf else None
    write_evidence_zip(material, st.ws.blobs, buf, exported_by=user.name, pdf=pdf_bytes)
    return Response(buf.getvalue(), media_type="application/zip", headers={
        "content-disposition": f'attachment; filename="case-{case_id}-evidence.zip"'})


@router.get("/api/cases/{case_id}/takedown.csv", responses={**ERRORS, **CSV_RESPONSE},
            response_class=Response, tags=["cases"])
def api_takedown(request: Request, case_id: IdPath,
                 user: Annotated[User, Depends(api_user("analyst"))],
                 platform: Annotated[str, Query(min_length=1, max_length=300)]) -> Response:
    """The takedown report for one platform of the case, as CSV."""
    material = _export(request, user, case_id, f"takedown:{platform}")
    safe = "".join(c if c.isalnum() or c in ".-" else "_" for c in platform)[:80]
    return Response(takedown_csv(material, platform), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition":
                             f'attachment; filename="takedown-{safe}-case-{case_id}.csv"'})


# -- pages ------------------------------------------------------------------------------
@router.get("/cases", include_in_schema=False)
def cases_html(request: Request, user: Annotated[User, Depends(page_user())]) -> Response:
    """The list of cases, and a form to open one."""
    return render(request, "cases.html", {"cases": state(request).cases.summaries()})


@router.post("/cases", include_in_schema=False)
def create_case_form(request: Request, user: Annotated[User, Depends(page_user("analyst"))],
                     title: Annotated[str, Form(max_length=300)],
                     csrf_token: Annotated[str, Form(max_length=200)],
                     notes: Annotated[str, Form(max_length=20000)] = "") -> Response:
    """Open a case from the form."""
    check_form_csrf(request, csrf_token)
    st = state(request)
    case_id = st.cases.create(title, user.name, notes)
    st.audit.record(user.name, "create", "case", case_id)
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
        cid = st.cases.create(new_title or f"{kind} {ref}", user.name)
        st.audit.record(user.name, "create", "case", cid)
    elif case_id.isascii() and case_id.isdigit() and len(case_id) < 10:
        cid = int(case_id)
    else:
        raise InputError("choose a case")
    _case(st, cid)
    st.cases.add(cid, kind, ref, user.name)
    st.audit.record(user.name, "add", "case", cid, {"kind": kind, "ref": ref})
    return RedirectResponse(f"/cases/{cid}", status_code=303)


@router.get("/cases/{case_id}", include_in_schema=False)
def case_html(request: Request, case_id: IdPath,
              user: Annotated[User, Depends(page_user())]) -> Response:
    """One case: its items and export links."""
    st = state(request)
    material = _material(st, case_id)
    st.audit.record(user.name, "view", "case", case_id)
    return render(request, "case.html", {"m": material, "case": material.case,
                                         "platforms": sorted(by_platform(material))})
