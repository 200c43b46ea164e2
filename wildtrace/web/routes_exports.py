"""Exports over HTTP: every kind ``wildtrace export`` writes (listings, venues, evidence,
graph, prices, volume), as a download for analysts and admins.

The files are the export registry's, written by :mod:`wildtrace.app.exports`, which
also writes each download to the audit log: exports hand out sellers' data.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as UrlPath
from fastapi.responses import FileResponse
from pydantic import BaseModel
from starlette.background import BackgroundTask

from wildtrace.app import exports
from wildtrace.app.accounts import User
from wildtrace.web.deps import ApiError, api_user, state
from wildtrace.web.schemas import ERRORS, ErrorBody

router = APIRouter()

FILE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {m: {} for m in exports.media_types()}, "description": "the export"},
    501: {"model": ErrorBody, "description": "the format needs an extra not installed"},
}


class ExportKindOut(BaseModel):
    """One kind of export and the formats it can be downloaded in."""

    kind: str
    formats: list[str]
    help: str


@router.get("/api/exports", response_model=list[ExportKindOut], responses=ERRORS,
            tags=["exports"])
def api_export_kinds(user: Annotated[User, Depends(api_user("analyst"))]
                     ) -> list[ExportKindOut]:
    """The kinds of export, with their formats."""
    return [ExportKindOut(kind=k.kind, formats=list(k.formats), help=k.help)
            for k in exports.kinds()]


@router.get("/api/exports/{kind}", responses={**ERRORS, **FILE_RESPONSE},
            response_class=FileResponse, tags=["exports"])
def api_export(request: Request, kind: Annotated[str, UrlPath(max_length=40)],
               user: Annotated[User, Depends(api_user("analyst"))],
               fmt: Annotated[str, Query(alias="format", min_length=1, max_length=20)]
               ) -> FileResponse:
    """One kind as a file in ``format`` (audited); several files come as one ZIP."""
    if kind not in {k.kind for k in exports.kinds()}:
        raise ApiError(404, "not_found", f"no export kind {kind!r}",
                       "see GET /api/exports for the kinds")
    found = exports.export_file(state(request).ws, kind, fmt, user.name)
    return FileResponse(found.path, media_type=found.media_type, filename=found.filename,
                        background=BackgroundTask(found.discard))
