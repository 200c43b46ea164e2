"""Link: sellers, identifiers and networks across listings and platforms."""

from __future__ import annotations

from typing import Any

from wildtrace.blobstore import BlobStore
from wildtrace.store import Store


def resolve_sellers(store: Store, blobs: BlobStore | None = None, *,
                    force: bool = False) -> dict[str, Any]:
    """Resolve sellers over every listing in ``store`` as a new link run.

    When the newest run already covers exactly the stored listings (nothing was added
    since), its summary is returned with ``"unchanged": True`` and no run is added,
    unless ``force``. Returns a JSON-ready summary (run id, listings, sellers, links by
    kind, cross-platform sellers). Called by ``wildtrace process`` after assessment.
    """
    from wildtrace.link.sellers import run_link

    latest = store.link.latest_run()
    if not force and latest is not None and store.link.covers_all_listings(latest):
        return {"run_id": latest, **store.link.run_detail(latest), "unchanged": True}
    run_id, _, summary = run_link(store, blobs)
    return {"run_id": run_id, **summary}


__all__ = ["resolve_sellers"]
