"""What happens to every page the crawler fetches, ``capture`` fetches or an archive
holds: preserve it as evidence, extract a listing, score it, queue its links, count its
venue, store the listing. What kind of page it was is stored for every page
(``page_kinds``): only a listing page makes a listing, a forum thread makes one per post,
a seller's profile page makes a ``seller_profiles`` row, and index, article, login,
CAPTCHA and error pages make none.

Each step is a stage's (preserve's evidence session, extract's extractor, collect's
link policy, frontier and venue book); the relevance judgement comes in as a plain
function (the assess stage's model, or watch keywords; see :mod:`wildtrace.app.plan`).

Extraction may be done elsewhere (an archive import's Dask workers, see
:mod:`wildtrace.app.distributed_extract`): :func:`extract_page` is the one extraction
step, run here or there, and :meth:`PageProcessor.many` takes its results, so the
evidence and listings stored are those this process would have made alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from wildtrace.collect.canonical import domain_of, url_key
from wildtrace.collect.countries import country_of
from wildtrace.collect.discovery import DiscoveryBook
from wildtrace.collect.frontier import Entry, Frontier
from wildtrace.collect.links import LinkPolicy, Score
from wildtrace.collect.proxy import shown_proxy
from wildtrace.collect.venues import VenueBook, classify_kind
from wildtrace.config import user_agent
from wildtrace.extract.extractor import Extraction, Extractor
from wildtrace.extract.html import decode_html, parse_html
from wildtrace.preserve.capture import Preserved, extracted_hash
from wildtrace.preserve.session import EvidenceSession
from wildtrace.records import ListingDraft, Page, PageOutcome, RowError
from wildtrace.store import Store, content_key
from wildtrace.store.pages import PageKindRow, SellerProfile
from wildtrace.store.venues import CandidateCount
from wildtrace.workspace import Workspace

VENUE_FLUSH = 200  # pages between venue-book writes (a crash loses at most these counts)


@dataclass
class PageProcessor:
    """Preserve → extract → score → store, for a group of pages at a time."""

    store: Store
    session: EvidenceSession
    extractor: Extractor
    score: Score
    venues: VenueBook | None = None
    threshold: float = 0.5
    source: str = ""  # listing source; default: the page's domain
    remember: bool = False  # keep requested URL -> capture id (capture does; crawls don't)
    links: LinkPolicy | None = None  # crawls: queue the links of each page ...
    frontier: Frontier | None = None  # ... in this frontier
    discovery: DiscoveryBook | None = None  # crawls: venues pages point to outside them
    captures: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    listings: int = 0
    duplicates: int = 0
    _observed: int = 0

    def __call__(self, page: Page) -> PageOutcome:
        """Process one page; returns what the crawler needs to steer."""
        return self.many([page])[0]

    def many(self, pages: Sequence[Page], ready: Sequence[Extracted] | None = None
             ) -> list[PageOutcome]:
        """Process a group of pages (group commit); ``ready`` (one per page, from
        :func:`extract_page` run elsewhere) spares extracting them here.

        Order matters for a crash at any point: each page is extracted and scored
        first; then the links it leads to are queued (one frontier transaction, ranked
        with the page's score), so a capture never commits without its links; then the
        WARC records behind the pages reach their file; then the captures commit in one
        transaction and the listings in the next. Whatever a hostile page makes go
        wrong before the commit (extraction, scoring, its links) is recorded for that
        page and the others go on.
        """
        done = ready if ready is not None else [None] * len(pages)
        extracted = [self._extract(page, got) for page, got in zip(pages, done, strict=True)]
        scores = self._scores(pages, extracted)
        keys = [url_key(page.requested_url) for page in pages]
        if self.links is not None and self.frontier is not None:
            # A page with the same content as one captured under another URL is
            # recorded but not followed again.
            repeats = self.session.preserver.repeats(
                [(page.body, key) for page, key in zip(pages, keys, strict=True)])
            found = [e for i, (page, ex, score) in enumerate(
                zip(pages, extracted, scores, strict=True)) if i not in repeats
                for e in self._links_of(page, ex, score)]
            if found:
                self.frontier.add(found)
        self.session.recorder.flush()
        # Each capture's custody entry keeps a hash of the listing extracted from it,
        # so `evidence verify` catches a listing edited after capture.
        preserved = self.session.preserver.preserve_many([
            (page, key, page.warc_file or self.session.recorder.name)
            for page, key in zip(pages, keys, strict=True)],
            [{"extracted": _extracted(page, ex)}
             for page, ex in zip(pages, extracted, strict=True)])
        outcomes: list[PageOutcome] = []
        drafts: list[tuple[ListingDraft, str]] = []
        kinds: list[PageKindRow] = []
        profiles: list[SellerProfile] = []
        for page, kept, ex, score in zip(pages, preserved, extracted, scores, strict=True):
            outcome, made = self._finish(page, kept, ex, score)
            outcomes.append(outcome)
            drafts.extend((draft, content_key(draft)) for draft in made)
            if ex is not None:
                kinds.append(PageKindRow(kept.capture.id, page.url, domain_of(page.url),
                                         ex.kind, ex.kind_reason, len(made)))
                if ex.profile and not kept.duplicate_of:
                    profiles.append(_seller_profile(self.source or domain_of(page.url), ex,
                                                    kept))
        if drafts:
            inserted, _ = self.store.add_listings(drafts)
            self.listings += inserted
            self.duplicates += len(drafts) - inserted
        # What each page was (listing, index, login, CAPTCHA…) and the profiles read.
        self.store.pages.add(kinds, profiles)
        if self.discovery is not None:
            self._discover(pages, extracted, scores, outcomes)
        return outcomes

    def _discover(self, pages: Sequence[Page], extracted: Sequence[Extraction | None],
                  scores: Sequence[float], outcomes: Sequence[PageOutcome]) -> None:
        """Count the venues the pages point to outside the crawl, and store the counts
        with the group (collect/discovery.py)."""
        assert self.discovery is not None
        for page, ex, score, outcome in zip(pages, extracted, scores, outcomes,
                                            strict=True):
            if ex is None or page.method == "import" or "html" not in page.media_type:
                continue
            try:
                root = ex.root if ex.root is not None else \
                    parse_html(decode_html(page.body, content_type(page)).text)
                self.discovery.observe(root, page.url, ex.text, score=score,
                                       relevant=outcome.relevant, language=ex.language)
            except Exception as exc:  # noqa: BLE001 - a hostile page must not stop the crawl
                self.error(page.url, f"venues not read: {type(exc).__name__}: {exc}"[:300])
        if len(self.discovery):
            self.store.venues.candidates.add([
                CandidateCount(key, t.kind, t.url, t.mentions, t.relevant, t.score,
                               t.example, dict(t.languages))
                for key, t in sorted(self.discovery.drain().items())])

    def _scores(self, pages: Sequence[Page], extracted: Sequence[Extraction | None]
                ) -> list[float]:
        """Relevance of each page's text, in one call when the scorer takes a batch (a
        model embedding texts is far faster on a batch than one text at a time)."""
        texts = [ex.text if ex is not None else "" for ex in extracted]
        todo = [i for i, text in enumerate(texts) if text]
        out = [0.0] * len(texts)
        many = getattr(self.score, "many", None)
        if many is not None and len(todo) > 1:
            try:
                for i, value in zip(todo, many([texts[i] for i in todo]), strict=True):
                    out[i] = float(value)
                return out
            except Exception:  # noqa: BLE001 - find the page at fault one by one below
                pass
        for i in todo:
            try:
                out[i] = float(self.score(texts[i]))
            except Exception as exc:  # noqa: BLE001 - a hostile text must not stop the crawl
                self.error(pages[i].url, f"relevance not scored: {type(exc).__name__}: "
                                         f"{exc}"[:300])
        return out

    def _links_of(self, page: Page, ex: Extraction | None, score: float) -> list[Entry]:
        """The followable links of a page (parsed again for them when extraction
        failed); a page whose links cannot be read is recorded, not fatal."""
        assert self.links is not None
        try:
            root = ex.root if ex is not None else None
            if root is None and self.links.wanted(page):
                root = parse_html(decode_html(page.body, content_type(page)).text)
            return self.links.entries(root, page, score)
        except Exception as exc:  # noqa: BLE001 - a hostile page must not stop the crawl
            self.error(page.url, f"links not read: {type(exc).__name__}: {exc}"[:300])
            return []

    def _extract(self, page: Page, done: Extracted | None = None) -> Extraction | None:
        got = done if done is not None else extract_page(self.extractor, page, keep=True)
        if got.failure:
            # The evidence is still stored; only the listing is missing, and the
            # reason is kept so the page can be looked at.
            self.error(page.url, got.failure)
        return got.extraction

    def _finish(self, page: Page, preserved: Preserved, ex: Extraction | None,
                score: float) -> tuple[PageOutcome, list[ListingDraft]]:
        cap = preserved.capture
        if self.remember:
            self.captures[page.requested_url] = cap.id
        if ex is None:
            return PageOutcome(capture_sha256=cap.body_sha256,
                               duplicate_of=preserved.duplicate_of, read=False), []
        listing = ex.is_listing and not preserved.duplicate_of
        drafts: list[ListingDraft] = []
        if listing:
            # A listing page makes one listing, a forum thread one per post.
            try:
                drafts = ex.drafts(source=self.source or domain_of(page.url), url=page.url,
                                   capture_sha256=cap.body_sha256, capture_id=cap.id)
            except Exception as exc:  # noqa: BLE001 - the capture is kept; no listing
                self.error(page.url, f"listing not made: {type(exc).__name__}: {exc}"[:300])
                listing = False
        relevant = listing and score >= self.threshold
        if self.venues is not None and page.method != "import":
            self._vote(page, ex, listing=listing, relevant=relevant)
        return PageOutcome(capture_sha256=cap.body_sha256, text=ex.text, listing=listing,
                           relevant=relevant, score=score, language=ex.language,
                           duplicate_of=preserved.duplicate_of), drafts

    def _vote(self, page: Page, ex: Extraction, *, listing: bool, relevant: bool) -> None:
        """Count the page in its venue (sampled pages also vote on kind and country)."""
        assert self.venues is not None
        votes, country = {}, ""
        if self.venues.wants_votes(page.url):
            hint = self._profile_kind(ex)
            try:
                votes = classify_kind(page.url, page.body, hint)
                country = country_of(page.url, page.body, ex.language)
            except Exception as exc:  # noqa: BLE001 - the vote is lost, nothing else
                self.error(page.url, f"venue not classified: {type(exc).__name__}: "
                                     f"{exc}"[:300])
        self.venues.observe(page.url, kind_votes=votes, language=ex.language,
                            country=country, listing=listing, relevant=relevant)
        self._observed += 1
        if self._observed % VENUE_FLUSH == 0:
            self.venues.flush()

    def _profile_kind(self, ex: Extraction) -> str:
        """The venue kind of the site profile that extracted ``ex`` (the last one named
        in its provenance), or ``""``."""
        hint = ""
        for profile in self.extractor.profiles:
            if any(r.startswith(f"profile:{profile.name}/") for r in ex.provenance.values()):
                hint = profile.kind
        return hint

    def error(self, where: str, reason: str) -> None:
        """Keep a page that could not be used, with its reason."""
        self.errors.append(RowError(where, None, reason))


@dataclass(frozen=True)
class Extracted:
    """One page's extraction, or why it failed: what :func:`extract_page` gives."""

    extraction: Extraction | None
    failure: str = ""  # the error recorded for the page, when extraction failed


