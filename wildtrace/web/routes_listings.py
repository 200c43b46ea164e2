"""Listings: the list and detail API, the listing page, evidence and the safe replay.

A captured page is criminal-authored HTML. It is never inlined into our pages: the
listing page embeds ``/replay/<sha256>`` in an ``<iframe sandbox>`` (no scripts, no
same-origin), and that path itself answers with ``Content-Security-Policy: sandbox;
default-src 'none'`` so even opened directly nothing in it runs or loads.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from wildtrace.app.accounts import User
from wildtrace.app.cases import case_summaries
from wildtrace.app.listing_view import ListingView, evidence_blob, listing_view
from wildtrace.app.listings import listings_page
from wildtrace.app.photos import listing_photos
from wildtrace.web.deps import ApiError, WebState, api_user, page_user, render, state
from wildtrace.web.routes_queue import summary
from wildtrace.web.schemas import ERRORS, IdPath, ListingDetail, ListingPage

router = APIRouter()
REPLAY_CSP = ("sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
              "frame-ancestors 'self'")
REPLAYABLE = ("text/html", "application/xhtml+xml", "text/plain")
IMAGES = ("image/png", "image/jpeg", "image/webp", "image/gif")


def _view(st: WebState, listing_id: int) -> ListingView:
    view = listing_view(st.ws, listing_id)
    if view is None:
        raise ApiError(404, "not_found", f"no listing {listing_id}")
    return view


def detail_json(view: ListingView) -> dict[str, Any]:
    """The listing view as ``GET /api/listings/{id}`` answers it (see ``ListingDetail``):
    an identifier of the listing's own text has no ``listing_id``, a linked account has."""
    out = asdict(view)
    out["linked_accounts"] = [{k: v for k, v in a.items()
                               if k != "listing_id" or v is not None}
                              for a in out["linked_accounts"]]
    return out


@router.get("/api/listings", response_model=ListingPage, responses=ERRORS, tags=["listings"])
def api_listings(request: Request, user: Annotated[User, Depends(api_user())],
                 q: Annotated[str, Query(max_length=200)] = "",
                 source: Annotated[str, Query(max_length=200)] = "",
                 cursor: Annotated[str, Query(max_length=20, pattern=r"^[0-9]*$")] = "",
                 limit: Annotated[int, Query(ge=1, le=500)] = 100) -> ListingPage:
    """Listings in id order (``cursor`` = last id seen), or full-text matches of ``q``
    (audited with the ids of the page)."""
    page = listings_page(state(request).ws, user=user.name, query=q, source=source,
                         after=int(cursor) if cursor else 0, limit=limit)
    return ListingPage(items=[summary(i) for i in page.items], next_cursor=page.next_cursor)


@router.get("/api/listings/{listing_id}", response_model=ListingDetail, responses=ERRORS,
            tags=["listings"])
def api_listing(request: Request, listing_id: IdPath,
                user: Annotated[User, Depends(api_user())]) -> dict[str, Any]:
    """One listing with provenance, matches, legality reasons, labels and evidence."""
    st = state(request)
    out = detail_json(_view(st, listing_id))
    st.audit.record(user.name, "view", "listing", listing_id, {"via": "api"})
    return out


@router.get("/listings/{listing_id}", include_in_schema=False)
def listing_html(request: Request, listing_id: IdPath,
                 user: Annotated[User, Depends(page_user())]) -> Response:
    """The listing page."""
    st = state(request)
    view = _view(st, listing_id)
    st.audit.record(user.name, "view", "listing", listing_id)
    shots = [e for e in view.evidence if e.present and e.media_type in IMAGES]
    # Only the page itself replays: a robots.txt copy (text/plain too) is not the page.
    replays = [e for e in view.evidence
               if e.present and e.is_page and e.media_type in REPLAYABLE]
    # The photo step's species hints, beside the text: what a picture looks like, shown
    # as a hint with its confidence (the photos page has every photo and its evidence).
    hints = [h | {"photo": p["id"]} for p in listing_photos(st.ws, listing_id)
             for h in p["species"]]
    return render(request, "listing.html", {
        "d": view, "l": view.listing, "shots": shots, "replays": replays, "hints": hints,
        "back": str(request.url.query), "cases": case_summaries(st.ws, limit=50)})


def _blob(st: WebState, sha256: str) -> tuple[bytes, str]:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ApiError(404, "not_found", "no such evidence")
    found = evidence_blob(st.ws, sha256)
    if found is None:
        raise ApiError(404, "not_found", f"evidence {sha256[:12]}… is not in the store")
    return found


@router.get("/evidence/{sha256}", include_in_schema=False)
def evidence(request: Request, sha256: str,
             user: Annotated[User, Depends(page_user())]) -> Response:
    """An evidence blob: images inline, anything else as a download (never as HTML)."""
    st = state(request)
    data, media = _blob(st, sha256)
    st.audit.record(user.name, "view", "evidence", sha256)
    if media in IMAGES:
        return Response(data, media_type=media)
    return Response(data, media_type="application/octet-stream", headers={
        "content-disposition": f'attachment; filename="{sha256}"'})


@router.get("/replay/{sha256}", include_in_schema=False)
def replay(request: Request, sha256: str,
           user: Annotated[User, Depends(page_user())]) -> Response:
    """A captured page, sandboxed: shown in a frame, nothing in it can run."""
    st = state(request)
    data, media = _blob(st, sha256)
    if media not in REPLAYABLE:
        raise ApiError(415, "not_replayable", f"evidence of type {media} cannot be replayed")
    st.audit.record(user.name, "view", "replay", sha256)
    return Response(data, media_type="text/html" if media != "text/plain" else "text/plain",
                    headers={"content-security-policy": REPLAY_CSP,
                             "x-frame-options": "SAMEORIGIN"})
