"""Link: sellers, identifiers and networks across listings and platforms."""

from __future__ import annotations

from typing import Any

from wildtrace.blobstore import BlobStore
from wildtrace.store import Store


def resolve_sellers(store: Store, blobs: BlobStore | None = None, *,
                    force: bool = False, incremental: bool = True) -> dict[str, Any]:
    """Resolve sellers over every listing in ``store`` as a new link run.

    When the newest run already covers exactly the stored listings (nothing was added
    since), its summary is returned with ``"unchanged": True`` and no run is added,
    unless ``force`` (which always resolves everything afresh). With ``incremental``
    (the ``link_incremental`` setting) listings added since the newest run join its
    sellers through the link index, with the same result as a full run; where that
    cannot be done (no index yet, a late listing) the run is a full one, which builds
    the index. Returns a JSON-ready summary (run id, listings, sellers, links by kind,
    cross-platform sellers; ``incremental`` says what an incremental run re-merged).
    Called by ``wildtrace process`` after assessment.
    """
    from wildtrace.link.incremental import run_incremental
    from wildtrace.link.sellers import run_link

    latest = store.link.latest_run()
    if not force and latest is not None and store.link.covers_all_listings(latest):
        return {"run_id": latest, **store.link.run_detail(latest), "unchanged": True}
    if incremental and not force and latest is not None:
        done = run_incremental(store, blobs, latest)
        if done is not None:
            return {"run_id": done[0], **done[1]}
    run_id, _, summary = run_link(store, blobs, index=incremental)
    return {"run_id": run_id, **summary}


__all__ = ["resolve_sellers"]
