"""A listing's photos: the page and API that show them, with the text read from each,
species hints and reuse by other sellers, and the photo bytes themselves.

Photos are criminal-supplied files. Only photos that decoded under the photo step's
limits are served, with the media type the decoder found (never the server's claim),
``nosniff`` and a sandboxing CSP, so a file dressed as a JPEG is never rendered as
anything else. Every view is audited (photos can show a seller's face or handwriting).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from wildtrace.app.accounts import User
from wildtrace.app.photos import listing_photos, photo_bytes
from wildtrace.web.deps import ApiError, api_user, page_user, render, state
from wildtrace.web.schemas import ERRORS, IdPath

router = APIRouter()
PHOTO_CSP = "sandbox; default-src 'none'"


def _photos(request: Request, listing_id: int) -> list[dict[str, Any]]:
    st = state(request)
    if st.ws.store.listing(listing_id) is None:
        raise ApiError(404, "not_found", f"no listing {listing_id}")
    return listing_photos(st.ws, listing_id)


@router.get("/api/listings/{listing_id}/photos", responses=ERRORS, tags=["listings"])
def api_listing_photos(request: Request, listing_id: IdPath,
                       user: Annotated[User, Depends(api_user())]) -> dict[str, Any]:
    """A listing's photos: status (stored, refused, failed, rejected) and reason, SHA-256,
    hash, WARC record, text read from it (provenance ``ocr``), species hints and the
    other listings showing the same photo (audited)."""
    photos = _photos(request, listing_id)
    state(request).audit.record(user.name, "view", "listing_photos", listing_id,
                                {"via": "api"})
    return {"listing_id": listing_id, "photos": photos}


@router.get("/listings/{listing_id}/photos", include_in_schema=False)
def listing_photos_html(request: Request, listing_id: IdPath,
                        user: Annotated[User, Depends(page_user())]) -> Response:
    """The photos page of a listing."""
    photos = _photos(request, listing_id)
    state(request).audit.record(user.name, "view", "listing_photos", listing_id)
    return render(request, "photos.html", {"listing_id": listing_id, "photos": photos})


@router.get("/photos/{photo_id}", include_in_schema=False)
def photo(request: Request, photo_id: IdPath,
          user: Annotated[User, Depends(page_user())]) -> Response:
    """One kept photo's bytes (only photos that decoded; see module doc)."""
    st = state(request)
    found = photo_bytes(st.ws, photo_id)
    if found is None:
        raise ApiError(404, "not_found", f"no photo {photo_id} that can be shown")
    st.audit.record(user.name, "view", "photo", photo_id)
    data, media = found
    return Response(data, media_type=media, headers={
        "x-content-type-options": "nosniff", "content-security-policy": PHOTO_CSP,
        "cache-control": "private, no-store"})
