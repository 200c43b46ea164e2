"""Views of other stages' results for the listing page: legality, custody, linked accounts.

The web app shows whatever the stages have produced; where a stage has written nothing
yet for a listing, these helpers answer with what the core tables hold (or nothing).
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wildtrace.assess.legality import verdict
from wildtrace.identify import identifier_for
from wildtrace.store import tables as t
from wildtrace.store.tables import link as lt
from wildtrace.store.tables import preserve as pt


def reasons_of(assessment: dict[str, Any] | None) -> list[str]:
    """The reasons an assessment recorded, as text lines."""
    if not assessment:
        return []
    try:
        value = json.loads(assessment.get("reasons") or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def custody_of(engine: Engine, sha256s: list[str],
               capture_body: str = "") -> list[dict[str, Any]]:
    """Chain-of-custody events of a listing's evidence, oldest first.

    The preserve stage's hash-chained custody log when it has entries for these blobs
    or their capture record; otherwise when each blob entered the store.
    """
    out: list[dict[str, Any]] = []
    captures, custody = pt.captures, pt.custody
    with engine.connect() as conn:
        caps = conn.execute(sa.select(captures.c.id, captures.c.record_sha256).where(
            captures.c.body_sha256 == capture_body)).all() if capture_body else []
        keys = [*sha256s, *[str(c.record_sha256) for c in caps]]
        subjects = [f"capture/{c.id}" for c in caps]
        if keys or subjects:
            rows = conn.execute(sa.select(custody).where(sa.or_(
                custody.c.sha256.in_(keys or [""]),
                custody.c.subject.in_(subjects or [""]))).order_by(custody.c.seq)
                .limit(200)).all()
            out = [{"at": r.at, "event": r.action, "sha256": r.sha256,
                    "who": r.who, "detail": f"{r.subject} (entry {r.seq}, "
                                            f"hash {r.entry_hash[:12]}…)"}
                   for r in rows]
    if out or not sha256s:
        return out
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.blobs).where(t.blobs.c.sha256.in_(sha256s))).all()
    return [{"at": str(r.created_at), "event": "stored", "sha256": r.sha256, "who": "",
             "detail": f"{r.media_type}, {r.size} bytes"} for r in rows]


def _link_stage(engine: Engine, listing_id: int) -> list[dict[str, Any]]:
    """Accounts the link stage's newest run put in the same seller as this listing."""
    run = lt.latest_run(engine)
    if run is None:
        return []
    m = lt.seller_members
    with engine.connect() as conn:
        seller = conn.execute(sa.select(m.c.seller_id).where(
            m.c.run_id == run, m.c.listing_id == listing_id)).scalar()
        if seller is None:
            return []
        rows = conn.execute(
            sa.select(t.listings.c.id, t.listings.c.source, t.listings.c.seller,
                      t.listings.c.url)
            .join(m, m.c.listing_id == t.listings.c.id)
            .where(m.c.run_id == run, m.c.seller_id == seller,
                   t.listings.c.id != listing_id)
            .order_by(t.listings.c.id).limit(30)).all()
        sl = lt.seller_links
        evidence = conn.execute(sa.select(sl.c.listing_a, sl.c.listing_b, sl.c.kind,
                                          sl.c.evidence, sl.c.confidence).where(
            sl.c.run_id == run,
            sa.or_(sl.c.listing_a == listing_id, sl.c.listing_b == listing_id))
            .limit(100)).all()
    why: dict[int, str] = {}
    for a, b, kind, ev, conf in evidence:
        other = b if a == listing_id else a
        why[int(other)] = f"{kind}: {ev} ({conf:.2f})" if ev else f"{kind} ({conf:.2f})"
    return [{"kind": "account", "value": f"{r.seller or '(no name)'} on {r.source}",
             "via": f"seller {seller}, link run {run}"
                    + (f"; {why[r.id]}" if r.id in why else ""),
             "listing_id": int(r.id)} for r in rows]


def linked_accounts(engine: Engine, listing: dict[str, Any]) -> list[dict[str, Any]]:
    """Contact identifiers of the listing and the accounts the link stage tied to it."""
    try:
        idents = json.loads(listing.get("identifiers") or "[]")
    except ValueError:
        idents = []
    out: list[dict[str, Any]] = []
    for i in idents if isinstance(idents, list) else []:
        if isinstance(i, dict) and i.get("kind") and i.get("value"):
            out.append({"kind": str(i["kind"]), "value": str(i["value"]),
                        "via": "listing text"})
    return out + _link_stage(engine, int(listing["id"]))


def legality_verdict(ws: Any, listing: dict[str, Any]) -> dict[str, Any] | None:
    """The assess stage's legality verdict for a listing, with its reasons, or None.

    Identifies the listing's text afresh (the identifier is cached after the first call)
    and applies the jurisdiction's rules, as ``wildtrace explain`` does.
    """
    try:
        ident = identifier_for(ws)
        text = "\n".join(p for p in (listing.get("title"), listing.get("description")) if p)
        found = ident.identify(text[: int(ws.settings.max_text_chars)])
        try:
            extra = json.loads(listing.get("extra") or "{}")
        except ValueError:
            extra = {}
        site = str(extra.get("site_country", "") or extra.get("country", "")) \
            if isinstance(extra, dict) else ""
        v = verdict(found, ws.settings.jurisdiction, location=listing.get("location") or "",
                    site_country=site, identifier=ident)
    except Exception:  # a broken reference pack must not take the listing page down
        return None
    return {"verdict": v.verdict, "jurisdiction": v.jurisdiction, "reasons": list(v.reasons),
            "rules_fired": list(v.rules_fired), "claims": list(v.claims)}
