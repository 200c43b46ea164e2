"""The review queue: flagged listings, riskiest (or most informative) first, and labels.

Each listing's newest assessment is the one that counts; the queue lists them highest
score first (ties: Appendix I first, newer, wider-reaching seller), in pages that
continue from a cursor (the last row's whole sort key, keyset pagination), never from an
offset. The active-learning order instead
offers the unlabelled listings whose labels would teach the model most. The queries
themselves are storage's (:mod:`wildtrace.store.review`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from wildtrace.assess.review import order
from wildtrace.errors import InputError
from wildtrace.store import Store
from wildtrace.store.review import QueueFilter

LABELS = {"confirm": 1, "reject": 0, "unsure": -1}
LABEL_NAMES = {v: k for k, v in LABELS.items()}
MAX_PAGE = 200


@dataclass(frozen=True, slots=True)
class QueuePage:
    """One page of the queue and the cursor of the next (empty at the end)."""

    items: list[dict[str, Any]]
    next_cursor: str


def parse_cursor(cursor: str) -> tuple[float, int, int, int, str] | None:
    """``"score:appendix rank:reach:id:posted day"`` (the queue's whole sort key, see
    :mod:`wildtrace.store.review`) → a tuple; raises InputError when malformed."""
    if not cursor:
        return None
    try:
        score_text, rank, reach, id_text, day = cursor.split(":", 4)
        return float(score_text), int(rank), int(reach), int(id_text), day
    except ValueError:
        raise InputError(f"bad cursor {cursor[:40]!r}",
                         hint="pass the next_cursor of the previous page") from None


def queue_page(store: Store, flt: QueueFilter, cursor: str = "",
               limit: int = 50) -> QueuePage:
    """One page of flagged listings, highest risk first."""
    limit = max(1, min(limit, MAX_PAGE))
    if flt.taxon and not store.review.names_taxon(flt.taxon):
        return QueuePage(items=[], next_cursor="")  # no assessment names such a taxon
    rows = store.review.queue_rows(flt, parse_cursor(cursor), limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if more and rows else None
    nxt = (f"{last['score']!r}:{last['appendix_rank']}:{last['reach']}:"
           f"{last['assessment_id']}:{last['posted_day'] or ''}" if last else "")
    return QueuePage(items=rows, next_cursor=nxt)


def label_value(name: str) -> int:
    """``confirm``/``reject``/``unsure`` → 1/0/-1; InputError for anything else."""
    try:
        return LABELS[name]
    except KeyError:
        raise InputError(f"unknown label {name[:20]!r}",
                         hint="use confirm, reject or unsure") from None


def label_name(value: int) -> str:
    """1/0/-1 → ``confirm``/``reject``/``unsure`` (other values as their number)."""
    return LABEL_NAMES.get(value, str(value))


def _risk_proxy(row: dict[str, Any]) -> float:
    """The stored risk; assessments made before risk was kept use the CITES appendix and
    flags instead."""
    if row.get("risk") is not None:
        return float(row["risk"])
    base = {"I": 0.9, "II": 0.6, "III": 0.4}.get(row.get("cites") or "", 0.1)
    return min(1.0, base + (0.1 if row.get("flags") else 0.0))


def learning_page(store: Store, flt: QueueFilter, threshold: float,
                  limit: int = 50, pool: int = 1000) -> QueuePage:
    """Unlabelled listings whose labels would teach the model most (active learning).

    Uses ``wildtrace.assess.review.order`` over the ``pool`` listings scored nearest the
    decision threshold, flagged or not.
    """
    rows = store.review.nearest(replace(flt, include_unflagged=True), threshold, pool)
    if not rows:
        return QueuePage(items=[], next_cursor="")
    picks = order([r["id"] for r in rows], [r["title"] or "" for r in rows],
                  [float(r["score"]) for r in rows], [_risk_proxy(r) for r in rows],
                  threshold, max(1, min(limit, MAX_PAGE)))
    by_id = {r["id"]: r for r in rows}
    return QueuePage(items=[by_id[p.listing_id] for p in picks], next_cursor="")
