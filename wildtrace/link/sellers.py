"""The link step over a workspace: read listings, resolve sellers, store the run.

This is what ``wildtrace process`` calls (through :func:`wildtrace.link.resolve_sellers`)
and what ``wildtrace sellers`` runs on demand. Each call resolves every listing afresh
(a new, versioned run): with identifiers grouped by dict and texts by LSH buckets the
whole pass is linear, so re-running is cheaper than tracking what changed.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

from wildtrace.blobstore import BlobStore
from wildtrace.extract.identifiers import find_identifiers, normalise_url
from wildtrace.link.imagehash import dhash
from wildtrace.link.resolver import LinkInput, Resolution, resolve
from wildtrace.records import Identifier
from wildtrace.store import Store
from wildtrace.store.tables import link as lt

VERSION = "link-1"
MAX_TEXT = 20_000


def _identifiers(row: dict[str, Any], text: str) -> tuple[Identifier, ...]:
    try:
        stored = json.loads(row.get("identifiers") or "[]")
    except (TypeError, ValueError):
        stored = []
    found = [Identifier(str(i["kind"]), str(i["value"])) for i in stored
             if isinstance(i, dict) and "kind" in i and "value" in i]
    if not found:
        # Listings imported without the extract stage still carry contacts in their text.
        found = find_identifiers(text[:MAX_TEXT])
    return tuple(found)


def _image_hashes(row: dict[str, Any], blobs: BlobStore | None) -> tuple[int, ...]:
    if blobs is None:
        return ()
    extra = _extra(row)
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


def _extra(row: dict[str, Any]) -> dict[str, Any]:
    try:
        extra = json.loads(row.get("extra") or "{}")
    except (TypeError, ValueError):
        return {}
    return extra if isinstance(extra, dict) else {}


def link_inputs(store: Store, blobs: BlobStore | None = None) -> Iterator[LinkInput]:
    """Every stored listing as resolver input.

    The extract stage's ``seller_url`` (the seller's shop or profile page) becomes a
    ``profile_url`` identifier and its ``seller_handle`` stands in for a missing seller.
    """
    for row in store.iter_listings_with_assessment():
        text = "\n".join(p for p in (row.get("title") or "", row.get("description") or "") if p)
        extra = _extra(row)
        idents = _identifiers(row, text)
        seller_url = extra.get("seller_url")
        if isinstance(seller_url, str) and seller_url.startswith(("http://", "https://")):
            profile = Identifier("profile_url", normalise_url(seller_url.split("?")[0][:2000]))
            if profile not in idents:
                idents = (*idents, profile)
        account = str(row.get("seller") or "") or str(extra.get("seller_handle") or "")
        yield LinkInput(listing_id=int(row["id"]), platform=str(row.get("source") or ""),
                        account=account[:500], identifiers=idents, text=text[:MAX_TEXT],
                        image_hashes=_image_hashes(row, blobs))


def run_link(store: Store, blobs: BlobStore | None = None
             ) -> tuple[int, Resolution, dict[str, Any]]:
    """Resolve and store a new link run; returns its id, the resolution and a summary."""
    run_id = store.start_run("link", VERSION)
    res = resolve(link_inputs(store, blobs))
    lt.save(store.engine, run_id, res.seller_of,
            [(x.a, x.b, x.kind, x.evidence, x.confidence) for x in res.links])
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


def latest_resolution(store: Store, blobs: BlobStore | None = None
                      ) -> tuple[int, dict[int, int], list[tuple[int, int, str, str, float]]]:
    """The newest link run (resolving now when there is none or listings were added
    since): its id, ``listing → seller`` and its links."""
    run_id = lt.latest_run(store.engine)
    seller_of = lt.members(store.engine, run_id) if run_id is not None else {}
    if run_id is None or len(seller_of) != store.count_listings():
        run_id, res, _ = run_link(store, blobs)
        seller_of = res.seller_of
    return run_id, seller_of, list(lt.links(store.engine, run_id))


def workspace_graph(store: Store, blobs: BlobStore | None = None) -> Any:
    """The seller network of the workspace (see :mod:`wildtrace.link.graph`)."""
    from wildtrace.link.graph import build_graph

    _, seller_of, links = latest_resolution(store, blobs)
    return build_graph(link_inputs(store, blobs), seller_of, links)
