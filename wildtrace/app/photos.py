"""The photo step of a crawl or capture, and the photo read models.

After a run has stored its listings, :func:`analyse_photos` takes each listing whose
extraction named photos (og:image, JSON-LD ``image``, ``<img>`` in the listing body) and,
for at most ``max_photos`` of them: fetches it through the run's network guard
(collect), keeps it as evidence (preserve: blob, WARC records, custody), decodes it
under pixel and format limits, hashes it (link's difference hash), reads the text in it
(extract's OCR), hints at the species it shows (identify's image classifier: a
``species`` finding, shown, not scored) and looks its hash up among every photo kept so far (link's
multi-index): a photo already shown by another seller's listing is recorded as a
``reused`` finding, the scam signal "same photo under unrelated sellers".

What it stores feeds the later stages without changing any listing: ``process`` scores
each listing's text together with the text read from its photos
(:func:`with_photo_text`) and with its photos' species hints as one more, bounded, feature
of relevance and risk (:func:`photo_hints`), and the seller linker reads the photo hashes and the
identifiers written in photos (see :mod:`wildtrace.link.sellers`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from wildtrace.assess.photohint import PhotoHint
from wildtrace.collect.netguard import Fetched, NetPolicy
from wildtrace.collect.photos import (
    PhotoFetcher,
    PhotoPoliteness,
    PhotoRejected,
    decode,
    photo_urls,
)
from wildtrace.collect.sharedgate import Gate, connect
from wildtrace.config import user_agent
from wildtrace.errors import EvidenceError, FetchError
from wildtrace.extract.ocr import OcrUnavailable, TesseractOcr
from wildtrace.identify.imageclass import (
    ImageClassifier,
    hint_from,
    load_classifier,
    taxon_table,
)
from wildtrace.link.imagehash import dhash_image
from wildtrace.link.photoindex import DEFAULT_RADIUS, PhotoIndex
from wildtrace.preserve.photos import keep_photo
from wildtrace.preserve.session import EvidenceSession
from wildtrace.records import Listing, RowError
from wildtrace.store.photos import Finding, PhotoRow
from wildtrace.workspace import Workspace

BATCH = 1000  # listings read from the store at a time
OCR_MARK = "[text in photos]"  # separates a listing's own text from what photos said


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Classifier(Protocol):
    """What gives a photo's ImageNet-1k probabilities (tests pass a fake; the default is
    :class:`~wildtrace.identify.imageclass.ImageClassifier`)."""

    engine: str

    def classify(self, image: Any) -> list[float]:
        """1000 class probabilities of an RGB PIL image."""
        ...


class Fetcher(Protocol):
    """What fetches a photo (tests pass a fake; the default is :class:`PhotoFetcher`)."""

    def fetch(self, url: str) -> Fetched:
        """GET ``url``; raises FetchError."""
        ...


@dataclass
class PhotoSummary:
    """What one photo step did."""

    listings: int = 0
    tried: int = 0
    stored: int = 0
    refused: int = 0
    failed: int = 0
    rejected: int = 0
    ocr: int = 0  # photos with text read from them
    reused: int = 0  # photos also shown by another seller's listing
    ocr_engine: str = ""
    ocr_missing: str = ""  # why no text was read, when OCR is unavailable
    species: int = 0  # photos with a species hint
    species_engine: str = ""
    species_missing: str = ""  # why no species hints, when the classifier is off or absent
    skipped: str = ""  # why the step did nothing at all (Pillow missing)
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON shape (in ``crawl --json`` under ``photos``)."""
        return {"listings": self.listings, "tried": self.tried, "stored": self.stored,
                "refused": self.refused, "failed": self.failed, "rejected": self.rejected,
                "ocr": self.ocr, "reused": self.reused, "ocr_engine": self.ocr_engine,
                **({"ocr_missing": self.ocr_missing} if self.ocr_missing else {}),
                "species": self.species, "species_engine": self.species_engine,
                **({"species_missing": self.species_missing} if self.species_missing
                   else {}),
                **({"skipped": self.skipped} if self.skipped else {}),
                "errors": [e.as_dict() for e in self.errors[:100]]}


