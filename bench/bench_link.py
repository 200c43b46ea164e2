"""Benchmark: seller resolution over synthetic listings (default 1,000,000).

Synthetic sellers post on one to three platforms, show a phone and/or WeChat id on some
listings, and reuse their own advert wording with small edits; 5% of sellers copy one
supplier's advert (a trap for text linking). The ground truth is known, so the run
reports pairwise and B-cubed scores as well as time and peak memory (RSS), for the full
resolver and for a baseline that links on exact identifiers and accounts only.

    .venv/bin/python bench/bench_link.py --n 1000000

With ``--realdata DIR`` it also scores linking on the research-only shark ads (seller
names withheld) and the reptile ads (pseudonymous seller ids; no text or contacts).

With ``--incremental`` it measures incremental linking instead, on a SQLite workspace:
N listings are stored and resolved in full (building the link index), ``--new`` more
are added (listings drawn at random from the same sellers, posted later, so they join
existing sellers everywhere) and resolved incrementally; then the same N + new
listings are resolved in full, with and without the index, and the two resolutions are
compared listing by listing:

    .venv/bin/python bench/bench_link.py --incremental --n 200000 --new 10000
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wildtrace.link.evaluate import bcubed, pairwise  # noqa: E402
from wildtrace.link.resolver import LinkInput, resolve  # noqa: E402
from wildtrace.records import Identifier  # noqa: E402

PLATFORMS = ("facebook", "instagram", "telegram", "ebay", "shopee", "x")
WORDS = ("genuine rare old carved pendant bangle bracelet horn scale claw tooth skin "
         "bone amulet antique natural raw polished certified wholesale retail fast "
         "discreet shipping worldwide contact message price negotiable stock available "
         "fresh dried large small piece set pair gram kilo collector gift lucky charm "
         "white yellow black red jade silver gold box photo real quality best").split()
SUPPLIER_AD = ("Wholesale genuine products direct from supplier, best price guaranteed, "
               "discreet worldwide shipping, message for catalogue and photos today")


# Adverts mix common trade words with a long tail of rarer ones (names of places,
# products, spellings), as real ones do; a tiny vocabulary would make every pair similar.
_TAIL = [f"{a}{b}{c}" for a in "bdgklmnprst" for b in "aeiou" for c in
         ("n", "ng", "m", "r", "t", "k", "s", "l", "nh", "ch")]


def _seller_text(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) if rng.random() < 0.6 else rng.choice(_TAIL)
                    for _ in range(rng.randint(25, 45)))


def synthetic(n: int, seed: int = 1) -> tuple[Iterator[LinkInput], list[int]]:
    """A stream of ``n`` listings and the true seller of each, in order."""
    rng = random.Random(seed)
    truth: list[int] = []

    def gen() -> Iterator[LinkInput]:
        lid = 0
        seller = 0
        while lid < n:
            seller += 1
            k = min(n - lid, max(1, int(rng.expovariate(1 / 5))))
            plats = rng.sample(PLATFORMS, rng.randint(1, 3))
            handle = f"user{seller}_{rng.randint(100, 999)}"
            accounts = {p: handle if rng.random() < 0.4
                        else f"{p[:2]}{seller}x{rng.randint(1, 99)}" for p in plats}
            phone = f"+84{900000000 + seller}" if rng.random() < 0.7 else None
            wechat = f"wx{seller}abc" if rng.random() < 0.4 else None
            bases = [SUPPLIER_AD if rng.random() < 0.05 else _seller_text(rng)
                     for _ in range(rng.randint(1, 3))]
            for _ in range(k):
                p = rng.choice(plats)
                ids = []
                if phone and rng.random() < 0.6:
                    ids.append(Identifier("phone", phone))
                if wechat and rng.random() < 0.5:
                    ids.append(Identifier("wechat", wechat))
                text = rng.choice(bases) + f" price {rng.randint(10, 900)} usd"
                # Most accounts are named on their platform; some listings are anonymous.
                account = accounts[p] if rng.random() < 0.8 else ""
                truth.append(seller)
                lid += 1
                yield LinkInput(lid, p, account, tuple(ids), text)
    return gen(), truth


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generation_seconds(n: int) -> float:
    """Time to generate the synthetic stream alone (included in the resolver timings,
    since the resolver consumes the stream as it is generated)."""
    stream, _ = synthetic(n)
    t0 = time.perf_counter()
    for _ in stream:
        pass
    return round(time.perf_counter() - t0, 1)


def run(n: int, text: bool) -> dict[str, object]:
    stream, truth = synthetic(n)
    if not text:
        stream = (LinkInput(x.listing_id, x.platform, x.account, x.identifiers, "")
                  for x in stream)
    t0 = time.perf_counter()
    res = resolve(stream, keep_links=False)
    elapsed = time.perf_counter() - t0
    truth_map = {i + 1: s for i, s in enumerate(truth)}
    return {"listings": n, "text_linking": text, "seconds": round(elapsed, 1),
            "listings_per_second": round(n / elapsed),
            "true_sellers": len(set(truth)), "found_sellers": res.n_sellers,
            "links_by_kind": res.by_kind,
            "pairwise": {k: round(v, 4) for k, v in pairwise(res.seller_of, truth_map).items()},
            "bcubed": {k: round(v, 4) for k, v in bcubed(res.seller_of, truth_map).items()},
            "peak_rss_mb": round(peak_rss_mb())}


def realdata(root: Path) -> dict[str, object]:
    from wildtrace.extract.identifiers import normalise_url
    from wildtrace.link.evaluate import singletons

    out: dict[str, object] = {}
    csv.field_size_limit(10**8)
    with (root / "labelled" / "shark_products_ads.csv").open(encoding="utf-8-sig") as fh:
        rows = [r for r in csv.DictReader(fh) if r["seller"].strip()]
    truth = {i: r["seller"].strip().lower() for i, r in enumerate(rows)}
    out["shark_baseline_singletons"] = bcubed(singletons(list(truth)), truth)
    for name, use_url in (("shark_text_only", False), ("shark_text_and_store_url", True)):
        res = resolve([LinkInput(i, "ebay", "", (Identifier(
            "profile_url", normalise_url(r["seller_url"].split("?")[0])),)
            if use_url and r["seller_url"] else (), f"{r['title']}\n{r['description']}")
            for i, r in enumerate(rows)])
        out[name] = {"pairwise": pairwise(res.seller_of, truth),
                     "bcubed": bcubed(res.seller_of, truth)}
    for th in (0.3, 0.5):
        res = resolve([LinkInput(i, "ebay", "", (), f"{r['title']}\n{r['description']}")
                       for i, r in enumerate(rows)], text_threshold=th, min_confidence=0.0)
        out[f"shark_text_only_threshold_{th}"] = {"pairwise": pairwise(res.seller_of, truth)}
    # Reptile ads: one row per (ad, species); no text or contacts survive anonymisation,
    # so the only evidence is the ad's species list, country and currency as "text".
    with (root / "market" / "reptile-ads-rinne" / "results.csv").open(encoding="utf-8-sig") as fh:
        rep = [r for r in csv.DictReader(fh) if r["Seller_id"].strip()]
    ads: dict[str, dict[str, object]] = {}
    for r in rep:
        ad = ads.setdefault(r["original_datarow"], {"species": [], "seller": r["Seller_id"],
                                                    "where": f"{r['lat']},{r['lon']}",
                                                    "cur": r["Currency"]})
        ad["species"].append(r["Species"])  # type: ignore[union-attr]
    keys = sorted(ads, key=int)
    rtruth = {i: str(ads[k]["seller"]) for i, k in enumerate(keys)}
    res = resolve([LinkInput(i, "forum", "", (), " ".join(sorted(ads[k]["species"]))  # type: ignore[arg-type]
                             + f" location {ads[k]['where']} currency {ads[k]['cur']}")
                   for i, k in enumerate(keys)])
    out["reptile_ads"] = {"ads": len(keys), "true_sellers": len(set(rtruth.values())),
                          "found_sellers": res.n_sellers,
                          "pairwise": pairwise(res.seller_of, rtruth),
                          "bcubed": bcubed(res.seller_of, rtruth),
                          "baseline_singletons": bcubed(singletons(list(rtruth)), rtruth)}
    return out


def incremental(n: int, new: int, folder: Path, profile: Path | None = None
                ) -> dict[str, object]:
    """Full resolution of ``n`` listings, then ``new`` more resolved incrementally, and
    full resolutions of all of them (same workspace, same run)."""
    from wildtrace.link import resolve_sellers
    from wildtrace.link.sellers import run_link
    from wildtrace.records import ListingDraft
    from wildtrace.store import content_key
    from wildtrace.workspace import open_workspace

    stream, _ = synthetic(n + new)
    items = list(stream)
    late = set(random.Random(7).sample(range(len(items)), new))
    early = [x for i, x in enumerate(items) if i not in late]
    later = [x for i, x in enumerate(items) if i in late]

    def drafts(batch: list[LinkInput]) -> list[tuple[ListingDraft, str]]:
        out = []
        for x in batch:
            d = ListingDraft(source=x.platform, seller=x.account, description=x.text,
                             identifiers=x.identifiers, origin=f"bench:{x.listing_id}")
            out.append((d, content_key(d)))
        return out

    ws = open_workspace(folder)
    t0 = time.perf_counter()
    for i in range(0, len(early), 20_000):
        ws.store.add_listings(drafts(early[i:i + 20_000]))
    stored = time.perf_counter() - t0
    cpu: dict[str, float] = {}
    t0, c0 = time.perf_counter(), time.process_time()
    first = resolve_sellers(ws.store)
    full_n = time.perf_counter() - t0
    cpu["full_n_with_index"] = time.process_time() - c0
    ws.store.add_listings(drafts(later))
    t0, c0 = time.perf_counter(), time.process_time()
    if profile is not None:
        import cProfile

        with cProfile.Profile() as prof:
            inc = resolve_sellers(ws.store)
        prof.dump_stats(profile)
    else:
        inc = resolve_sellers(ws.store)
    inc_s = time.perf_counter() - t0
    cpu["incremental"] = time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    plain_id, _, _ = run_link(ws.store, index=False)
    plain_s = time.perf_counter() - t0
    cpu["full_n_plus_new_without_index"] = time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    full_id, _, _ = run_link(ws.store, index=True)
    full_s = time.perf_counter() - t0
    cpu["full_n_plus_new_with_index"] = time.process_time() - c0
    a, b = ws.store.link.members(inc["run_id"]), ws.store.link.members(full_id)
    same_links = set(ws.store.link.links(inc["run_id"])) == set(ws.store.link.links(full_id))
    ws.close()
    return {"listings_before": len(early), "new_listings": len(later),
            "seconds_storing_listings": round(stored, 1),
            "full_n_with_index_seconds": round(full_n, 1),
            "incremental_seconds": round(inc_s, 2),
            "full_n_plus_new_without_index_seconds": round(plain_s, 1),
            "full_n_plus_new_with_index_seconds": round(full_s, 1),
            "incremental_vs_full_without_index": round(inc_s / plain_s, 3),
            "incremental_vs_full_with_index": round(inc_s / full_s, 3),
            "cpu_seconds": {k: round(v, 1) for k, v in cpu.items()},
            "cpu_incremental_vs_full_without_index": round(
                cpu["incremental"] / cpu["full_n_plus_new_without_index"], 3),
            "incremental_detail": inc.get("incremental"),
            "sellers": inc["sellers"], "same_members_as_full": a == b,
            "same_links_as_full": same_links, "parent_run": first["run_id"],
            "peak_rss_mb": round(peak_rss_mb())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--incremental", action="store_true")
    ap.add_argument("--new", type=int, default=10_000)
    ap.add_argument("--profile", type=Path, default=None,
                    help="write a cProfile of the incremental run here")
    ap.add_argument("--workspace", type=Path, default=None,
                    help="folder for the --incremental workspace (default: a temporary one)")
    ap.add_argument("--realdata", type=Path, default=None)
    ap.add_argument("--skip-baseline", action="store_true")
    args = ap.parse_args()
    if args.incremental:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            folder = args.workspace or Path(tmp) / "ws"
            print(json.dumps(incremental(args.n, args.new, folder, args.profile), indent=1))
        return
    results = []
    if not args.skip_baseline:
        results.append(run(args.n, text=False))
    results.append(run(args.n, text=True))
    doc: dict[str, object] = {"synthetic": results,
                              "seconds_generating_input": generation_seconds(args.n)}
    if args.realdata:
        doc["realdata"] = realdata(args.realdata)
    print(json.dumps(doc, indent=1))


if __name__ == "__main__":
    main()
