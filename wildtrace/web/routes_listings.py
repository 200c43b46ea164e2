"""Listings: the list and detail API, the listing page, evidence and the safe replay.

A captured page is criminal-authored HTML. It is never inlined into our pages: the
listing page embeds ``/replay/<sha256>`` in an ``<iframe sandbox>`` (no scripts, no
same-origin), and that path itself answers with ``Content-Security-Policy: sandbox;
default-src 'none'`` so even opened directly nothing in it runs or loads.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from wildtrace.act.cases import seller_listing_ids
from wildtrace.act.material import evidence_for, media_type_of, platform_of
from wildtrace.act.review import LABEL_NAMES, assessments_of, labels_of, matches_of
from wildtrace.store import tables as t
from wildtrace.web.accounts import User
from wildtrace.web.deps import ApiError, WebState, api_user, page_user, render, state
from wildtrace.web.integrations import (
    custody_of,
    legality_verdict,
    linked_accounts,
    reasons_of,
)
from wildtrace.web.routes_queue import summary
from wildtrace.web.schemas import ERRORS, IdPath, ListingDetail, ListingPage

router = APIRouter()
REPLAY_CSP = ("sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
              "frame-ancestors 'self'")
REPLAYABLE = ("text/html", "application/xhtml+xml", "text/plain")
IMAGES = ("image/png", "image/jpeg", "image/webp", "image/gif")


def _row(st: WebState, listing_id: int) -> dict[str, Any]:
    with st.ws.store.engine.connect() as conn:
        row = conn.execute(sa.select(t.listings).where(t.listings.c.id == listing_id)).first()
    if row is None:
        raise ApiError(404, "not_found", f"no listing {listing_id}")
    return dict(row._mapping)


def detail(st: WebState, listing_id: int) -> dict[str, Any]:
    """Everything the listing page and API show about one listing."""
    engine = st.ws.store.engine
    row = _row(st, listing_id)
    assessments = assessments_of(engine, listing_id)
    latest = assessments[0] if assessments else None
    matches = matches_of(engine, listing_id, latest["run_id"] if latest else None)
    evidence = evidence_for(engine, st.ws.blobs, row)
    try:
        idents = json.loads(row.get("identifiers") or "[]")
    except ValueError:
        idents = []
    # The seller's other listings as the link stage resolved them (any platform, any
    # name), else the same seller name on the same platform.
    others = [i for i in seller_listing_ids(engine, listing_id, limit=21, newest_first=True)
              if i != listing_id][:20]
    seller_rows: list[dict[str, Any]] = []
    if others:
        with engine.connect() as conn:
            seller_rows = [dict(r._mapping) for r in conn.execute(
                sa.select(t.listings).where(t.listings.c.id.in_(others))
                .order_by(t.listings.c.id.desc()))]
    listing = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()
               if k not in ("identifiers",)}
    try:
        listing["extra"] = json.loads(row.get("extra") or "{}")
    except ValueError:
        listing["extra"] = {}
    listing["platform"] = platform_of(row.get("url") or "", row.get("source") or "")
    judged = legality_verdict(st.ws, row)
    return {
        "listing": listing,
        "identifiers": [i for i in idents if isinstance(i, dict)] if isinstance(idents, list)
        else [],
        "assessments": [{**{k: a[k] for k in ("id", "run_id", "model", "model_version",
                                               "relevant", "score", "taxa", "cites",
                                               "flags")},
                         "reasons": reasons_of(a)} for a in assessments],
        "matches": [{k: m[k] for k in ("taxon", "rank", "appendix", "start", "end",
                                       "matched", "rule", "kind", "run_id")}
                    for m in matches],
        "legality": judged["reasons"] if judged else reasons_of(latest),
        "verdict": judged,
        "labels": [{"id": lb["id"], "label": LABEL_NAMES.get(lb["label"], str(lb["label"])),
                    "user": lb["user"], "note": lb["note"], "created_at": str(lb["created_at"])}
                   for lb in labels_of(engine, listing_id)],
        "evidence": [{"sha256": e.sha256, "role": e.role, "media_type": e.media_type,
                      "size": e.size, "present": e.present} for e in evidence],
        "custody": custody_of(engine, [e.sha256 for e in evidence],
                              str(row.get("capture_sha256") or "")),
        "seller_listings": [summary(r).model_dump() for r in seller_rows],
        "linked_accounts": linked_accounts(engine, row),
    }


@router.get("/api/listings", response_model=ListingPage, responses=ERRORS, tags=["listings"])
def api_listings(request: Request, user: Annotated[User, Depends(api_user())],
                 q: Annotated[str, Query(max_length=200)] = "",
                 source: Annotated[str, Query(max_length=200)] = "",
                 cursor: Annotated[str, Query(max_length=20, pattern=r"^[0-9]*$")] = "",
                 limit: Annotated[int, Query(ge=1, le=500)] = 100) -> ListingPage:
    """Listings in id order (``cursor`` = last id seen), or full-text matches of ``q``."""
    st = state(request)
    query = sa.select(t.listings).order_by(t.listings.c.id).limit(limit + 1)
    if q.strip():
        ids = st.ws.store.search(q, limit=5000)
        query = query.where(t.listings.c.id.in_(ids or [-1]))
    if source:
        query = query.where(t.listings.c.source == source)
    if cursor:
        query = query.where(t.listings.c.id > int(cursor))
    with st.ws.store.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    more = len(rows) > limit
    rows = rows[:limit]
    return ListingPage(items=[summary(r) for r in rows],
                       next_cursor=str(rows[-1]["id"]) if more and rows else "")


@router.get("/api/listings/{listing_id}", response_model=ListingDetail, responses=ERRORS,
            tags=["listings"])
def api_listing(request: Request, listing_id: IdPath,
                user: Annotated[User, Depends(api_user())]) -> dict[str, Any]:
    """One listing with provenance, matches, legality reasons, labels and evidence."""
    st = state(request)
    out = detail(st, listing_id)
    st.audit.record(user.name, "view", "listing", listing_id, {"via": "api"})
    return out


@router.get("/listings/{listing_id}", include_in_schema=False)
def listing_html(request: Request, listing_id: IdPath,
                 user: Annotated[User, Depends(page_user())]) -> Response:
    """The listing page."""
    st = state(request)
    d = detail(st, listing_id)
    st.audit.record(user.name, "view", "listing", listing_id)
    shots = [e for e in d["evidence"] if e["present"] and e["media_type"] in IMAGES]
    replays = [e for e in d["evidence"] if e["present"] and e["media_type"] in REPLAYABLE]
    return render(request, "listing.html", {
        "d": d, "l": d["listing"], "shots": shots, "replays": replays,
        "back": str(request.url.query), "cases": st.cases.summaries(limit=50)})


def _blob(st: WebState, sha256: str) -> tuple[bytes, str]:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ApiError(404, "not_found", "no such evidence")
    media = media_type_of(st.ws.store.engine, sha256)
    if media is None or not st.ws.blobs.exists(sha256):
        raise ApiError(404, "not_found", f"evidence {sha256[:12]}… is not in the store")
    return st.ws.blobs.get(sha256), media.split(";")[0].strip().lower()


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
