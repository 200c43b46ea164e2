"""Typed, frozen records: the only things that cross stage boundaries.

Each stage reads the records of the stages before it and returns its own. Derived
records carry their provenance (``rule``/``model`` and ``version``) so a re-run with a
better model adds a new version instead of overwriting the old one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class RawRow:
    """One input row as read from a file, before it becomes a listing."""

    file: str
    row: int
    fields: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RowError:
    """An input row, page or file that could not be used, and why."""

    file: str
    row: int | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        """The ``{"file", "row", "reason"}`` shape of the CLI's JSON output."""
        return {"file": self.file, "row": self.row, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Identifier:
    """A contact identifier found in a listing, normalised (phones in E.164)."""

    kind: str  # phone, email, wechat, whatsapp, telegram, line, qq, wallet, profile_url
    value: str


@dataclass(frozen=True, slots=True)
class ListingDraft:
    """Listing fields as extracted or imported, not yet stored."""

    source: str
    title: str = ""
    description: str = ""
    url: str = ""
    price: float | None = None
    currency: str = ""
    seller: str = ""
    location: str = ""
    posted: str = ""
    language: str = ""
    identifiers: tuple[Identifier, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    origin: str = ""  # file:row, or the capture URL
    capture_sha256: str = ""

    @property
    def text(self) -> str:
        """Title and description joined: what identify and assess read."""
        return "\n".join(p for p in (self.title, self.description) if p)


@dataclass(frozen=True, slots=True)
class Listing:
    """A stored listing."""

    id: int
    source: str
    title: str
    description: str
    url: str
    price: float | None
    currency: str
    seller: str
    location: str
    posted: str
    language: str
    origin: str
    capture_sha256: str
    content_sha256: str
    extra: dict[str, Any] = field(default_factory=dict)
    identifiers: tuple[Identifier, ...] = ()

    @property
    def text(self) -> str:
        """Title and description joined: what identify and assess read."""
        return "\n".join(p for p in (self.title, self.description) if p)


@dataclass(frozen=True, slots=True)
class Taxon:
    """A taxon of the reference pack."""

    id: int
    name: str
    rank: str
    appendix: str  # "I", "II", "III", "" (not listed); mixed listings keep the highest
    listing: str  # the checklist's own listing text, e.g. "I/II"
    kingdom: str = ""
    klass: str = ""
    order: str = ""
    family: str = ""
    genus: str = ""


@dataclass(frozen=True, slots=True)
class TaxonMatch:
    """One hit of the matcher in a text."""

    taxon: str
    rank: str
    appendix: str
    start: int
    end: int
    matched: str
    rule: str  # e.g. "name:en", "synonym", "product:ivory", "code_word"
    kind: str = "name"  # name, product, code_word


@dataclass(frozen=True, slots=True)
class Assessment:
    """The assess stage's judgement of one text."""

    relevant: bool
    score: float
    taxa: tuple[str, ...]
    cites: str
    flags: tuple[str, ...]
    reasons: tuple[str, ...]
    model: str
    model_version: str
    matches: tuple[TaxonMatch, ...] = ()
    risk: float = 0.0  # 0–1: how urgently an analyst should look (assess.risk)


@dataclass(frozen=True, slots=True)
class Cue:
    """A non-taxon signal found in a text.

    Kinds include ``intent_sell``, ``intent_buy``, ``replica``, ``fossil``, ``toy``,
    ``print``, ``colour``, ``antique_claim``, ``covert``, ``scam``, ``product_form:raw``.
    """

    kind: str
    start: int
    end: int
    matched: str
    rule: str


@dataclass(frozen=True, slots=True)
class Identification:
    """Everything the identify stage found in one text."""

    matches: tuple[TaxonMatch, ...]
    cues: tuple[Cue, ...]
    taxa: tuple[str, ...]  # distinct scientific names, most specific first
    cites: str  # highest appendix the most specific taxa support ("I", "II", "III", ""):
    # a genus/family/order or split species counts as its members' commonest appendix
    flags: tuple[str, ...]  # e.g. code_word, covert, antique_claim, replica
    pack_version: str = ""


@dataclass(frozen=True, slots=True)
class CaseItem:
    """A listing or a seller gathered into a case."""

    kind: str  # listing, seller
    ref: str  # the listing id, or the seller's name
    note: str = ""
    added_by: str = ""


@dataclass(frozen=True, slots=True)
class Case:
    """An investigation: listings and sellers gathered for export and action."""

    id: int
    title: str
    notes: str
    status: str
    created_by: str
    items: tuple[CaseItem, ...] = ()


@dataclass(frozen=True, slots=True)
class TipDraft:
    """A citizen's report, validated but not yet stored."""

    url: str
    description: str
    language: str = ""
    screenshot: bytes = b""
    screenshot_type: str = ""  # image/png or image/jpeg, from the magic bytes


@dataclass(frozen=True, slots=True)
class Exchange:
    """One HTTP request and the response to it, as sent and as received.

    ``body`` is the payload as it came over the wire (still content-encoded, e.g. gzip);
    times are UTC ISO 8601. The preserve stage writes it into WARC request/response
    records.
    """

    url: str
    method: str
    request_headers: tuple[tuple[str, str], ...]
    status: int
    reason: str
    protocol: str
    response_headers: tuple[tuple[str, str], ...]
    body: bytes
    server_ip: str
    started: str
    ended: str


@dataclass(frozen=True, slots=True)
class Page:
    """A fetched page handed on by the crawler: the final response after redirects.

    ``body`` is decoded (content-encoding removed); ``exchanges`` are the WARC record ids
    of every HTTP transaction behind it (redirect hops included); ``robots_body`` is the
    robots.txt in force when it was fetched (``None`` when there was none).
    """

    requested_url: str
    url: str
    redirects: tuple[str, ...]
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    media_type: str
    server_ip: str
    started: str
    ended: str
    user_agent: str
    robots_url: str = ""
    robots_body: bytes | None = None
    exchanges: tuple[str, ...] = ()
    warc_file: str = ""
    depth: int = 0
    method: str = "crawl"  # crawl, capture, import; browser: rendered by a browser crawl
    account: str = ""  # fetched logged in with this (the analyst's own) account's session
    proxy: str = ""  # fetched through this SOCKS proxy (scheme://host:port, no password)


@dataclass(frozen=True, slots=True)
class PageOutcome:
    """What the stages above made of a page, reported back to the crawler."""

    capture_sha256: str
    text: str = ""  # main text, scored for the focus of the crawl
    listing: bool = False
    relevant: bool = False
    score: float = 0.0
    language: str = ""
    duplicate_of: str = ""  # URL of an earlier capture with the same content
    read: bool = True  # False when extraction failed (the page is still preserved)


@dataclass(frozen=True, slots=True)
class Venue:
    """A domain the crawler met: what kind of place it is, its language and country
    (majority votes over its pages), and what it yielded."""

    domain: str
    kind: str  # marketplace, classifieds, forum, social, shop, or "" (undecided)
    language: str
    country: str  # ISO 3166 alpha-2, or ""
    pages: int
    listings: int
    relevant: int  # relevant listings
    first_seen: datetime | None
    last_seen: datetime | None

    def as_dict(self) -> dict[str, Any]:
        """The exported shape: public column names, times as ISO 8601 text."""
        return {"domain": self.domain, "kind": self.kind, "language": self.language,
                "country": self.country, "pages": self.pages, "listings": self.listings,
                "relevant_listings": self.relevant,
                "first_seen": self.first_seen.isoformat() if self.first_seen else "",
                "last_seen": self.last_seen.isoformat() if self.last_seen else ""}


@dataclass(frozen=True, slots=True)
class Capture:
    """A stored evidence capture of one page."""

    id: int
    requested_url: str
    final_url: str
    redirects: tuple[str, ...]
    status: int
    server_ip: str
    started: str
    ended: str
    body_sha256: str
    media_type: str
    warc_file: str
    method: str
    record_sha256: str


@dataclass(frozen=True, slots=True)
class Artefact:
    """An evidentiary blob of a capture: its body, robots.txt copy, screenshot or DOM."""

    capture_id: int
    kind: str  # body, robots, screenshot, dom
    sha256: str
    media_type: str
    created_at: datetime
    detail: dict[str, Any] = field(default_factory=dict)
    evidentiary: bool = True


@dataclass(frozen=True, slots=True)
class CustodyEntry:
    """One entry of the chain-of-custody log: who did what to which evidence, when.

    ``entry_hash`` covers every other field and ``prev_hash``, the previous entry's hash.
    """

    seq: int
    at: str
    who: str
    action: str
    subject: str
    sha256: str
    detail: dict[str, Any]
    prev_hash: str
    entry_hash: str

    def as_dict(self) -> dict[str, Any]:
        """All fields, as written to the JSONL mirror."""
        return {"seq": self.seq, "at": self.at, "who": self.who, "action": self.action,
                "subject": self.subject, "sha256": self.sha256, "detail": self.detail,
                "prev_hash": self.prev_hash, "entry_hash": self.entry_hash}


@dataclass(frozen=True, slots=True)
class Verdict:
    """A legality verdict for one listing under one jurisdiction, with its reasons.

    ``verdict`` is ``likely_illegal``, ``needs_permit``, ``likely_legal`` or ``unknown``;
    ``claims`` lists what the seller claims (antique, certificate) — claims, not proof.
    """

    verdict: str
    jurisdiction: str
    reasons: tuple[str, ...]
    rules_fired: tuple[str, ...]
    claims: tuple[str, ...] = ()
    # why this jurisdiction: "set by the user", "listing location 'Tokyo'", "currency JPY"…
    jurisdiction_reason: str = ""


# A link between two listings as a link run stores it: (listing_a, listing_b, kind,
# evidence, confidence); kind is account, identifier, image, text or handle.
StoredLink = tuple[int, int, str, str, float]


@dataclass(frozen=True, slots=True)
class LinkRun:
    """A stored resolution of sellers (one link run): the seller of every listing it saw
    (``seller_of[listing_id]``, the seller's smallest listing id), its links, and the
    summary it recorded when it finished."""

    run_id: int
    seller_of: dict[int, int]
    links: tuple[StoredLink, ...]
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def sellers(self) -> int:
        """How many distinct sellers the run found."""
        return len(set(self.seller_of.values()))
