"""Bench: the browse page's search, facets and sorts, and the queue's tie-broken first
page, on a seeded SQLite workspace of N listings (default 100,000).

Listings are synthetic, in eight languages and four scripts (CJK, Thai, Vietnamese,
Latin); each has an assessment (a third flagged at score 1.00, to make the queue's ties),
a fiftieth a label. Times are medians of five calls through the application layer (what
``/api/browse`` spends, less JSON encoding); the first browse call, which reads every
listing's country once, is reported apart.

    .venv/bin/python bench/bench_browse.py --n 100000 --dir /tmp/wt-bench-browse
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

TEXTS = [("zh", "出售象牙手镯 正品老料 微信联系", "广州 Guangdong"),
         ("th", "ขายงาช้างแท้ ราคาถูก ส่งฟรี", "Bangkok"),
         ("vi", "bán sừng tê giác nguyên chất", "Hà Nội"),
         ("en", "carved ivory bangle old stock", "Lagos, NG"),
         ("en", "plush elephant toy for kids", "Paris, France"),
         ("id", "jual sisik trenggiling asli", "Jakarta"),
         ("fr", "bracelet en ivoire ancien", "Paris, France"),
         ("es", "colmillo de marfil tallado", "Madrid")]
TAXA = [("Loxodonta africana", "I"), ("Manis javanica", "I"), ("Psittacus erithacus", "I"),
        ("Testudo graeca", "II"), ("Python regius", "II"), ("", "")]


def build(root: Path, n: int) -> None:
    """Seed ``n`` listings with assessments through the store (triggers fill both
    full-text indexes, as an import does)."""
    from wildtrace.records import Assessment, ListingDraft
    from wildtrace.store import content_key
    from wildtrace.workspace import open_workspace

    rnd = random.Random(1)
    ws = open_workspace(root)
    for start in range(0, n, 10_000):
        drafts = []
        for i in range(start, min(n, start + 10_000)):
            lang, text, place = TEXTS[i % len(TEXTS)]
            d = ListingDraft(source=f"market{i % 17}", title=f"{text} #{i}" if i % 5 else "",
                             description=f"{text} {rnd.randint(0, 10**9)}",
                             price=float(rnd.randint(5, 5000)), currency="USD",
                             seller=f"seller{rnd.randint(0, n // 20)}", location=place,
                             posted=f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}" if i % 9 else "",
                             language=lang)
            drafts.append((d, content_key(d)))
        ws.store.add_listings(drafts)
    run = ws.store.start_run("assess", "bench")
    batch = []
    for lst in ws.store.iter_listings(batch=5000):
        taxon, cites = TAXA[lst.id % len(TAXA)]
        flagged = lst.id % 3 == 0
        batch.append((lst.id, Assessment(
            relevant=flagged, score=1.0 if flagged else rnd.random() * 0.5,
            taxa=(taxon,) if taxon else (), cites=cites,
            flags=("product_form:carved",) if lst.id % 4 == 0 else (), reasons=(),
            model="rules", model_version="bench")))
        if len(batch) == 5000:
            ws.store.save_assessments(run, batch)
            batch = []
    ws.store.save_assessments(run, batch)
    for lid in range(1, n, 50):
        ws.store.add_label(lid, 1, "bench")
    ws.close()


def median_ms(fn: Callable[[], object], times: int = 5) -> float:
    """Median wall time of ``fn`` in milliseconds."""
    spent = []
    for _ in range(times):
        t0 = time.perf_counter()
        fn()
        spent.append((time.perf_counter() - t0) * 1000)
    return statistics.median(spent)


def main() -> None:
    """Build the workspace if needed, then print one Markdown table row per figure."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/wt-bench-browse"))
    args = ap.parse_args()
    from wildtrace.act.review import queue_page
    from wildtrace.app.browse import browse, parse_query
    from wildtrace.store.browse import BrowseFilter
    from wildtrace.store.review import QueueFilter
    from wildtrace.workspace import open_workspace

    root = args.dir / f"ws{args.n}"
    if not (root / "wildtrace.db").exists():
        t0 = time.perf_counter()
        build(root, args.n)
        print(f"built {args.n:,} listings in {time.perf_counter() - t0:.0f} s")
    ws = open_workspace(root)
    t0 = time.perf_counter()
    browse(ws, parse_query({}), user="bench")
    print(f"| first browse (countries of {args.n:,} listings read once) | "
          f"{(time.perf_counter() - t0) * 1000:,.0f} ms |")
    cases = {
        "browse page 1 + all facets, no filter": {},
        "search 象牙 (2 chars: LIKE)": {"q": "象牙"},
        "search 出售象牙 (trigram)": {"q": "出售象牙"},
        "search งาช้าง (Thai, trigram)": {"q": "งาช้าง"},
        "search ivory (trigram)": {"q": "ivory"},
        "search 'ivory bangle' + appendix=I": {"q": "ivory bangle", "appendix": "I"},
        "filter country=TH + verdict=flagged": {"country": "TH", "verdict": "flagged"},
        "sort price asc, page 100": {"sort": "price", "dir": "asc", "page": "100"},
        "label=none, sort posted": {"label": "none", "sort": "posted"},
    }
    for name, params in cases.items():
        q = parse_query(params)
        ms = median_ms(lambda q=q: browse(ws, q, user="bench"))  # type: ignore[misc]
        total, _ = ws.store.browse.facets(q.filter)
        print(f"| {name} ({total:,} match) | {ms:,.0f} ms |")
    ms = median_ms(lambda: ws.store.browse.ids(BrowseFilter(q="ivory", appendix="I"), 5001))
    print(f"| bulk-label ids of a view (cap 5,001) | {ms:,.0f} ms |")
    ms = median_ms(lambda: queue_page(ws.store, QueueFilter(), "", 50))
    print(f"| queue page 1, tie-broken ({args.n // 3:,} tie at 1.00) | {ms:,.0f} ms |")
    ws.close()


if __name__ == "__main__":
    main()