def photo_ocr(ws: Workspace) -> tuple[TesseractOcr | None, str]:
    """The OCR engine the settings ask for, or None with the reason."""
    langs = ws.settings.ocr_languages.strip()
    if not langs:
        return None, "ocr_languages is empty"
    try:
        return TesseractOcr(langs), ""
    except (OcrUnavailable, ValueError) as exc:
        return None, str(exc)


def photo_classifier(ws: Workspace) -> tuple[ImageClassifier | None, str]:
    """The species classifier the settings ask for, or None with the reason (off, or
    torch or the model packages not installed: the step goes on without hints)."""
    if not ws.settings.photo_species:
        return None, "photo_species is off"
    return load_classifier()


def photo_politeness(ws: Workspace) -> PhotoPoliteness:
    """robots.txt and Crawl-delay for this step's photo requests: the crawl's settings,
    the robots.txt copies its captures kept, and a full delay before the first request
    to each site (the crawl may have just fetched a page from it)."""
    s = ws.settings

    def stored(robots_url: str) -> bytes | None:
        sha = ws.store.photos.robots_copy(robots_url)
        if not sha:
            return None
        try:
            return ws.blobs.get(sha)
        except (EvidenceError, OSError):
            return None  # a missing blob: ask the site again

    return PhotoPoliteness(agent="wildtrace", delay=float(s.delay), obey=s.obey_robots,
                           stored=stored, quiet_since=time.monotonic())


def analyse_photos(ws: Workspace, policy: NetPolicy, *, listing_ids: Sequence[int] | None = None,
                   fetcher: Fetcher | None = None, ocr: bool = True,
                   species: bool = True, classify: Classifier | None = None,
                   progress: Callable[[int], None] | None = None) -> PhotoSummary:
    """Fetch, keep, hash, read and compare the photos of listings not yet done (or of
    ``listing_ids``); a bad photo is recorded with its reason and the others go on."""
    s = ws.settings
    summary = PhotoSummary()
    try:
        import PIL  # noqa: F401 - only whether the [images] extra is installed
    except ImportError:
        summary.skipped = "Pillow is not installed (pip install 'wildtrace[images]')"
        return summary
    agent = user_agent(s)
    get = fetcher or PhotoFetcher(policy, user_agent=agent, timeout=float(s.timeout),
                                  delay=float(s.delay),
                                  politeness=photo_politeness(ws),
                                  gate=Gate(connect(s.redis_url)) if s.redis_url else None)
    engine, why = photo_ocr(ws) if ocr else (None, "off")
    summary.ocr_engine, summary.ocr_missing = (engine.engine if engine else ""), why
    todo = ws.store.photos.listings_with_images(
        ids=listing_ids, limit=BATCH if listing_ids is None else max(1, len(listing_ids)))
    if not todo:
        return summary
    # Loaded only when there are photos to look at (torch's import takes seconds).
    if classify is None:
        classify, why = photo_classifier(ws) if species else (None, "off")
        summary.species_missing = why
    summary.species_engine = classify.engine if classify is not None else ""
    known = list(ws.store.photos.iter_hashes())
    index = PhotoIndex.of((pid, h) for pid, _lid, h, _k in known)
    owner = {pid: (lid, key) for pid, lid, _h, key in known}
    session = EvidenceSession(
        ws.evidence_dir, ws.store, ws.blobs, operator=s.operator, user_agent=agent,
        robots_policy="photos of captured listings (the pages' own robots.txt applied)",
        purpose="listing photos fetched through the network guard", recover=False)
    try:
        while todo:
            for listing_id, page_url, urls in todo:
                summary.listings += 1
                done = ws.store.photos.tried(listing_id)
                for url in photo_urls(urls, s.max_photos):
                    if url in done:
                        continue
                    summary.tried += 1
                    _one(ws, session, get, (engine, classify), index, owner, listing_id,
                         page_url, url, agent, summary)
                if progress:
                    progress(1)
            # The next batch after the last listing seen (a listing whose URLs were all
            # dropped has no photo row and must not be selected again).
            todo = [] if listing_ids is not None or len(todo) < BATCH else \
                ws.store.photos.listings_with_images(after=todo[-1][0], limit=BATCH)
    finally:
        session.close()
    return summary


