"""Browse and search every listing: the read model behind ``/browse``, ``/api/browse``
and ``/browse.csv``, which take the same query parameters.

A view is entirely its query string (search words, facet filters, sort, page), so any
view is a URL to share, to save under a name, or to fetch as JSON or CSV. Each page or
export served shows sellers' data and is audited with the ids it held. Facet counts
are computed by the database over the whole filtered set (:mod:`wildtrace.store.browse`).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields, replace
from urllib.parse import urlencode

from wildtrace.act.exports.safecsv import SafeWriter
from wildtrace.app.audit import record_read
from wildtrace.app.listings import ListingItem, listing_item
from wildtrace.collect.countries import country_of
from wildtrace.errors import InputError
from wildtrace.store.browse import FACETS, SORTS, VERDICTS, BrowseFilter
from wildtrace.workspace import Workspace

PER_PAGE = 50
MAX_PER_PAGE = 200
MAX_OFFSET = 10_000  # deeper than this, narrow the filters (or export the CSV)
CSV_CAP = 100_000  # rows one CSV export holds
COUNTRY_BATCH = 5000
MAX_TEXT = 200
APPENDICES = ("I", "II", "III", "none")
LABELS = ("confirm", "reject", "unsure", "none")
_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
# The query parameter of each facet (the month facet filters by a date range).
FACET_PARAM = {"taxon": "taxon", "appendix": "appendix", "platform": "platform",
               "language": "language", "country": "country", "seller": "seller",
               "form": "form", "verdict": "verdict", "label": "label"}
CSV_COLUMNS = ("id", "title", "source", "url", "price", "currency", "seller", "location",
               "country", "posted", "language", "score", "relevant", "taxa", "cites",
               "flags", "label")


@dataclass(frozen=True, slots=True)
class BrowseQuery:
    """One view of the listings: its filter, sort and page."""

    filter: BrowseFilter = BrowseFilter()
    sort: str = "id"
    descending: bool = True
    page: int = 1
    per_page: int = PER_PAGE

    def params(self, **changes: object) -> dict[str, str]:
        """The view's query parameters (defaults left out), with ``changes`` applied;
        a change of filter or sort goes back to page 1."""
        out = {f.name: str(getattr(self.filter, f.name)) for f in fields(BrowseFilter)}
        out.update(sort=self.sort, dir="desc" if self.descending else "asc",
                   page=str(self.page), per_page=str(self.per_page))
        if any(k not in ("page", "per_page") for k in changes):
            out["page"] = "1"
        out.update({k: str(v) for k, v in changes.items()})
        defaults = {"sort": "id", "dir": "desc", "page": "1", "per_page": str(PER_PAGE)}
        return {k: v for k, v in out.items() if v and defaults.get(k) != v}

    def query_string(self, **changes: object) -> str:
        """:meth:`params` as a URL query string."""
        return urlencode(self.params(**changes))


def _text(params: Mapping[str, str], name: str) -> str:
    value = (params.get(name) or "").strip()
    if len(value) > MAX_TEXT:
        raise InputError(f"{name} is longer than {MAX_TEXT} characters")
    return value


def _choice(params: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    value = _text(params, name)
    if value and value not in allowed:
        raise InputError(f"{name} must be one of {', '.join(allowed)} (got {value[:20]!r})")
    return value


def _int(params: Mapping[str, str], name: str, default: int, top: int) -> int:
    raw = _text(params, name)
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= top:
        raise InputError(f"{name} must be a whole number from 1 to {top}")
    return int(raw)


def parse_query(params: Mapping[str, str]) -> BrowseQuery:
    """A view from its query parameters; InputError naming the first bad one."""
    for name in ("date_from", "date_to"):
        if _text(params, name) and not _DATE.fullmatch(_text(params, name)):
            raise InputError(f"{name} must be a date such as 2024-03-01")
    flt = BrowseFilter(
        q=_text(params, "q"), taxon=_text(params, "taxon"),
        appendix=_choice(params, "appendix", APPENDICES),
        platform=_text(params, "platform"), language=_text(params, "language"),
        country=_text(params, "country").upper(), seller=_text(params, "seller"),
        form=_text(params, "form"), verdict=_choice(params, "verdict", VERDICTS),
        label=_choice(params, "label", LABELS), date_from=_text(params, "date_from"),
        date_to=_text(params, "date_to"))
    per_page = _int(params, "per_page", PER_PAGE, MAX_PER_PAGE)
    # Deeper than MAX_OFFSET rows is the last page allowed (narrow the view, or take
    # the CSV, to see beyond it).
    page = min(_int(params, "page", 1, MAX_OFFSET + 1), MAX_OFFSET // per_page + 1)
    return BrowseQuery(filter=flt, sort=_choice(params, "sort", SORTS) or "id",
                       descending=_choice(params, "dir", ("asc", "desc")) != "asc",
                       page=page, per_page=per_page)


@dataclass(frozen=True, slots=True)
class BrowseRow:
    """A listing as the browse table shows it: its list item, a headline (the title,
    else the start of its text), newest label and country."""

    item: ListingItem
    headline: str
    label: str
    country: str
    verdict: str


@dataclass(frozen=True, slots=True)
class FacetValue:
    """One value of a facet: how many listings of the view have it, whether the view
    is already filtered to it, and the query string that toggles it."""

    value: str
    count: int
    selected: bool
    toggle: str


@dataclass(frozen=True, slots=True)
class Facet:
    """A facet's top values within the view (``unknown`` counts listings without)."""

    name: str
    values: tuple[FacetValue, ...]


