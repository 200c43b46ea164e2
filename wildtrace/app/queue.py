"""The review queue as the analyst sees it: listings, riskiest or most informative
first, and the labels that take them out of it. Every page of it served is audited
with the listings it showed."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from wildtrace.act.review import label_value, learning_page, queue_page
from wildtrace.app.audit import record_read
from wildtrace.app.listings import ListingItem, listing_item
from wildtrace.store.review import QueueFilter
from wildtrace.workspace import Workspace


@dataclass(frozen=True, slots=True)
class QueueView:
    """One page of the queue and the cursor of the next ("" at the end)."""

    items: tuple[ListingItem, ...]
    next_cursor: str


def review_queue(ws: Workspace, flt: QueueFilter, order: str = "risk", cursor: str = "",
                 limit: int = 50, *, user: str) -> QueueView:
    """A page of the queue, audited as read by ``user``: risk order (keyset pages
    continued by ``cursor``), or the active-learning order of assess (one page,
    recomputed after each label)."""
    if order == "learning":
        page = learning_page(ws.store, flt, float(ws.settings.relevance_threshold), limit)
    else:
        page = queue_page(ws.store, flt, cursor, limit)
    items = tuple(listing_item(r) for r in page.items)
    record_read(ws, user, "queue", (i.id for i in items), order=order, cursor=cursor,
                filter={k: v for k, v in asdict(flt).items() if v})
    return QueueView(items=items, next_cursor=page.next_cursor)


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
