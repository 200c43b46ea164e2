"""``wildtrace process``: identify → assess → link on what is new.

Stages never call each other; this use case hands each stage's records to the next:
stored listings → contact identifiers (extract) → identify + assess (one scorer does
both) → link. Results are written as a new run, so re-running with a better model adds a
version instead of overwriting.

Assess also reads the species hints of each listing's photos (:func:`photo_hints`: a
bounded feature of relevance and risk, never a verdict). Identify and assess may run on a
Dask cluster (the ``scheduler`` setting, or
``process --scheduler``; see :mod:`wildtrace.app.distributed`): workers compute the
same batches this process would, and this process alone writes them, in batch order,
so a run's results are the same wherever it was computed, except for what photos add: the
workers read the listings' own text only, without the text read from photos or their
species hints (both are read here, from the workspace, in a single-process run).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wildtrace.app.photos import photo_hints, with_photo_text
from wildtrace.app.valuechain import read_positions
from wildtrace.assess import Scorer, load_scorer
from wildtrace.assess.modelfile import latest_model
from wildtrace.assess.photohint import PhotoHint
from wildtrace.extract.identifiers import find_identifiers
from wildtrace.identify import identifier_for
from wildtrace.link import resolve_sellers
from wildtrace.records import Assessment, Identifier, Listing
from wildtrace.workspace import Workspace

# Listings per batch. The scam signals compare a listing with the others of its batch
# (prices per taxon, texts per seller), so the batch is part of a result's meaning:
# distributed workers are handed exactly these batches.
BATCH = 1000


@dataclass
class ProcessResult:
    """What one ``process`` run did."""

    assessed: int = 0
    relevant: int = 0
    model_version: str = ""
    link: dict[str, Any] = field(default_factory=dict)
    workers: int = 0  # Dask worker threads that computed the run; 0: this process

    def as_dict(self) -> dict[str, Any]:
        """JSON shape of ``process --json``."""
        return {"assessed": self.assessed, "relevant": self.relevant,
                "model_version": self.model_version, "link": self.link}


@dataclass(frozen=True)
class Scored:
    """One batch's results, computed here or on a worker, not yet written."""

    listing_ids: tuple[int, ...]
    identifiers: list[tuple[int, list[Identifier]]]
    assessments: list[Assessment]
    version: str


def score_batch(scorer: Scorer, batch: Sequence[Listing], limit: int,
                seen: Sequence[Listing] | None = None,
                hints: Mapping[int, Sequence[PhotoHint]] | None = None) -> Scored:
    """Identifiers and assessments of one batch of listings (pure computation: the
    same code runs in this process and on Dask workers). ``seen`` is the batch as
    assessed, with the text read from photos (identifiers stay the listing's own);
    ``hints`` the species hints of its photos, by listing id."""
    # Listings, not bare texts: price and seller feed the scam signals.
    return Scored(tuple(x.id for x in batch), _identifiers(batch, limit),
                  scorer.assess_listings(list(seen if seen is not None else batch),
                                         photo_hints=hints),
                  scorer.version)


def process(ws: Workspace, *, model_path: Path | None = None,
            progress: Callable[[int], None] | None = None,
            scheduler: str | None = None, batch: int = BATCH) -> ProcessResult:
    """Assess every listing the current model version has not seen, then link sellers.

    Without ``model_path`` the newest model trained in the workspace is used (analysts'
    labels improve it with each ``wildtrace train``); with none, the zero-shot scorer.
    ``scheduler`` (default: the ``scheduler`` setting) sends identify and assess to a
    Dask cluster; linking and every write stay in this process.
    """
    if model_path is None:
        model_path = latest_model(ws.models_dir)
    scorer = load_scorer(ws.settings, model_path, identifier=identifier_for(ws),
                         cache_dir=ws.root / "cache")
    address = ws.settings.scheduler if scheduler is None else scheduler
    result = ProcessResult(model_version=scorer.version)
    limit = int(ws.settings.max_text_chars)
    cluster: Any = contextlib.nullcontext()
    if address:
        from wildtrace.app.distributed import open_cluster

        # Connected before the run starts: an unreachable scheduler leaves no run behind.
        cluster = open_cluster(address)
    with cluster as dask:
        run_id = ws.store.start_run("process", scorer.version)

        def write(scored: Scored) -> None:
            # The one writer of the run: a batch a dead worker computed twice lands once.
            ws.store.set_identifiers(scored.identifiers)
            ws.store.save_assessments(run_id, list(zip(
                scored.listing_ids, scored.assessments, strict=True)))
            result.assessed += len(scored.listing_ids)
            result.relevant += sum(1 for a in scored.assessments if a.relevant)
            if progress:
                progress(len(scored.listing_ids))

        if dask is not None:
            result.workers = dask.assess(ws, scorer, model_path, batch, write)
        else:
            pending: list[Listing] = []
            for listing in ws.store.iter_listings(unassessed_by=scorer.version):
                pending.append(listing)
                if len(pending) >= batch:
                    write(score_batch(scorer, pending, limit, with_photo_text(ws, pending),
                                      photo_hints(ws, pending)))
                    pending.clear()
            if pending:
                write(score_batch(scorer, pending, limit, with_photo_text(ws, pending),
                                  photo_hints(ws, pending)))
    result.link = resolve_sellers(ws.store, ws.blobs,
                                  incremental=ws.settings.link_incremental)
    detail = result.as_dict()
    detail["positions_read"] = read_positions(ws.store)
    if address:
        detail["scheduler"] = {"address": address, "workers": result.workers}
    ws.store.finish_run(run_id, detail)
    return result


def _identifiers(batch: Sequence[Listing], limit: int) -> list[tuple[int, list[Identifier]]]:
    # Imported listings arrive as text only; captured pages had their identifiers
    # extracted already, so only listings without any are searched. Matching reads a
    # bounded prefix: a 10 MB listing must not stall a run.
    found = []
    for listing in batch:
        if not listing.identifiers:
            # The currency and location are the listing's own hints at the country of
            # a phone written without its country code (money.CURRENCY_REGION).
            idents = find_identifiers(listing.text[:limit], url=listing.url,
                                      location=listing.location, currency=listing.currency)
            if idents:
                found.append((listing.id, idents))
    return found
