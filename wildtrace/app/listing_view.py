"""The listing page's read model: everything shown about one listing, as one record.

Built from storage (the listing, its assessments, taxon matches, labels, evidence and
custody, the link stage's stored seller resolution) and from the assess stage's
legality rules, which judge the listing's text afresh (the identifier is cached after
the first call), as ``wildtrace explain`` does. Nothing here writes.

Every stored fact is read on one connection (:meth:`Store.reading`), in as few queries
as give the same answer: under twenty concurrent clients on a database server, a
connection and a BEGIN/ROLLBACK round trip per query cost more than the queries did.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wildtrace.act.material import (
    EvidenceItem,
    evidence_for,
    extra_of,
    identifiers_of,
    platform_of,
    reasons_of,
)
from wildtrace.act.review import label_name
from wildtrace.app.listings import ListingItem, display_title, listing_item
from wildtrace.assess.legality import verdict
from wildtrace.extract.payments import PAYMENT_KINDS
from wildtrace.extract.valuechain import position
from wildtrace.identify import identifier_for
from wildtrace.records import Identifier
from wildtrace.store.core import Store
from wildtrace.workspace import Workspace

OTHER_LISTINGS = 20  # of the same seller, newest first
CO_SELLER_ACCOUNTS = 30


@dataclass(frozen=True, slots=True)
class ListingFields:
    """The listing as stored (JSON ``extra`` decoded, times as ISO text) and its platform."""

    id: int
    content_sha256: str
    source: str
    url: str
    title: str
    description: str
    price: float | None
    currency: str
    seller: str
    location: str
    posted: str
    language: str
    origin: str
    capture_sha256: str
    extra: dict[str, Any]
    created_at: str
    platform: str
    heading: str = ""  # the title, else the start of the text (display_title)


@dataclass(frozen=True, slots=True)
class AssessmentView:
    """One assessment (a model version's judgement) with its provenance and reasons."""

    id: int
    run_id: int
    model: str
    model_version: str
    relevant: bool
    score: float
    taxa: str
    cites: str
    flags: str
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MatchView:
    """A matched taxon, where in the text it was found, and the run that found it."""

    taxon: str
    rank: str
    appendix: str
    start: int
    end: int
    matched: str
    rule: str
    kind: str
    run_id: int


@dataclass(frozen=True, slots=True)
class Legality:
    """The legality verdict of assess's rules for the listing's jurisdiction."""

    verdict: str
    jurisdiction: str
    reasons: tuple[str, ...]
    rules_fired: tuple[str, ...]
    claims: tuple[str, ...]
    jurisdiction_reason: str = ""  # which hint chose it (location, marketplace, currency)


@dataclass(frozen=True, slots=True)
class LabelView:
    """An analyst's label (``confirm``, ``reject`` or ``unsure``)."""

    id: int
    label: str
    user: str
    note: str
    created_at: str


@dataclass(frozen=True, slots=True)
class CustodyEvent:
    """Something that happened to a piece of the listing's evidence."""

    at: str
    event: str
    sha256: str
    who: str
    detail: str


@dataclass(frozen=True, slots=True)
class LinkedAccount:
    """A contact identifier of the listing, or another account the link stage tied to
    its seller (then with that account's listing)."""

    kind: str
    value: str
    via: str
    listing_id: int | None = None


@dataclass(frozen=True, slots=True)
class ListingView:
    """Everything the listing page and ``GET /api/listings/{id}`` show of one listing."""

    listing: ListingFields
    identifiers: tuple[Identifier, ...]
    assessments: tuple[AssessmentView, ...]
    matches: tuple[MatchView, ...]
    legality: tuple[str, ...]  # the verdict's reasons, else the newest assessment's
    verdict: Legality | None
    labels: tuple[LabelView, ...]
    evidence: tuple[EvidenceItem, ...]
    custody: tuple[CustodyEvent, ...]
    seller_listings: tuple[ListingItem, ...]
    linked_accounts: tuple[LinkedAccount, ...]
    # Where the money goes (IBAN, bank account, PayPal, Pix, GCash, UPI, wallets...):
    # the identifiers of the payment kinds, shown apart from the contacts.
    payment_traces: tuple[Identifier, ...] = ()
    # Product form and seller role with the cue words they were read from.
    value_chain: dict[str, Any] | None = None


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _fields(row: dict[str, Any]) -> ListingFields:
    return ListingFields(
        id=int(row["id"]), content_sha256=row["content_sha256"], source=row["source"],
        url=row["url"], title=row["title"], description=row["description"],
        price=row["price"], currency=row["currency"], seller=row["seller"],
        location=row["location"], posted=row["posted"], language=row["language"],
        origin=row["origin"], capture_sha256=row["capture_sha256"], extra=extra_of(row),
        created_at=_iso(row["created_at"]),
        platform=platform_of(row.get("url") or "", row.get("source") or ""),
        heading=display_title(row.get("title"), row.get("description")))


def _legality(ws: Workspace, row: dict[str, Any]) -> Legality | None:
    """The assess stage's legality verdict for a listing row, or None when it cannot be
    had (a broken reference pack must not take the listing page down)."""
    try:
        ident = identifier_for(ws)
        text = "\n".join(p for p in (row.get("title"), row.get("description")) if p)
        found = ident.identify(text[: int(ws.settings.max_text_chars)])
        extra = extra_of(row)
        site = str(extra.get("site_country", "") or extra.get("country", ""))
        v = verdict(found, ws.settings.jurisdiction, location=row.get("location") or "",
                    site_country=site, url=row.get("url") or "",
                    currency=row.get("currency") or "", identifier=ident)
    except Exception:
        return None
    return Legality(verdict=v.verdict, jurisdiction=v.jurisdiction, reasons=tuple(v.reasons),
                    rules_fired=tuple(v.rules_fired), claims=tuple(v.claims),
                    jurisdiction_reason=v.jurisdiction_reason)


def _custody(store: Store, evidence: tuple[EvidenceItem, ...],
             capture_body: str) -> tuple[CustodyEvent, ...]:
    """Chain-of-custody events of the evidence, oldest first: the preserve stage's
    hash-chained log where it has entries for these blobs or their capture record,
    otherwise when each blob entered the store."""
    shas = [e.sha256 for e in evidence]
    logged = store.evidence.custody_of(shas, capture_body)
    if logged or not shas:
        return tuple(CustodyEvent(at=e.at, event=e.action, sha256=e.sha256, who=e.who,
                                  detail=f"{e.subject} (entry {e.seq}, "
                                         f"hash {e.entry_hash[:12]}…)") for e in logged)
    return tuple(CustodyEvent(at=str(b.created_at), event="stored", sha256=b.sha256, who="",
                              detail=f"{b.media_type}, {b.size} bytes")
                 for b in store.blob_index.entries(shas).values())


def _linked_accounts(store: Store, row: dict[str, Any],
                     resolved: tuple[int, int] | None) -> tuple[LinkedAccount, ...]:
    """The listing's contact identifiers, then the accounts the link stage's newest run
    put under the same seller (``resolved``: that run and seller), each with the link
    that joins it directly (if any)."""
    out = [LinkedAccount(kind=str(i["kind"]), value=str(i["value"]), via="listing text")
           for i in identifiers_of(row) if i.get("kind") and i.get("value")]
    if resolved is None:
        return tuple(out)
    co = store.link.co_sellers(int(row["id"]), resolved, limit=CO_SELLER_ACCOUNTS)
    for other in co.listings:
        via = f"seller {co.seller_id}, link run {co.run_id}"
        if other.link is not None:
            _, _, kind, evidence, confidence = other.link
            via += (f"; {kind}: {evidence} ({confidence:.2f})" if evidence
                    else f"; {kind} ({confidence:.2f})")
        out.append(LinkedAccount(kind="account",
                                 value=f"{other.seller or '(no name)'} on {other.source}",
                                 via=via, listing_id=other.listing_id))
    return tuple(out)


def _seller_listings(store: Store, row: dict[str, Any],
                     resolved: tuple[int, int] | None) -> tuple[ListingItem, ...]:
    """The seller's other listings, newest first: as the link stage resolved the seller
    (any platform, any name), else the same seller name on the same platform (the rule
    of :func:`wildtrace.act.cases.seller_listing_ids`, read here as rows at once)."""
    listing_id = int(row["id"])
    if resolved is not None:
        rows = store.link.seller_rows(*resolved, besides=listing_id, limit=OTHER_LISTINGS)
    elif row.get("seller"):
        rows = store.cases.rows_named(str(row["seller"]), str(row["source"]),
                                      besides=listing_id, limit=OTHER_LISTINGS)
    else:  # a name alone is not a person, and no name is no one
        rows = []
    return tuple(listing_item(r) for r in rows)


def listing_view(ws: Workspace, listing_id: int) -> ListingView | None:
    """Everything shown about one listing; None when there is no such listing."""
    with ws.store.reading() as store:
        row = store.review.listing_row(listing_id)
        if row is None:
            return None
        assessments = store.review.assessments_of(listing_id)
        matches = store.review.newest_matches(listing_id)
        labels = store.review.labels_of(listing_id)
        evidence = tuple(evidence_for(store, ws.blobs, row))
        custody = _custody(store, evidence, str(row.get("capture_sha256") or ""))
        resolved = store.link.resolved_seller(listing_id)
        seller_listings = _seller_listings(store, row, resolved)
        linked_accounts = _linked_accounts(store, row, resolved)
        stored = store.valuechain.of([listing_id]).get(listing_id)
    # Judged after the connection went back to the pool: this is CPU work only.
    judged = _legality(ws, row)
    latest = assessments[0] if assessments else None
    idents = tuple(Identifier(str(i.get("kind", "")), str(i.get("value", "")))
                   for i in identifiers_of(row))
    if stored is not None:
        chain = {"form": stored.product_form, "role": stored.seller_role,
                 "cues": list(stored.cues)}
    else:  # not read by ``process`` yet: read now, stored by the next run
        p = position(f"{row.get('title') or ''}\n{row.get('description') or ''}")
        chain = {"form": p.form, "role": p.role, "cues": list(p.cues)}
    return ListingView(
        listing=_fields(row),
        identifiers=idents,
        payment_traces=tuple(i for i in idents if i.kind in PAYMENT_KINDS),
        value_chain=chain,
        assessments=tuple(AssessmentView(
            id=a["id"], run_id=a["run_id"], model=a["model"], model_version=a["model_version"],
            relevant=a["relevant"], score=a["score"], taxa=a["taxa"], cites=a["cites"],
            flags=a["flags"], reasons=tuple(reasons_of(a))) for a in assessments),
        matches=tuple(MatchView(
            taxon=m["taxon"], rank=m["rank"], appendix=m["appendix"], start=m["start"],
            end=m["end"], matched=m["matched"], rule=m["rule"], kind=m["kind"],
            run_id=m["run_id"]) for m in matches),
        legality=judged.reasons if judged else tuple(reasons_of(latest)),
        verdict=judged,
        labels=tuple(LabelView(id=lb["id"], label=label_name(lb["label"]), user=lb["user"],
                               note=lb["note"], created_at=str(lb["created_at"]))
                     for lb in labels),
        evidence=evidence,
        custody=custody,
        seller_listings=seller_listings,
        linked_accounts=linked_accounts)


def evidence_blob(ws: Workspace, sha256: str) -> tuple[bytes, str] | None:
    """An evidence blob's bytes and its media type (lower case, without parameters);
    None when the blob is unknown to the index or missing from the store."""
    media = ws.store.blob_index.media_type(sha256)
    if media is None or not ws.blobs.exists(sha256):
        return None
    return ws.blobs.get(sha256), media.split(";")[0].strip().lower()
