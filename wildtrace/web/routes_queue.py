"""The review queue (page and API) and labelling: confirm, reject or unsure, with notes.

Labels go to the store's training labels, so ``wildtrace train`` learns from them, and
into the audit log (:func:`wildtrace.app.queue.label_listing`).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from wildtrace.app.accounts import User
from wildtrace.app.listings import ListingItem
from wildtrace.app.queue import QueueView, label_listing, review_queue
from wildtrace.store.review import QueueFilter
from wildtrace.web.deps import ApiError, api_user, check_form_csrf, page_user, render, state
from wildtrace.web.schemas import ERRORS, IdPath, LabelIn, ListingPage, ListingSummary, Ok

router = APIRouter()
APPENDICES = ("", "I", "II", "III")


def summary(item: ListingItem) -> ListingSummary:
    """A listing of a list as the API's summary model."""
    return ListingSummary(**asdict(item))


def _filter(taxon: str, appendix: str, platform: str, language: str, date_from: str,
            date_to: str, labelled: bool, all_: bool) -> QueueFilter:
    if appendix not in APPENDICES:
        raise ApiError(422, "validation", "appendix must be I, II, III or empty")
    return QueueFilter(taxon=taxon.strip(), appendix=appendix, platform=platform.strip(),
                       language=language.strip(), date_from=date_from.strip(),
                       date_to=date_to.strip(), include_labelled=labelled,
                       include_unflagged=all_)


Str = Annotated[str, Query(max_length=200)]
# In the schema too, so a client (or a fuzzer) reading /openapi.json knows the choices.
Appendix = Annotated[str, Query(pattern="^(I|II|III)?$")]
Order = Annotated[str, Query(pattern="^(risk|learning|possible)$")]


def _page(request: Request, user: User, flt: QueueFilter, order: str, cursor: str,
          limit: int) -> QueueView:
    """Risk order (keyset pages), or the active-learning order of assess (audited as
    read by ``user``)."""
    return review_queue(state(request).ws, flt, order, cursor, limit, user=user.name)


@router.get("/api/queue", response_model=ListingPage, responses=ERRORS, tags=["review"])
def api_queue(request: Request, user: Annotated[User, Depends(api_user())],
              taxon: Str = "", appendix: Appendix = "", platform: Str = "", language: Str = "",
              date_from: Str = "", date_to: Str = "", labelled: bool = False,
              all: bool = False, cursor: Str = "", order: Order = "risk",
              limit: Annotated[int, Query(ge=1, le=200)] = 50) -> ListingPage:
    """Flagged listings not yet labelled, highest risk first; continue with ``cursor``.

    ``order=learning`` instead lists the unlabelled listings whose labels would teach the
    model most (active learning; one page, recomputed after each label);
    ``order=possible`` lists what the model did not flag but may have missed: listings
    naming a CITES-listed taxon or scored just below the threshold (pages by ``cursor``).
    """
    flt = _filter(taxon, appendix, platform, language, date_from, date_to, labelled, all)
    page = _page(request, user, flt, order, cursor, limit)
    return ListingPage(items=[summary(r) for r in page.items], next_cursor=page.next_cursor)


@router.get("/", include_in_schema=False)
def home(user: Annotated[User, Depends(page_user())]) -> Response:
    """The queue is the analyst's home."""
    return RedirectResponse("/queue", status_code=303)


@router.get("/queue", include_in_schema=False)
def queue_html(request: Request, user: Annotated[User, Depends(page_user())],
               taxon: Str = "", appendix: Appendix = "", platform: Str = "", language: Str = "",
               date_from: Str = "", date_to: Str = "", labelled: bool = False,
               cursor: Str = "", order: Order = "risk") -> Response:
    """The review queue page."""
    flt = _filter(taxon, appendix, platform, language, date_from, date_to, labelled, False)
    page = _page(request, user, flt, order, cursor, 50)
    params = {k: v for k, v in (("taxon", taxon), ("appendix", appendix),
                                ("order", "" if order == "risk" else order),
                                ("platform", platform), ("language", language),
                                ("date_from", date_from), ("date_to", date_to)) if v}
    if labelled:
        params["labelled"] = "true"
    more = urlencode({**params, "cursor": page.next_cursor}) if page.next_cursor else ""
    return render(request, "queue.html", {"page": page, "flt": flt, "appendices": APPENDICES,
                                          "order": order,
                                          "filters": urlencode(params), "more": more})


@router.get("/queue/next", include_in_schema=False)
def queue_next(request: Request, user: Annotated[User, Depends(page_user())],
               taxon: Str = "", appendix: Appendix = "", platform: Str = "", language: Str = "",
               date_from: Str = "", date_to: Str = "", order: Order = "risk") -> Response:
    """Open the next listing to review, or the queue when it is empty."""
    flt = _filter(taxon, appendix, platform, language, date_from, date_to, False, False)
    page = _page(request, user, flt, order, "", 1)
    query = str(request.url.query)
    if not page.items:
        return RedirectResponse("/queue" + ("?" + query if query else ""), status_code=303)
    target = f"/listings/{page.items[0].id}" + ("?" + query if query else "")
    return RedirectResponse(target, status_code=303)


def _label(request: Request, user: User, listing_id: int, label: str, note: str) -> None:
    if not label_listing(state(request).ws, user.name, listing_id, label, note):
        raise ApiError(404, "not_found", f"no listing {listing_id}")


@router.post("/api/listings/{listing_id}/labels", response_model=Ok, responses=ERRORS,
             tags=["review"])
def api_label(request: Request, listing_id: IdPath, body: LabelIn,
              user: Annotated[User, Depends(api_user("analyst"))]) -> Ok:
    """Confirm, reject or mark a listing unsure (feeds ``wildtrace train``)."""
    _label(request, user, listing_id, body.label, body.note)
    return Ok(ok=True)


@router.post("/listings/{listing_id}/label", include_in_schema=False)
def form_label(request: Request, listing_id: IdPath,
               user: Annotated[User, Depends(page_user("analyst"))],
               label: Annotated[str, Form(max_length=20)],
               csrf_token: Annotated[str, Form(max_length=200)],
               note: Annotated[str, Form(max_length=5000)] = "",
               back: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """The listing page's label form; goes on to the next listing in the queue."""
    check_form_csrf(request, csrf_token)
    _label(request, user, listing_id, label, note)
    query = back if back and not back.startswith(("/", "http")) else ""
    return RedirectResponse("/queue/next" + ("?" + query if query else ""), status_code=303)
