"""Link: sellers, identifiers and networks across listings and platforms."""

from __future__ import annotations

from typing import Any

from wildtrace.store import Store


def resolve_sellers(store: Store, blobs: Any = None) -> dict[str, Any]:
    """Resolve sellers over every listing in ``store`` as a new link run.

    Returns a JSON-ready summary (run id, listings, sellers, links by kind,
    cross-platform sellers). Called by ``wildtrace process`` after assessment.
    """
    from wildtrace.link.sellers import run_link

    run_id, _, summary = run_link(store, blobs)
    return {"run_id": run_id, **summary}


__all__ = ["resolve_sellers"]