def _one(ws: Workspace, session: EvidenceSession, get: Fetcher,
         engines: tuple[TesseractOcr | None, Classifier | None], index: PhotoIndex,
         owner: dict[int, tuple[int, int]],
         listing_id: int, page_url: str, url: str, agent: str, summary: PhotoSummary) -> None:
    store = ws.store.photos
    engine, classify = engines
    started = _now()
    try:
        fetched = get.fetch(url)
    except FetchError as exc:
        refused = "refused" in exc.message or "not a public" in exc.message
        status = "refused" if refused else "failed"
        setattr(summary, status, getattr(summary, status) + 1)
        store.add(PhotoRow(listing_id, url, status, reason=exc.message[:1000]))
        summary.errors.append(RowError(url, None, f"photo {status}: {exc.message}"[:300]))
        return
    if fetched.status != 200:
        summary.failed += 1
        store.add(PhotoRow(listing_id, url, "failed", reason=f"HTTP {fetched.status}"))
        summary.errors.append(RowError(url, None, f"photo failed: HTTP {fetched.status}"))
        return
    # Kept before it is decoded: bytes that will not decode are evidence too.
    kept = keep_photo(session, listing_id=listing_id, page_url=page_url, fetched=fetched,
                      started=started, ended=_now(), user_agent=agent)
    try:
        img = decode(fetched.body)
    except PhotoRejected as exc:
        summary.rejected += 1
        store.add(PhotoRow(listing_id, url, "rejected", reason=str(exc), sha256=kept.sha256,
                           media_type=fetched.media_type[:40], size=len(fetched.body),
                           warc_file=kept.warc_file, warc_record=kept.warc_record))
        summary.errors.append(RowError(url, None, f"photo rejected: {exc}"[:300]))
        return
    h = dhash_image(img.image)
    near = index.near(h, DEFAULT_RADIUS)  # nearest first
    # Copies of one photo share the key of the first one kept, so the seller linker
    # compares keys exactly (and a stock photo on thousands of listings stops linking,
    # as any over-common identifier does).
    key = owner[near[0][0]][1] if near else h
    photo_id = store.add(PhotoRow(
        listing_id, url, "stored", sha256=kept.sha256, media_type=img.media_type,
        width=img.width, height=img.height, size=len(fetched.body), phash=h,
        photo_key=key, warc_file=kept.warc_file, warc_record=kept.warc_record))
    summary.stored += 1
    findings: list[Finding] = []
    if engine is not None:
        try:
            read = engine.read(img.image)
        except Exception as exc:  # noqa: BLE001 - a hostile image must not stop the run
            summary.errors.append(RowError(url, None, f"photo text not read: "
                                                      f"{type(exc).__name__}: {exc}"[:300]))
        else:
            if read.text:
                summary.ocr += 1
                findings.append(Finding(photo_id, "ocr", read.engine, read.text,
                                        confidence=read.confidence))
    if classify is not None:
        try:
            hint = hint_from(classify.classify(img.image), taxon_table())
        except Exception as exc:  # noqa: BLE001 - a hostile image must not stop the run
            summary.errors.append(RowError(url, None, f"photo not classified: "
                                                      f"{type(exc).__name__}: {exc}"[:300]))
        else:
            if hint is not None:
                summary.species += 1
                findings.append(Finding(photo_id, "species", classify.engine, hint.taxon,
                                        label=hint.label, confidence=hint.confidence,
                                        detail=hint.detail()))
    others = sorted({owner[p][0] for p, _d in near if owner[p][0] != listing_id})
    if others:
        sellers = _sellers(ws, [listing_id, *others])
        mine = sellers.get(listing_id, "")
        unrelated = sorted({v for k, v in sellers.items() if k != listing_id and v != mine})
        if unrelated or not mine:
            summary.reused += 1
            findings.append(Finding(photo_id, "reused", "dhash+mih", json.dumps(others[:50]),
                                    label="same photo under other sellers",
                                    confidence=1.0, detail={"listings": others[:50],
                                                            "sellers": unrelated[:50]}))
    store.add_findings(findings)
    index.add(photo_id, h)
    owner[photo_id] = (listing_id, key)


