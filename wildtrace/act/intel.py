"""Intelligence to share: what one wildtrace team hands another, independent of format.

A case (or a hand-picked selection of listings) becomes an :class:`IntelPackage`: the
listings with the fields an analyst on the other side needs to act (URL, text, price,
place, date), the contact identifiers that link sellers (phones, e-mails, messaging
handles, wallets, profile pages), the identify/assess results (taxa, CITES appendix,
flags, score) and the SHA-256 of every evidence blob behind them, so the receiver can
ask for the evidence and check it is what was hashed. The STIX 2.1 and MISP writers
(:mod:`wildtrace.act.exports.stix`, :mod:`wildtrace.act.exports.misp`) translate this
record, and their readers translate back to it, so two teams can exchange through
either format and get the same thing.

Values written by sellers travel as data, never as markup: each writer escapes through
its library's JSON serialiser, and the readers cut every field to a size limit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from wildtrace.act.material import CaseListing, CaseMaterial
from wildtrace.errors import InputError

# A fixed namespace, so the same listing exported twice gets the same STIX/MISP ids and
# a receiver can recognise an update rather than see a new object.
NAMESPACE = uuid.UUID("6f1d0f5e-8e0a-4c56-9c1e-2a4f5b7c9d31")
MAX_FIELD = 20_000  # characters kept of any one imported text field
MAX_LISTINGS = 20_000  # listings one imported file may bring
# The identifier kinds of extract/identifiers.py, grouped as the formats see them.
ACCOUNT_KINDS = ("wechat", "telegram", "line", "qq", "whatsapp")
KINDS = ("phone", "email", "wallet", "profile_url", *ACCOUNT_KINDS)


@dataclass(frozen=True, slots=True)
class SharedEvidence:
    """One evidence blob's fingerprint: the bytes stay with the team that holds them."""

    sha256: str
    role: str
    media_type: str = ""
    size: int = 0


@dataclass(frozen=True, slots=True)
class IntelListing:
    """One listing as shared."""

    ref: str  # the producer's listing id
    url: str = ""
    title: str = ""
    description: str = ""
    price: float | None = None
    currency: str = ""
    seller: str = ""
    location: str = ""
    posted: str = ""
    language: str = ""
    platform: str = ""
    taxa: tuple[str, ...] = ()
    cites: str = ""
    flags: tuple[str, ...] = ()
    score: float | None = None
    identifiers: tuple[tuple[str, str], ...] = ()  # (kind, value)
    evidence: tuple[SharedEvidence, ...] = ()

    def key(self, producer: str) -> uuid.UUID:
        """A stable id for this listing from this producer."""
        return uuid.uuid5(NAMESPACE, f"{producer}\x1f{self.ref}\x1f{self.url}")


@dataclass(frozen=True, slots=True)
class IntelPackage:
    """What one export holds: who made it, about what, and the listings."""

    producer: str  # the team or workspace that shares
    title: str
    created: str  # ISO 8601 UTC
    listings: tuple[IntelListing, ...]
    case_id: int | None = None
    sellers: tuple[str, ...] = ()

    @property
    def key(self) -> uuid.UUID:
        """A stable id of the package (the case, or the selection of listings)."""
        basis = (f"case:{self.case_id}" if self.case_id is not None
                 else "sel:" + ",".join(sorted(x.ref for x in self.listings)))
        return uuid.uuid5(NAMESPACE, f"{self.producer}\x1f{basis}")


def _split(value: Any) -> tuple[str, ...]:
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value if str(v))
    return tuple(p.strip() for p in str(value or "").split(";") if p.strip())


def listing_of(item: CaseListing) -> IntelListing:
    """A case listing as shared: fields, identifiers, assessment and evidence hashes."""
    row, a = item.row, item.assessment or {}
    price = row.get("price")
    score = a.get("score")
    return IntelListing(
        ref=str(row.get("id", "")), url=str(row.get("url") or ""),
        title=str(row.get("title") or ""), description=str(row.get("description") or ""),
        price=float(price) if isinstance(price, (int, float)) else None,
        currency=str(row.get("currency") or ""), seller=str(row.get("seller") or ""),
        location=str(row.get("location") or ""), posted=str(row.get("posted") or ""),
        language=str(row.get("language") or ""), platform=item.platform,
        taxa=_split(a.get("taxa")), cites=str(a.get("cites") or ""),
        flags=_split(a.get("flags")),
        score=float(score) if isinstance(score, (int, float)) else None,
        identifiers=tuple((str(i.get("kind", "")), str(i.get("value", "")))
                          for i in item.identifiers
                          if i.get("kind") in KINDS and i.get("value")),
        evidence=tuple(SharedEvidence(e.sha256, e.role, e.media_type, e.size)
                       for e in item.evidence if len(e.sha256) == 64))


def package_of(material: CaseMaterial, producer: str, created: str,
               case_id: int | None) -> IntelPackage:
    """A case's (or a selection's) material as a package to share."""
    return IntelPackage(producer=producer, title=material.case.title, created=created,
                        listings=tuple(listing_of(x) for x in material.listings),
                        case_id=case_id, sellers=tuple(material.sellers))


def clip(value: Any, limit: int = MAX_FIELD) -> str:
    """An imported value as bounded, NUL-free text."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    return text.replace("\x00", "")[:limit]


def check_size(n: int, where: str) -> None:
    """Refuse a shared file with more listings than one import takes."""
    if n > MAX_LISTINGS:
        raise InputError(f"{where}: {n} listings, more than the {MAX_LISTINGS} one import "
                         "takes", hint="split the file and import the parts")