@dataclass(frozen=True, slots=True)
class BrowseView:
    """One page of a view: how many listings match, the rows, the facets, the query
    strings of the neighbouring pages ("" when none) and the user's saved views."""

    query: BrowseQuery
    total: int
    rows: tuple[BrowseRow, ...]
    facets: tuple[Facet, ...]
    previous: str
    next: str
    saved: tuple[tuple[str, str], ...]


def refresh_countries(ws: Workspace) -> int:
    """Give each listing not yet counted a country (read from its location, else its
    URL, as the market figures read it), so the country facet counts in SQL."""
    done = 0
    while batch := ws.store.browse.uncountried(COUNTRY_BATCH):
        ws.store.browse.set_countries([(i, country_of(url, location=loc) or "")
                                       for i, url, loc in batch])
        done += len(batch)
    return done


_LABEL_NAMES = {1: "confirm", 0: "reject", -1: "unsure"}


def _row(raw: Mapping[str, object]) -> BrowseRow:
    item = listing_item(raw)
    label = raw.get("label")
    verdict = ("unassessed" if item.score is None
               else "flagged" if item.relevant else "not_flagged")
    return BrowseRow(item=item, headline=item.heading,
                     label=_LABEL_NAMES.get(label, "") if isinstance(label, int) else "",
                     country=str(raw.get("country") or ""), verdict=verdict)


def _facets(query: BrowseQuery, counts: Mapping[str, list[tuple[str, int]]]) -> tuple[Facet, ...]:
    out = []
    for name in FACETS:
        values = []
        for value, n in counts.get(name, []):
            if name == "month":
                chosen = bool(value) and query.filter.date_from == value + "-01"
                toggle = (query.query_string(date_from="", date_to="") if chosen else
                          query.query_string(date_from=value + "-01", date_to=value + "-31")
                          if value else "")
            else:
                param = FACET_PARAM[name]
                shown = value or "none"
                chosen = getattr(query.filter, param) == shown
                toggle = query.query_string(**{param: "" if chosen else shown})
                if name in ("taxon", "form") and not value:
                    toggle = ""
            values.append(FacetValue(value=value or "unknown", count=n, selected=chosen,
                                     toggle=toggle))
        out.append(Facet(name=name, values=tuple(values)))
    return tuple(out)


def browse(ws: Workspace, query: BrowseQuery, *, user: str, via: str = "web") -> BrowseView:
    """One page of a view with its facet counts and ``user``'s saved views, audited as
    read by ``user``."""
    refresh_countries(ws)
    offset = (query.page - 1) * query.per_page
    raw = ws.store.browse.rows(query.filter, query.sort, query.descending, offset,
                               query.per_page)
    total, counts = ws.store.browse.facets(query.filter)
    rows = tuple(_row(r) for r in raw)
    record_read(ws, user, "browse", (r.item.id for r in rows), query=query.query_string(),
                via=via)
    last_page = min(max(1, -(-total // query.per_page)), MAX_OFFSET // query.per_page + 1)
    return BrowseView(
        query=query, total=total, rows=rows, facets=_facets(query, counts),
        previous=query.query_string(page=query.page - 1) if query.page > 1 else "",
        next=query.query_string(page=query.page + 1) if query.page < last_page else "",
        saved=tuple(ws.store.browse.views(user)))


def csv_rows(ws: Workspace, query: BrowseQuery, *, user: str) -> Iterator[list[object]]:
    """The whole view (up to ``CSV_CAP`` rows, in its sort order) as CSV rows, header
    first, audited as an export by ``user``; cells are made formula-safe by the writer."""
    refresh_countries(ws)
    raw = ws.store.browse.rows(query.filter, query.sort, query.descending, 0, CSV_CAP)
    rows = [_row(r) for r in raw]
    record_read(ws, user, "browse", (r.item.id for r in rows), query=query.query_string(),
                via="csv")
    yield list(CSV_COLUMNS)
    for r in rows:
        i = r.item
        yield [i.id, r.headline, i.source, i.url, i.price, i.currency, i.seller, i.location,
               r.country, i.posted, i.language, i.score,
               "" if i.relevant is None else int(i.relevant), i.taxa, i.cites, i.flags,
               r.label]


def csv_text(ws: Workspace, query: BrowseQuery, *, user: str) -> str:
    """:func:`csv_rows` written formula-safe (``act/exports/safecsv.py``), CRLF rows."""
    buf = io.StringIO()
    SafeWriter(buf).writerows(csv_rows(ws, query, user=user))
    return buf.getvalue()


def first_page(query: BrowseQuery) -> BrowseQuery:
    """The same view from its first page (what a saved view keeps)."""
    return replace(query, page=1)
