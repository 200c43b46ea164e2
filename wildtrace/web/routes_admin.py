"""The audit log, for admins: who viewed, labelled and exported what."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from wildtrace.app.accounts import User
from wildtrace.web.deps import api_user, page_user, render, state
from wildtrace.web.schemas import ERRORS, MAX_ID, AuditOut

router = APIRouter()


@router.get("/api/audit", response_model=list[AuditOut], responses=ERRORS, tags=["admin"])
def api_audit(request: Request, user: Annotated[User, Depends(api_user("admin"))],
              before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
              who: Annotated[str, Query(max_length=200)] = "",
              action: Annotated[str, Query(max_length=40)] = "",
              limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[AuditOut]:
    """Audit entries, newest first (``before`` = an entry id, for the next page)."""
    entries = state(request).audit.entries(limit=limit, before=before, user=who or None,
                                           action=action or None)
    return [AuditOut(id=e.id, at=e.at.isoformat(), user=e.user, action=e.action,
                     object_kind=e.object_kind, object_id=e.object_id, detail=e.detail)
            for e in entries]


@router.get("/audit", include_in_schema=False)
def audit_html(request: Request, user: Annotated[User, Depends(page_user("admin"))],
               before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None) -> Response:
    """The audit log page."""
    entries = state(request).audit.entries(limit=200, before=before)
    return render(request, "audit.html", {"entries": entries})