def _sellers(ws: Workspace, ids: Sequence[int]) -> dict[int, str]:
    """The seller name each listing shows (account, else the extracted handle)."""
    out = {}
    for x in ws.store.listings_by_id(ids):
        extra = x.extra if isinstance(x.extra, dict) else {}
        out[x.id] = (x.seller or str(extra.get("seller_handle") or "")).strip().lower()
    return out


def with_photo_text(ws: Workspace, listings: Sequence[Listing]) -> list[Listing]:
    """The listings as identify and assess read them: each description followed by the
    text read from its photos, after a marker (the stored listing is unchanged)."""
    texts = ws.store.photos.ocr_texts(x.id for x in listings)
    return [replace(x, description=f"{x.description}\n{OCR_MARK}\n{texts[x.id]}")
            if texts.get(x.id) else x for x in listings]


def photo_hints(ws: Workspace, listings: Sequence[Listing]) -> dict[int, list[PhotoHint]]:
    """The species hints of each listing's photos, for assess (listing id -> one hint per
    photo: the newest engine's). Only listings whose extraction named photos are looked
    up, so a batch of text-only imports costs no query."""
    out: dict[int, list[PhotoHint]] = {}
    for x in listings:
        if not (isinstance(x.extra, dict) and x.extra.get("images")):
            continue
        newest: dict[int, Finding] = {}
        for f in ws.store.photos.findings(x.id, "species"):
            newest[f.photo_id] = f  # rows come oldest first: the last one wins
        hints = [h for h in map(_hint, newest.values()) if h is not None]
        if hints:
            out[x.id] = hints
    return out


def _hint(f: Finding) -> PhotoHint | None:
    """A stored ``species`` finding as assess reads it (None when its confidence is not
    a probability: a row from some other writer is not trusted to move a score)."""
    d = f.detail if isinstance(f.detail, dict) else {}
    conf = f.confidence
    if not isinstance(conf, (int, float)) or not 0.0 <= conf <= 1.0:
        return None
    return PhotoHint(label=(f.label or f.value)[:200], taxon=f.value[:200],
                     confidence=float(conf), cites=str(d.get("cites") or "")[:10],
                     group=str(d.get("group") or "")[:200],
                     group_only=d.get("imagenet_class") is None)


def listing_photos(ws: Workspace, listing_id: int) -> list[dict[str, Any]]:
    """The photos block of a listing page: each tried photo with its status, size, hash,
    WARC record, the text read from it and whether other sellers showed it."""
    found: dict[int, list[Finding]] = {}
    for f in ws.store.photos.findings(listing_id):
        found.setdefault(f.photo_id, []).append(f)
    out = []
    for p in ws.store.photos.of_listing(listing_id):
        fs = found.get(p.id, [])
        ocr = [f for f in fs if f.kind == "ocr"]
        reused = [f for f in fs if f.kind == "reused"]
        out.append({
            "id": p.id, "url": p.url, "status": p.status, "reason": p.reason,
            "sha256": p.sha256, "media_type": p.media_type, "width": p.width,
            "height": p.height, "size": p.size,
            "phash": f"{p.phash:016x}" if p.phash is not None else "",
            "warc_file": p.warc_file, "warc_record": p.warc_record,
            "ocr_text": ocr[-1].value if ocr else "", "ocr_engine": ocr[-1].engine if ocr else "",
            "ocr_confidence": round(ocr[-1].confidence, 3) if ocr else None,
            "species": [{"taxon": f.value, "label": f.label,
                         "confidence": round(f.confidence, 3), "engine": f.engine,
                         "group": f.detail.get("group", ""),
                         "cites": f.detail.get("cites", ""),
                         "note": f.detail.get("note", "")}
                        for f in fs if f.kind == "species"][-1:],
            "reused_by": reused[-1].detail.get("listings", []) if reused else [],
            "reused_sellers": reused[-1].detail.get("sellers", []) if reused else [],
        })
    return out


def photo_bytes(ws: Workspace, photo_id: int) -> tuple[bytes, str] | None:
    """A stored photo's bytes and media type (only photos that decoded: a rejected
    file is never served to a browser)."""
    p = ws.store.photos.get(photo_id)
    if p is None or p.status != "stored" or not p.sha256 or not p.media_type.startswith(
            "image/"):
        return None
    return ws.blobs.get(p.sha256), p.media_type
