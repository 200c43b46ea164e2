"""Citizen tips: the public multilingual form, the public JSON endpoint, and triage.

Submission is rate-limited per client address and validated; the tip is stored at
once (202) and its page captured afterwards, only through the SSRF guard. In triage an
analyst scores tips with the relevance scorer and makes a tip a case in one action.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import (
    APIRouter,
    BackgroundTasks,
    Depends,
    File,
    Form,
    Query,
    Request,
    UploadFile,
)
from fastapi.responses import JSONResponse, RedirectResponse, Response

from wildtrace.app.accounts import User
from wildtrace.app.tips import MAX_SCORED, SCREENSHOT_READ, score_reason
from wildtrace.errors import InputError
from wildtrace.web.deps import (
    ApiError,
    api_user,
    check_form_csrf,
    check_prelogin_csrf,
    client_key,
    page_user,
    prelogin_token,
    render,
    state,
)
from wildtrace.web.i18n import LANGUAGE_NAMES, TEXTS, pick_language
from wildtrace.web.schemas import ERRORS, MAX_ID, Created, IdPath, Ok, TipIn, TipStatusIn
from wildtrace.web.schemas_handover import ScoredTipOut, TipCaseOut, TipScoreOut

router = APIRouter()


def _accept(request: Request, url: str, description: str, language: str,
            tasks: BackgroundTasks, screenshot: bytes = b"") -> int:
    """Store the tip (InputError when it fails the checks) and capture its page after
    the answer has gone out."""
    st = state(request)
    tip_id = st.tips.submit(url, description, language, screenshot)
    if st.capture_tips:
        tasks.add_task(st.tips.capture, tip_id)
    return tip_id


def _limit(request: Request) -> None:
    if not state(request).tip_limiter.allow(client_key(request)):
        raise ApiError(429, "rate_limited", "too many reports from this address; try later")


@router.post("/api/tips", status_code=202, response_model=Created,
             responses={**ERRORS, 429: ERRORS[400]}, tags=["tips"])
def api_tip(request: Request, body: TipIn, tasks: BackgroundTasks) -> JSONResponse:
    """Report a suspicious post (public, no login). Answers 202 with the tip's id."""
    _limit(request)
    tip_id = _accept(request, body.url, body.description, body.language, tasks)
    return JSONResponse({"id": tip_id}, status_code=202, background=tasks)


@router.get("/tips/new", include_in_schema=False)
def tip_form(request: Request, lang: Annotated[str, Query(max_length=8)] = "") -> Response:
    """The public tip form."""
    code = pick_language(lang, request.headers.get("accept-language", ""))
    return render(request, "tip_form.html", {"t": TEXTS[code], "lang": code,
                                             "languages": LANGUAGE_NAMES, "sent": False,
                                             "error": ""}, prelogin=prelogin_token(request))


@router.post("/tips/new", include_in_schema=False)
async def tip_form_submit(request: Request, tasks: BackgroundTasks,
                          url: Annotated[str, Form(max_length=4096)],
                          csrf_token: Annotated[str, Form(max_length=200)],
                          description: Annotated[str, Form(max_length=20000)] = "",
                          lang: Annotated[str, Form(max_length=8)] = "en",
                          screenshot: Annotated[UploadFile | None, File()] = None) -> Response:
    """Receive the form; the screenshot is checked by its bytes, not its name or type."""
    check_prelogin_csrf(request, csrf_token)
    code = pick_language(lang, "")
    ctx: dict[str, Any] = {"t": TEXTS[code], "lang": code, "languages": LANGUAGE_NAMES}
    try:
        _limit(request)
        data = b""
        if screenshot is not None and screenshot.filename:
            data = await screenshot.read(SCREENSHOT_READ)
        _accept(request, url, description, code, tasks, data)
    except (InputError, ApiError) as exc:
        status = exc.status if isinstance(exc, ApiError) else 400
        return render(request, "tip_form.html", {**ctx, "sent": False,
                                                 "error": exc.message}, status=status,
                      prelogin=prelogin_token(request))
    resp = render(request, "tip_form.html", {**ctx, "sent": True, "error": ""}, status=202,
                  prelogin=prelogin_token(request))
    resp.background = tasks
    return resp


def _tip_out(row: dict[str, Any]) -> ScoredTipOut:
    return ScoredTipOut(**{**row, "created_at": str(row["created_at"])})


