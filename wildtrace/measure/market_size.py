"""How many sellers the market holds, seen or not: the report's capture–recapture
estimate over the workspace's resolved sellers.

Occasions are tried in order, platforms first (each platform a "list", as in
multiple-systems estimation), then months; the first grouping with enough occasions and
recaptures is used. Four quick models are fitted without profile intervals, and the one
with the lowest AIC is named.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from wildtrace.errors import WildtraceError
from wildtrace.measure.recapture import ModelResult, closed_population
from wildtrace.measure.seller_histories import seller_histories
from wildtrace.store.market import MarketListing

GROUPINGS = ("platform", "month")
MODELS = ("M0", "Mt", "Mh Chao", "Mth Chao")


@dataclass(frozen=True)
class MarketSize:
    """A market-size estimate: the sellers seen, over how many occasions of which
    grouping, and every model that could be fitted."""

    by: str
    seen: int
    occasions: int
    results: tuple[ModelResult, ...]

    @property
    def best(self) -> ModelResult:
        """The model with the lowest AIC."""
        return min(self.results, key=_aic)


def _aic(r: ModelResult) -> float:
    return r.aic if r.aic is not None else float("inf")


def market_size(listings: Sequence[MarketListing],
                seller_of: Mapping[int, int]) -> MarketSize | None:
    """The estimate over ``listings`` under a link run's ``seller_of``; None when no
    grouping has enough occasions or recaptures."""
    for by in GROUPINGS:
        try:
            data = seller_histories(listings, seller_of, by)
        except WildtraceError:
            continue
        fitted = [r for r in closed_population(data, models=MODELS, ci=False)
                  if r.error is None]
        if fitted:
            return MarketSize(by=by, seen=data.n, occasions=data.t, results=tuple(fitted))
    return None
