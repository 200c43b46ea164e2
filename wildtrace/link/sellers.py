"""The link step over a workspace: read listings, resolve sellers, store the run.

This is what ``wildtrace process`` calls (through :func:`wildtrace.link.resolve_sellers`)
and what ``wildtrace sellers`` runs on demand. :func:`run_link` resolves every listing
afresh (a new, versioned run) and leaves the link index behind, from which
:mod:`wildtrace.link.incremental` resolves only what is new. Readers of
the result (the report, the dashboard, the market measures) take the newest stored run
from :attr:`wildtrace.store.Store.link` and never resolve anything themselves.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from wildtrace.blobstore import BlobStore
from wildtrace.extract.identifiers import find_identifiers, normalise_url
from wildtrace.link.imagehash import dhash
from wildtrace.link.resolver import LinkInput, Resolution, resolve
from wildtrace.records import Identifier, Listing
from wildtrace.store import Store

VERSION = "link-1"
MAX_TEXT = 20_000


def _identifiers(listing: Listing, text: str) -> tuple[Identifier, ...]:
    if listing.identifiers:
        return listing.identifiers
    # Listings imported without the extract stage still carry contacts in their text.
    return tuple(find_identifiers(text[:MAX_TEXT]))


def _image_hashes(extra: dict[str, Any], blobs: BlobStore | None) -> tuple[int, ...]:
    if blobs is None:
        return ()
    refs = extra.get("images") or extra.get("image_sha256") or []
    if isinstance(refs, str):
        refs = [refs]
    hashes = []
    for ref in refs[:10] if isinstance(refs, list) else []:
        sha = ref.get("sha256") if isinstance(ref, dict) else ref
        if isinstance(sha, str) and len(sha) == 64 and blobs.exists(sha):
            h = dhash(blobs.get(sha))
            if h is not None:
                hashes.append(h)
    return tuple(hashes)


def link_text(listing: Listing) -> str:
    """The text of a listing that near-duplicate adverts are found in."""
    return "\n".join(p for p in (listing.title, listing.description) if p)[:MAX_TEXT]


@dataclass(frozen=True)
class PhotoFacts:
    """What the photo step stored for linking: each listing's photo keys (copies of one
    photo share a key; see :mod:`wildtrace.app.photos`) and the text read from its
    photos (contacts written on a picture link like written ones)."""

    keys: dict[int, tuple[int, ...]] = field(default_factory=dict)
    text: dict[int, str] = field(default_factory=dict)

    @classmethod
    def of(cls, store: Store) -> PhotoFacts:
        """Every listing's stored photo facts."""
        return cls(store.photos.keys_by_listing(), store.photos.ocr_texts(None))


def link_input(listing: Listing, blobs: BlobStore | None = None,
               photos: PhotoFacts | None = None) -> LinkInput:
    """One listing as resolver input.

    The extract stage's ``seller_url`` (the seller's shop or profile page) becomes a
    ``profile_url`` identifier and its ``seller_handle`` stands in for a missing seller.
    Without ``blobs`` no photo is hashed (the network's account graph needs none).
    With ``photos``, each photo the crawl kept becomes a ``photo`` identifier (its
    photo key: near-duplicates within the photo index's radius share it), and contacts
    in the text read from the photos join the listing's identifiers.
    """
    text = "\n".join(p for p in (listing.title, listing.description) if p)
    extra = listing.extra if isinstance(listing.extra, dict) else {}
    idents = _identifiers(listing, text)
    seller_url = extra.get("seller_url")
    if isinstance(seller_url, str) and seller_url.startswith(("http://", "https://")):
        profile = Identifier("profile_url", normalise_url(seller_url.split("?")[0][:2000]))
        if profile not in idents:
            idents = (*idents, profile)
    account = listing.seller or str(extra.get("seller_handle") or "")
    if photos is not None:
        idents = (*idents, *(Identifier("photo", f"{k:016x}")
                             for k in photos.keys.get(listing.id, ())))
        seen = photos.text.get(listing.id, "")
        if seen:
            idents = (*idents, *(i for i in find_identifiers(seen[:MAX_TEXT])
                                 if i not in idents))
    return LinkInput(listing_id=listing.id, platform=listing.source, account=account[:500],
                     identifiers=idents, text=text[:MAX_TEXT],
                     image_hashes=_image_hashes(extra, blobs))


def link_inputs(listings: Iterable[Listing], blobs: BlobStore | None = None,
                photos: PhotoFacts | None = None) -> Iterator[LinkInput]:
    """Listings as resolver input (see :func:`link_input`)."""
    for listing in listings:
        yield link_input(listing, blobs, photos)


def run_link(store: Store, blobs: BlobStore | None = None, *, index: bool = True
             ) -> tuple[int, Resolution, dict[str, Any]]:
    """Resolve every listing and store a new link run; returns its id, the resolution
    and a summary. With ``index`` the link index (what incremental runs look up) is
    rebuilt to describe this run; without, it is left describing an older run, so no
    incremental run starts from it."""
    run_id = store.start_run("link", VERSION)
    res = resolve(link_inputs(store.iter_listings(), blobs, PhotoFacts.of(store)),
                  index=index)
    store.link.save(run_id, res.seller_of,
                    [(x.a, x.b, x.kind, x.evidence, x.confidence) for x in res.links],
                    index=res.index)
    summary = summarise(store, res)
    store.finish_run(run_id, summary)
    return run_id, res, summary


def summarise(store: Store, res: Resolution) -> dict[str, Any]:
    """Counts for the user: listings, sellers, links by kind, cross-platform sellers."""
    platforms = _platforms_by_seller(store, res.seller_of)
    sizes = Counter(res.seller_of.values())
    return {
        "listings": len(res.seller_of), "sellers": res.n_sellers,
        "links": dict(sorted(res.by_kind.items())),
        "multi_listing_sellers": sum(1 for s in sizes.values() if s > 1),
        "cross_platform_sellers": sum(1 for p in platforms.values() if len(p) > 1),
        "skipped_common_identifiers": res.skipped_groups,
    }


def _platforms_by_seller(store: Store, seller_of: dict[int, int]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = defaultdict(set)
    for listing in store.iter_listings():
        sid = seller_of.get(listing.id)
        if sid is not None:
            out[sid].add(listing.source)
    return out