@router.get("/api/tips", response_model=list[ScoredTipOut], responses=ERRORS, tags=["tips"])
def api_tips(request: Request, user: Annotated[User, Depends(api_user())],
             status: Annotated[str, Query(pattern="^(|new|triaged|dismissed)$")] = "new",
             before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
             limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[ScoredTipOut]:
    """The triage queue of tips, newest first."""
    st = state(request)
    st.audit.record(user.name, "view", "tips", status, {"via": "api"})
    return [_tip_out(r) for r in st.tips.queue(status, limit, before)]


@router.post("/api/tips/{tip_id}/status", response_model=Ok, responses=ERRORS, tags=["tips"])
def api_tip_status(request: Request, tip_id: IdPath, body: TipStatusIn,
                   user: Annotated[User, Depends(api_user("analyst"))]) -> Ok:
    """Mark a tip triaged or dismissed."""
    st = state(request)
    if st.tips.get(tip_id) is None:
        raise ApiError(404, "not_found", f"no tip {tip_id}")
    st.tips.triage(tip_id, body.status, user.name)
    return Ok(ok=True)


@router.get("/tips", include_in_schema=False)
def tips_html(request: Request, user: Annotated[User, Depends(page_user())],
              status: Annotated[str, Query(pattern="^(|new|triaged|dismissed)$")] = "new"
              ) -> Response:
    """The tip triage page."""
    state(request).audit.record(user.name, "view", "tips", status)
    return render(request, "tips.html", {"tips": state(request).tips.queue(status, 200),
                                         "status": status})


@router.post("/tips/{tip_id}/status", include_in_schema=False)
def tip_status_form(request: Request, tip_id: IdPath,
                    user: Annotated[User, Depends(page_user("analyst"))],
                    status: Annotated[str, Form(max_length=20)],
                    csrf_token: Annotated[str, Form(max_length=200)]) -> Response:
    """Triage buttons of the tips page."""
    check_form_csrf(request, csrf_token)
    state(request).tips.triage(tip_id, status, user.name)
    return RedirectResponse("/tips", status_code=303)


# -- scoring and cases ------------------------------------------------------------------
def _known(request: Request, tip_id: int) -> None:
    if state(request).tips.get(tip_id) is None:
        raise ApiError(404, "not_found", f"no tip {tip_id}")


@router.post("/api/tips/{tip_id}/score", response_model=TipScoreOut, responses=ERRORS,
             tags=["tips"])
def api_tip_score(request: Request, tip_id: IdPath,
                  user: Annotated[User, Depends(api_user("analyst"))]) -> TipScoreOut:
    """Judge a tip with the relevance scorer (its description and captured page)."""
    _known(request, tip_id)
    s = state(request).tips.score([tip_id], user.name)[tip_id]
    return TipScoreOut(tip_id=tip_id, score=s.score, relevant=s.relevant,
                       taxa=[x for x in s.taxa.split(";") if x], cites=s.cites,
                       flags=[x for x in s.flags.split(";") if x], reason=score_reason(s),
                       model_version=s.model_version)


@router.post("/api/tips/{tip_id}/case", response_model=TipCaseOut, status_code=201,
             responses=ERRORS, tags=["tips"])
def api_tip_case(request: Request, tip_id: IdPath,
                 user: Annotated[User, Depends(api_user("analyst"))]) -> TipCaseOut:
    """Make a tip a listing in a new case and mark it triaged (the same case again
    when it was made before)."""
    _known(request, tip_id)
    made = state(request).tips.make_case(tip_id, user.name)
    return TipCaseOut(tip_id=made.tip_id, listing_id=made.listing_id,
                      case_id=made.case_id, created=made.created)


@router.post("/tips/score", include_in_schema=False)
def tips_score_form(request: Request, user: Annotated[User, Depends(page_user("analyst"))],
                    csrf_token: Annotated[str, Form(max_length=200)],
                    status: Annotated[str, Form(pattern="^(|new|triaged|dismissed)$")] = "new"
                    ) -> Response:
    """Score the tips of the triage list that are not scored yet."""
    check_form_csrf(request, csrf_token)
    desk = state(request).tips
    ids = [int(t["id"]) for t in desk.queue(status, MAX_SCORED) if t.get("scored_at") is None]
    if ids:
        desk.score(ids, user.name)
    return RedirectResponse(f"/tips?status={status}", status_code=303)


@router.post("/tips/{tip_id}/score", include_in_schema=False)
def tip_score_form(request: Request, tip_id: IdPath,
                   user: Annotated[User, Depends(page_user("analyst"))],
                   csrf_token: Annotated[str, Form(max_length=200)]) -> Response:
    """The score button of one tip."""
    check_form_csrf(request, csrf_token)
    _known(request, tip_id)
    state(request).tips.score([tip_id], user.name)
    return RedirectResponse(f"/tips?status=#tip-{tip_id}", status_code=303)


@router.post("/tips/{tip_id}/case", include_in_schema=False)
def tip_case_form(request: Request, tip_id: IdPath,
                  user: Annotated[User, Depends(page_user("analyst"))],
                  csrf_token: Annotated[str, Form(max_length=200)]) -> Response:
    """The "make a case" button of one tip: opens the new case."""
    check_form_csrf(request, csrf_token)
    _known(request, tip_id)
    made = state(request).tips.make_case(tip_id, user.name)
    return RedirectResponse(f"/cases/{made.case_id}", status_code=303)
