"""Page-worker benchmark: what the crawl's page worker costs per page, in process.

    .venv/bin/python bench/bench_pages.py --pages 4000

Feeds generated pages (the same generator as bench_crawl.py: a heading, a paragraph
with a price, two links) from 8 sites, shuffled, in groups of 16, to the crawl's page
processor on a fresh workspace: extraction, relevance (watch keywords), links queued in
the frontier, blobs, capture records, custody, listings and venues, as in a crawl, but
without the network, the WARC records or the crawler. Prints ms per page.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "sites"))
from marketplace import generated  # noqa: E402

from wildtrace.app.plan import CrawlPlan, crawl_processor  # noqa: E402
from wildtrace.collect.watch import DEFAULT_TERMS  # noqa: E402
from wildtrace.records import Page  # noqa: E402
from wildtrace.workspace import open_workspace  # noqa: E402


def pages(n: int, sites: int = 8) -> list[Page]:
    out = []
    for s in range(sites):
        route = generated(n // sites, f" (site {s})")
        for i in range(n // sites):
            _, headers, body = route(None, f"/p/{i}")
            url = f"http://127.0.0.{20 + s}:8000/p/{i}"
            out.append(Page(
                requested_url=url, url=url, redirects=(), status=200,
                headers=(("Content-Type", headers["Content-Type"]),), body=body,
                media_type="text/html", server_ip="127.0.0.1",
                started="2026-11-28T10:00:00.000000Z", ended="2026-11-28T10:00:00.001000Z",
                user_agent="bench", robots_url=f"http://127.0.0.{20 + s}:8000/robots.txt",
                robots_body=b"User-agent: *\nDisallow:\n", depth=3))
    random.Random(1).shuffle(out)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=4000)
    ap.add_argument("--group", type=int, default=16)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="wt-bench-pages-"))
    try:
        ws = open_workspace(tmp / "ws", {"focus": "keywords", "embeddings": False})
        plan = CrawlPlan(terms=DEFAULT_TERMS, max_depth=100,
                         domains=tuple(f"127.0.0.{20 + i}" for i in range(8)))
        processor, _ = crawl_processor(ws, plan)
        todo = pages(args.pages)
        t = time.perf_counter()
        for i in range(0, len(todo), args.group):
            processor.many(todo[i:i + args.group])
        secs = time.perf_counter() - t
        processor.session.close()
        ws.close()
        print(json.dumps({"pages": len(todo), "seconds": round(secs, 3),
                          "ms_per_page": round(1000 * secs / len(todo), 3)}))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
