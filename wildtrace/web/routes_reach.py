"""New venues and takedown persistence: the candidate venues crawled pages point to
(promote into the watch, dismiss), and per platform whether adverts come down after
they were reported or found (``wildtrace revisit``). Thin over
:mod:`wildtrace.app.venues` and :mod:`wildtrace.app.revisit`; seeing candidates is
audited (a WhatsApp number or WeChat ID names a person), deciding needs the analyst
role.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from wildtrace.app.accounts import User
from wildtrace.app.revisit import persistence, rebound
from wildtrace.app.venues import candidate_venues, crawlable_url, decide_venue
from wildtrace.web.deps import check_form_csrf, page_user, render, state

router = APIRouter()
State = Annotated[str, Query(pattern="^(new|promoted|dismissed)$")]


@router.get("/venues", include_in_schema=False)
def venues_page(request: Request, user: Annotated[User, Depends(page_user())],
                show: State = "new") -> Response:
    """Candidate venues of one state, and takedown persistence per platform."""
    ws = state(request).ws
    found = candidate_venues(ws, user.name, state=show, limit=300, via="web")
    rows = [{**c.as_dict(), "crawl_url": crawlable_url(c)} for c in found.candidates]
    return render(request, "venues.html", {
        "show": show, "rows": rows, "counts": found.counts,
        "platforms": persistence(ws), "waves": rebound(ws),
        "can_decide": user.can("analyst")})


@router.post("/venues/{candidate_id}/decide", include_in_schema=False)
def decide_page(request: Request, user: Annotated[User, Depends(page_user("analyst"))],
                candidate_id: Annotated[int, Path(ge=1)],
                decision: Annotated[str, Form(pattern="^(promote|dismiss|reopen)$")],
                csrf_token: Annotated[str, Form(max_length=200)],
                show: Annotated[str, Form(pattern="^(new|promoted|dismissed)$")] = "new"
                ) -> Response:
    """Promote, dismiss or reopen one candidate, then back to the list."""
    check_form_csrf(request, csrf_token)
    decide_venue(state(request).ws, candidate_id, decision, user.name)
    return RedirectResponse(f"/venues?show={show}", status_code=303)
