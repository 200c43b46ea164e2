"""The review queue as the analyst sees it: listings, riskiest or most informative
first, what the model may have missed (the "possible" view), and the labels that take
them out of it. Every page of it served is audited
with the listings it showed."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from wildtrace.act.review import MAX_PAGE, QueuePage, label_value, learning_page, queue_page
from wildtrace.app.audit import record_read
from wildtrace.app.listings import ListingItem, listing_item
from wildtrace.errors import InputError
from wildtrace.store.review import QueueFilter
from wildtrace.workspace import Workspace


@dataclass(frozen=True, slots=True)
class QueueView:
    """One page of the queue and the cursor of the next ("" at the end)."""

    items: tuple[ListingItem, ...]
    next_cursor: str


ORDERS = ("risk", "learning", "possible")
# How far below the relevance threshold a score still counts as "possible": the model's
# scores of offers it missed (a Vietnamese pangolin advert at 0.19, Japanese ivory at
# 0.32 against a 0.5 threshold) sit in this band, and a listed taxon brings in the rest.
POSSIBLE_BAND = 0.35


def review_queue(ws: Workspace, flt: QueueFilter, order: str = "risk", cursor: str = "",
                 limit: int = 50, *, user: str) -> QueueView:
    """A page of the queue, audited as read by ``user``: risk order (keyset pages
    continued by ``cursor``), the active-learning order of assess (one page, recomputed
    after each label), or the "possible" view (:func:`possible_page`)."""
    if order == "learning":
        page = learning_page(ws.store, flt, float(ws.settings.relevance_threshold), limit)
    elif order == "possible":
        page = possible_page(ws, flt, cursor, limit)
    elif order == "risk":
        page = queue_page(ws.store, flt, cursor, limit)
    else:
        raise InputError(f"unknown queue order {order[:20]!r}",
                         hint="use " + ", ".join(ORDERS))
    items = tuple(listing_item(r) for r in page.items)
    record_read(ws, user, "queue", (i.id for i in items), order=order, cursor=cursor,
                filter={k: v for k, v in asdict(flt).items() if v})
    return QueueView(items=items, next_cursor=page.next_cursor)


def possible_page(ws: Workspace, flt: QueueFilter, cursor: str = "",
                  limit: int = 50) -> QueuePage:
    """Listings the model did *not* flag but an analyst should see: those naming a
    CITES-listed taxon, and those scored just below the threshold (within
    :data:`POSSIBLE_BAND`), highest score first, in keyset pages (cursor
    ``"score:assessment id"``). Labels given here are training labels like any other:
    a confirmed miss teaches ``wildtrace train`` what the model did not know."""
    limit = max(1, min(limit, MAX_PAGE))
    after: tuple[float, int] | None = None
    if cursor:
        try:
            score_text, id_text = cursor.split(":", 1)
            after = float(score_text), int(id_text)
        except ValueError:
            raise InputError(f"bad cursor {cursor[:40]!r}",
                             hint="pass the next_cursor of the previous page") from None
    threshold = float(ws.settings.relevance_threshold)
    rows = ws.store.review.possible(flt, threshold, POSSIBLE_BAND, after, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    nxt = f"{rows[-1]['score']!r}:{rows[-1]['assessment_id']}" if more and rows else ""
    return QueuePage(items=rows, next_cursor=nxt)


def label_listing(ws: Workspace, user: str, listing_id: int, label: str,
                  note: str = "") -> bool:
    """Record an analyst's label (``confirm``, ``reject`` or ``unsure``) on a listing, for
    ``wildtrace train`` and in the audit log; False when there is no such listing."""
    if ws.store.listing(listing_id) is None:
        return False
    value = label_value(label)
    ws.store.add_label(listing_id, value, user, note.strip()[:5000])
    ws.store.audit.record(user, "label", "listing", listing_id, {"label": label})
    return True
