"""``wildtrace process``: identify → assess → link on what is new.

Stages never call each other; this use case hands each stage's records to the next:
stored listings → contact identifiers (extract) → identify + assess (one scorer does
both) → link. Results are written as a new run, so re-running with a better model adds a
version instead of overwriting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wildtrace.assess import load_scorer
from wildtrace.assess.modelfile import latest_model
from wildtrace.extract.identifiers import find_identifiers
from wildtrace.identify import identifier_for
from wildtrace.link import resolve_sellers
from wildtrace.records import Assessment, Identifier, Listing
from wildtrace.workspace import Workspace

BATCH = 1000
# A listing's currency is the best cheap hint at the country of a phone number written
# without its country code; euro and dollar span too many countries to say.
_REGION_BY_CURRENCY = {"GBP": "GB", "VND": "VN", "CNY": "CN", "HKD": "HK", "THB": "TH",
                       "IDR": "ID", "MYR": "MY", "PHP": "PH", "INR": "IN", "JPY": "JP",
                       "KRW": "KR", "ZAR": "ZA", "KES": "KE", "NGN": "NG", "BRL": "BR",
                       "AUD": "AU", "CAD": "CA", "NZD": "NZ", "SGD": "SG"}


@dataclass
class ProcessResult:
    """What one ``process`` run did."""

    assessed: int = 0
    relevant: int = 0
    model_version: str = ""
    link: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON shape of ``process --json``."""
        return {"assessed": self.assessed, "relevant": self.relevant,
                "model_version": self.model_version, "link": self.link}


def process(ws: Workspace, *, model_path: Path | None = None,
            progress: Callable[[int], None] | None = None) -> ProcessResult:
    """Assess every listing the current model version has not seen, then link sellers.

    Without ``model_path`` the newest model trained in the workspace is used (analysts'
    labels improve it with each ``wildtrace train``); with none, the zero-shot scorer.
    """
    if model_path is None:
        model_path = latest_model(ws.models_dir)
    scorer = load_scorer(ws.settings, model_path, identifier=identifier_for(ws),
                         cache_dir=ws.root / "cache")
    result = ProcessResult(model_version=scorer.version)
    run_id = ws.store.start_run("process", scorer.version)
    limit = int(ws.settings.max_text_chars)
    batch: list[Listing] = []

    def flush() -> None:
        ws.store.set_identifiers(_identifiers(batch, limit))
        # Listings, not bare texts: price and seller feed the scam signals.
        assessments: list[Assessment] = scorer.assess_listings(batch)
        ws.store.save_assessments(run_id, [(x.id, a) for x, a in zip(batch, assessments,
                                                                       strict=True)])
        result.assessed += len(batch)
        result.relevant += sum(1 for a in assessments if a.relevant)
        if progress:
            progress(len(batch))
        batch.clear()

    for listing in ws.store.iter_listings(unassessed_by=scorer.version):
        batch.append(listing)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    result.link = resolve_sellers(ws.store, ws.blobs)
    ws.store.finish_run(run_id, result.as_dict())
    return result


def _identifiers(batch: list[Listing], limit: int) -> list[tuple[int, list[Identifier]]]:
    # Imported listings arrive as text only; captured pages had their identifiers
    # extracted already, so only listings without any are searched. Matching reads a
    # bounded prefix: a 10 MB listing must not stall a run.
    found = []
    for listing in batch:
        if not listing.identifiers:
            region = _REGION_BY_CURRENCY.get(listing.currency, "ZZ")
            idents = find_identifiers(listing.text[:limit], region)
            if idents:
                found.append((listing.id, idents))
    return found
