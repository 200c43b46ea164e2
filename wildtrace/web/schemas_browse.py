"""Pydantic models of the browse API (``/api/browse`` and its saved views and bulk
labels), so /openapi.json describes every answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from wildtrace.web.schemas import ListingSummary


class RowOut(ListingSummary):
    """A listing of a view: its summary, headline (title, else the start of its text),
    newest label, country and verdict (flagged, not_flagged, unassessed)."""

    headline: str
    label: str
    country: str
    verdict: str


class FacetValueOut(BaseModel):
    """One value of a facet: listings of the view with it, whether the view is
    filtered to it, and the query string that toggles it ("" when it cannot be)."""

    value: str
    count: int
    selected: bool
    toggle: str


class FacetOut(BaseModel):
    """A facet's top values within the view."""

    name: str
    values: list[FacetValueOut]


class BrowseOut(BaseModel):
    """One page of a view: the count of matching listings, the rows, the facets, the
    view's query string with its HTML and CSV twins, and the neighbouring pages'."""

    total: int
    page: int
    per_page: int
    query: str
    html: str
    csv: str
    next: str
    previous: str
    items: list[RowOut]
    facets: list[FacetOut]


class BulkLabelIn(BaseModel):
    """Label a whole view: its query string, and the count the caller was shown."""

    model_config = ConfigDict(extra="forbid")

    query: str = Field(max_length=4000)
    label: Literal["confirm", "reject", "unsure"]
    expected: int = Field(ge=0)
    note: str = Field(default="", max_length=5000)


class BulkLabelOut(BaseModel):
    """How many listings were labelled, and how."""

    labelled: int
    label: str


class SavedViewIn(BaseModel):
    """A view to keep under a name."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, pattern=r"\S")
    query: str = Field(default="", max_length=4000)


class SavedViewOut(BaseModel):
    """A saved view with its page, JSON and CSV addresses."""

    name: str
    query: str
    html: str
    json_url: str
    csv: str

    @classmethod
    def of(cls, name: str, query: str) -> SavedViewOut:
        """The saved view ``name`` of the query string ``query``."""
        tail = "?" + query if query else ""
        return cls(name=name, query=query, html="/browse" + tail,
                   json_url="/api/browse" + tail, csv="/browse.csv" + tail)
