"""API shapes of case updates and of tips scored and made into cases (the rest of the
API's shapes are in :mod:`wildtrace.web.schemas`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from wildtrace.web.schemas import TipOut

CaseStatus = Literal["open", "submitted", "actioned", "closed"]


class CaseUpdateIn(BaseModel):
    """A change of a case's status and/or notes (a field left out stays as it is)."""

    model_config = ConfigDict(extra="forbid")

    status: CaseStatus | None = None
    notes: str | None = Field(default=None, max_length=20000)


class TipScoreOut(BaseModel):
    """The relevance scorer's judgement of a tip; ``reason`` says it in one sentence."""

    tip_id: int
    score: float
    relevant: bool
    taxa: list[str]
    cites: str
    flags: list[str]
    reason: str
    model_version: str


class TipCaseOut(BaseModel):
    """The listing and case a tip became (``created`` false: it had become them before)."""

    tip_id: int
    listing_id: int
    case_id: int
    created: bool


class ScoredTipOut(TipOut):
    """A tip in the triage queue with its score (null until scored) and the case it
    became (0 when none)."""

    score: float | None = None
    relevant: bool | None = None
    taxa: str = ""
    cites: str = ""
    reason: str = ""
    listing_id: int = 0
    case_id: int = 0