def extract_page(extractor: Extractor, page: Page, *, keep: bool = False) -> Extracted:
    """Extract ``page`` (the same step in this process and on a Dask worker); a hostile
    page's failure is returned, never raised. Without ``keep`` the parsed tree is
    dropped, so the result can be pickled (:meth:`Extraction.portable`)."""
    try:
        ex = extractor.extract(page.body, page.url, content_type(page))
    except Exception as exc:  # noqa: BLE001 - a hostile page must not stop the crawl
        return Extracted(None, f"extraction failed: {type(exc).__name__}: {exc}"[:300])
    return Extracted(ex if keep else ex.portable())


def _extracted(page: Page, ex: Extraction | None) -> str:
    """The custody hash of the listing ``ex`` makes of ``page`` ("" when none); a forum
    thread's posts are each a listing, so their hashes are joined by commas."""
    if ex is None or not ex.is_listing:
        return ""
    try:
        return ",".join(extracted_hash(d) for d in ex.drafts(source="", url=page.url))
    except Exception:  # noqa: BLE001 - _finish records why no listing was made
        return ""


def _seller_profile(source: str, ex: Extraction, kept: Preserved) -> SellerProfile:
    """The seller profile row of a profile page's extraction."""
    p = ex.profile
    return SellerProfile(source=source, url=p.get("url", ""), capture_id=kept.capture.id,
                         name=p.get("name", ""), handle=p.get("handle", ""),
                         location=p.get("location", ""), identifiers=ex.identifiers,
                         detail={"reason": ex.kind_reason, "language": ex.language},
                         capture_sha256=kept.capture.body_sha256)


