"""Capture–recapture: how many individuals (sellers) exist, seen or not.

The histories come from a file (one row per individual, one 0/1 column per occasion) or
from the workspace: its sellers as the newest stored link run resolved them, seen per
platform, month, week or collection day. The report's market-size estimate
(:func:`market_size`) is the same computation over the same sellers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wildtrace.errors import InputError
from wildtrace.measure.histories import read_histories
from wildtrace.measure.market_size import MarketSize
from wildtrace.measure.market_size import market_size as estimate_size
from wildtrace.measure.recapture import CaptureData, ModelResult, closed_population, summary, table
from wildtrace.measure.recapture_classic import extras
from wildtrace.measure.seller_histories import OCCASIONS, seller_histories
from wildtrace.records import LinkRun
from wildtrace.workspace import Workspace

QUICK_CI_OCCASIONS = 10  # up to this many occasions profile intervals take seconds


@dataclass(frozen=True)
class Recapture:
    """The fitted models, and the classic estimators (Lincoln–Petersen, Chapman,
    Schnabel, Jolly–Seber), of one set of capture histories."""

    data: CaptureData
    results: tuple[ModelResult, ...]
    classic: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``wildtrace recapture --json``."""
        return {**summary(self.data, list(self.results)), "classic": self.classic}

    def table(self) -> str:
        """The fixed-width table ``wildtrace recapture`` prints."""
        return table(self.data, list(self.results))


def _fit(data: CaptureData, ci: bool | None,
         interactions: tuple[tuple[int, int], ...]) -> Recapture:
    want = ci if ci is not None else data.t <= QUICK_CI_OCCASIONS
    results = closed_population(data, ci=want, interactions=interactions)
    return Recapture(data=data, results=tuple(results), classic=extras(data))


def _link_run(ws: Workspace) -> LinkRun:
    run = ws.store.link.newest()
    if run is None:
        raise InputError("the workspace has no link run yet, so no resolved sellers",
                         hint="run `wildtrace process` or `wildtrace sellers` first")
    return run


def workspace_histories(ws: Workspace, by: str) -> CaptureData:
    """One history per seller of the newest link run, one occasion per ``by``
    (platform, month, week or run); InputError when there is no link run."""
    if by not in OCCASIONS:
        raise InputError(f"unknown occasion {by!r}", hint=", ".join(OCCASIONS))
    return seller_histories(ws.store.market.listings(), _link_run(ws).seller_of, by)


def from_file(path: Path, *, freq: bool = False, ci: bool | None = None,
              interactions: tuple[tuple[int, int], ...] = ()) -> Recapture:
    """Fit the histories of ``path`` (``freq``: its last column counts the individuals
    sharing each row). Profile intervals (``ci``) default to on up to ten occasions."""
    return _fit(read_histories(path, freq=freq), ci, interactions)


def from_workspace(ws: Workspace, by: str, *, ci: bool | None = None,
                   interactions: tuple[tuple[int, int], ...] = ()) -> Recapture:
    """Fit the workspace's seller histories by ``by`` (see :func:`workspace_histories`)."""
    return _fit(workspace_histories(ws, by), ci, interactions)


def market_size(ws: Workspace, run: LinkRun | None) -> MarketSize | None:
    """The report's estimate of how many sellers exist, over ``run``'s sellers; None
    without a run or with too few occasions or recaptures."""
    if run is None:
        return None
    return estimate_size(list(ws.store.market.listings()), run.seller_of)
