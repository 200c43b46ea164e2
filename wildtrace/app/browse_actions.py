"""What an analyst does to a whole view of the listings: label every listing in it at
once, and keep it under a name (saved views, per user, in the database).

A bulk label is confirmed by count: the form shows how many listings the view holds
and sends that number back; if the view has changed since (new listings imported, a
label given elsewhere), nothing is labelled and the analyst is asked to look again.
At most ``MAX_BULK`` listings are labelled at once, so a slip cannot relabel a
workspace. Each bulk label is one audit entry with the ids it labelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from wildtrace.act.review import label_value
from wildtrace.app.audit import MAX_IDS
from wildtrace.app.browse import BrowseQuery, first_page, parse_query
from wildtrace.errors import InputError
from wildtrace.workspace import Workspace

MAX_BULK = 5000
MAX_VIEWS = 200  # saved views per user
MAX_NAME = 100


class BulkRefused(InputError):
    """A bulk label the view does not allow now (it changed, holds too many or none):
    the request was well formed, the state is not (the web answers 409)."""


@dataclass(frozen=True, slots=True)
class BulkLabel:
    """What a bulk label did: how many listings got which label."""

    labelled: int
    label: str


def bulk_label(ws: Workspace, user: str, query: BrowseQuery, label: str, expected: int,
               note: str = "") -> BulkLabel:
    """Label every listing of the view ``query`` (all its pages) with ``label``, if it
    still holds exactly ``expected`` listings; InputError otherwise, or when it holds
    more than ``MAX_BULK`` or none (:class:`BulkRefused`)."""
    value = label_value(label)
    ids = ws.store.browse.ids(query.filter, MAX_BULK + 1)
    if len(ids) > MAX_BULK:
        raise BulkRefused(f"this view holds more than {MAX_BULK:,} listings; nothing was "
                         "labelled", hint="narrow the filters, then label again")
    if not ids:
        raise BulkRefused("this view holds no listings; nothing was labelled")
    if len(ids) != expected:
        raise BulkRefused(f"this view now holds {len(ids):,} listings, not {expected:,}; "
                         "nothing was labelled", hint="reload the view and confirm again")
    ws.store.browse.add_labels(ids, value, user, note.strip()[:5000])
    detail: dict[str, object] = {"label": label, "count": len(ids),
                                 "query": query.query_string(page=1),
                                 "ids": [str(i) for i in ids[:MAX_IDS]]}
    if len(ids) > MAX_IDS:
        detail["ids_truncated"] = True
    ws.store.audit.record(user, "label", "listing", "bulk", detail)
    return BulkLabel(labelled=len(ids), label=label)


def _name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise InputError("a saved view needs a name")
    if len(name) > MAX_NAME:
        raise InputError(f"a view's name is at most {MAX_NAME} characters")
    return name


def save_view(ws: Workspace, user: str, name: str, query_string: str) -> str:
    """Save the view of ``query_string`` as ``user``'s view ``name`` (replacing one of
    that name), from its first page; returns the query string kept."""
    query = first_page(parse_query(dict(parse_qsl(query_string[:4000]))))
    name = _name(name)
    known = dict(ws.store.browse.views(user))
    if name not in known and len(known) >= MAX_VIEWS:
        raise InputError(f"you have {MAX_VIEWS} saved views already",
                         hint="delete one you no longer use")
    kept = query.query_string()
    ws.store.browse.save_view(user, name, kept)
    return kept


def delete_view(ws: Workspace, user: str, name: str) -> bool:
    """Remove ``user``'s saved view ``name``; False when there was none."""
    return ws.store.browse.delete_view(user, " ".join(name.split()))


def saved_views(ws: Workspace, user: str) -> list[tuple[str, str]]:
    """``user``'s saved views: (name, query string), by name."""
    return ws.store.browse.views(user)