def content_type(page: Page) -> str:
    """The page's Content-Type header as sent (charset included), else its media type."""
    return next((v for k, v in page.headers if k.lower() == "content-type"),
                page.media_type)


def evidence_session(ws: Workspace, *, durable: bool, purpose: str) -> EvidenceSession:
    """The evidence session of one run (custody, WARC writer, preserver)."""
    s = ws.settings
    return EvidenceSession(
        ws.evidence_dir, ws.store, ws.blobs, operator=s.operator,
        user_agent=user_agent(s),
        robots_policy="obey (robots.txt and Crawl-delay)" if s.obey_robots else "ignore",
        durable=durable, purpose=purpose, proxy=shown_proxy(s.proxy))


def page_processor(ws: Workspace, session: EvidenceSession, score: Score,
                   venues: VenueBook | None, source: str = "", *,
                   links: LinkPolicy | None = None,
                   discovery: DiscoveryBook | None = None) -> PageProcessor:
    """A page processor over ``ws`` (with ``links``, it also queues each page's links;
    with ``discovery``, it records the venues pages point to outside the crawl)."""
    extractor = Extractor((ws.root / "profiles",))
    return PageProcessor(ws.store, session, extractor, score, venues,
                         float(ws.settings.relevance_threshold), source, links=links,
                         frontier=Frontier(ws.store.frontier) if links is not None else None,
                         discovery=discovery)
