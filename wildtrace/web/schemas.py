"""Pydantic models of the JSON API, so /openapi.json describes every answer."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field


class ErrorDetail(BaseModel):
    """What went wrong."""

    status: int
    code: str
    message: str
    hint: str = ""


class ErrorBody(BaseModel):
    """The one error shape of the API."""

    error: ErrorDetail


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody}, 401: {"model": ErrorBody}, 403: {"model": ErrorBody},
    404: {"model": ErrorBody}, 422: {"model": ErrorBody},
}


class Health(BaseModel):
    """Liveness answer."""

    ok: bool


class Me(BaseModel):
    """The caller."""

    name: str
    role: str


class Identifier(BaseModel):
    """A contact identifier of a listing."""

    kind: str
    value: str


class ListingSummary(BaseModel):
    """A listing as it appears in lists and the queue."""

    id: int
    title: str
    source: str
    url: str
    price: float | None = None
    currency: str = ""
    seller: str = ""
    language: str = ""
    posted: str = ""
    location: str = ""
    score: float | None = None
    relevant: bool | None = None
    taxa: str = ""
    cites: str = ""
    flags: str = ""


class ListingPage(BaseModel):
    """A page of listings and the cursor of the next page ("" at the end)."""

    items: list[ListingSummary]
    next_cursor: str


class Match(BaseModel):
    """A matched taxon with its CITES appendix and where in the text it was found."""

    taxon: str
    rank: str
    appendix: str
    start: int
    end: int
    matched: str
    rule: str
    kind: str
    run_id: int


class AssessmentOut(BaseModel):
    """One assessment (a model version's judgement) with its provenance."""

    id: int
    run_id: int
    model: str
    model_version: str
    relevant: bool
    score: float
    taxa: str
    cites: str
    flags: str
    reasons: list[str]


class LabelOut(BaseModel):
    """An analyst's label."""

    id: int
    label: str
    user: str
    note: str
    created_at: str


class EvidenceOut(BaseModel):
    """An evidence blob behind a listing."""

    sha256: str
    role: str
    media_type: str
    size: int
    present: bool


class ListingDetail(BaseModel):
    """Everything known about one listing."""

    listing: dict[str, Any]
    identifiers: list[Identifier]
    assessments: list[AssessmentOut]
    matches: list[Match]
    legality: list[str]
    verdict: dict[str, Any] | None = None
    labels: list[LabelOut]
    evidence: list[EvidenceOut]
    custody: list[dict[str, Any]]
    seller_listings: list[ListingSummary]
    linked_accounts: list[dict[str, Any]]
    # Payment traces (IBAN, bank account, PayPal, Pix, GCash, UPI, wallets...) apart.
    payment_traces: list[Identifier] = []
    # {"form": ..., "role": ..., "cues": [...]}: the listing's value-chain position.
    value_chain: dict[str, Any] | None = None


class LabelIn(BaseModel):
    """Confirm, reject or mark unsure, with an optional note."""

    model_config = ConfigDict(extra="forbid")

    label: Literal["confirm", "reject", "unsure"]
    note: str = Field(default="", max_length=5000)


class Ok(BaseModel):
    """A plain success."""

    ok: bool


class CaseIn(BaseModel):
    """A new case."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    notes: str = Field(default="", max_length=20000)


class CaseItemIn(BaseModel):
    """What to add to a case: a listing (ref: its id), the seller behind a listing as
    the link stage resolved it (``seller_of``, ref: the listing's id), or a seller name
    (``seller``, matched exactly on every platform)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["listing", "seller_of", "seller"]
    ref: str = Field(min_length=1, max_length=500)
    note: str = Field(default="", max_length=5000)


class CaseItemOut(BaseModel):
    """An item of a case."""

    kind: str
    ref: str
    note: str
    added_by: str


class CaseOut(BaseModel):
    """A case with its items."""

    id: int
    title: str
    notes: str
    status: str
    created_by: str
    items: list[CaseItemOut]
    platforms: list[str] = []


class CaseSummary(BaseModel):
    """A case in the list."""

    id: int
    title: str
    status: str
    created_by: str
    n_items: int


class Created(BaseModel):
    """The id of something created."""

    id: int


class TipIn(BaseModel):
    """A citizen's tip."""

    model_config = ConfigDict(extra="forbid")

    # http(s), a host, then printable ASCII (percent-encode anything else).
    url: str = Field(max_length=2048, pattern=r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[!-~]*)?$",
                     examples=["https://marketplace.example/item/123"])
    description: str = Field(default="", max_length=5000)
    language: str = Field(default="", max_length=16)


class TipOut(BaseModel):
    """A tip in the triage queue."""

    id: int
    url: str
    description: str
    language: str
    screenshot_sha256: str
    capture_sha256: str
    capture_status: str
    capture_detail: str
    status: str
    created_at: str


class TipStatusIn(BaseModel):
    """Triage decision on a tip."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["new", "triaged", "dismissed"]


class SeriesPoint(BaseModel):
    """One count in a time series."""

    period: str
    group: str
    count: int


class PriceRow(BaseModel):
    """Price statistics of one group, in one currency (quartiles only from 4 prices up)."""

    group: str
    currency: str
    n: int
    median: float
    p25: float | None
    p75: float | None
    min: float
    max: float


class CountryRow(BaseModel):
    """Listings per country, with the country's centroid."""

    iso2: str
    name: str
    lat: float
    lon: float
    count: int


class NetworkOut(BaseModel):
    """Sellers (nodes) linked by shared contact identifiers (edges)."""

    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]


class AuditOut(BaseModel):
    """One audit entry."""

    id: int
    at: str
    user: str
    action: str
    object_kind: str
    object_id: str
    detail: dict[str, Any]


MAX_ID = 2**31 - 1  # ids are 32-bit INTEGER columns on PostgreSQL
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
