"""Reused photos at scale, and what photos cost a crawl.

``index``: near-duplicate search over N 64-bit photo hashes (default 1,000,000) with
:class:`wildtrace.link.photoindex.PhotoIndex` (multi-index hashing) against two brute
force scans of the same hashes in the same run: numpy XOR + popcount over every hash
(the strong baseline), and a pure-Python loop (the naive one, on a sample of queries).
Queries are stored hashes with 0-4 bits flipped (what a re-encoded copy looks like) and
random hashes (no match); every answer of the index is checked against numpy's. Build
time, queries/s and the index's memory are printed.

``crawl``: a local site of P listing pages (default 200), each with one photo carrying
a caption and a third of them sharing one photo, crawled twice into fresh workspaces:
``--no-images`` and with the photo step (fetch, keep as evidence, hash, OCR with the
default languages, reuse lookup). The difference per page, scaled to 10,000 pages, is
the cost of image analysis (stated as an extrapolation: the run is scaled down).

Usage:  .venv/bin/python bench/bench_photos.py [--part index|crawl|all] [--n 1000000]
        [--pages 200]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from wildtrace.link.photoindex import PhotoIndex, brute_near  # noqa: E402


def bench_index(n: int, queries: int, radius: int) -> None:
    rng = np.random.default_rng(3)
    hashes = (rng.integers(0, 2**63, n, dtype=np.uint64) * np.uint64(2)
              + rng.integers(0, 2, n, dtype=np.uint64))
    ids = np.arange(n, dtype=np.int64)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    index = PhotoIndex(ids, hashes)
    build = time.perf_counter() - t0
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    r = random.Random(3)
    qs = []
    for i in range(queries):
        if i % 2 == 0:
            q = int(hashes[r.randrange(n)])
            for bit in r.sample(range(64), r.randrange(0, radius + 1)):
                q ^= 1 << bit
        else:
            q = r.getrandbits(64)
        qs.append(q)
    t0 = time.perf_counter()
    got = [index.near(q, radius) for q in qs]
    mih = time.perf_counter() - t0
    t0 = time.perf_counter()
    want = [brute_near(ids, hashes, q, radius) for q in qs]
    brute = time.perf_counter() - t0
    agree = sum(sorted(a) == sorted(b) for a, b in zip(got, want, strict=True))
    # The naive baseline: a Python loop over every hash, on a few queries.
    plain = [int(h) for h in hashes]
    few = qs[:5]
    t0 = time.perf_counter()
    for q in few:
        [i for i, h in enumerate(plain) if (h ^ q).bit_count() <= radius]
    naive = (time.perf_counter() - t0) / len(few)
    hits = sum(1 for g in got if g)
    print(f"index of {n:,} hashes, radius {radius}: built in {build:.2f} s, "
          f"~{(rss1 - rss0) / 1024:.0f} MB added to peak RSS "
          f"(arrays {index.nbytes() / 1e6:.0f} MB: hashes, ids, four sorted bands)")
    print(f"  multi-index:       {queries / mih:10.0f} queries/s "
          f"({1e3 * mih / queries:.3f} ms each)")
    print(f"  numpy brute force: {queries / brute:10.0f} queries/s "
          f"({1e3 * brute / queries:.3f} ms each)")
    print(f"  Python loop:       {1 / naive:10.2f} queries/s ({naive * 1e3:.0f} ms each, "
          f"{len(few)} queries)")
    print(f"  answers equal to brute force: {agree}/{queries}; queries with a match: {hits}")
    print(f"  speed-up over numpy brute force: {brute / mih:.1f}x; over the loop: "
          f"{naive * queries / mih:.0f}x")


def bench_crawl(pages: int) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT / "tests" / "sites"))
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from harness import env, new_workspace
    from photo_site import CAPTION, _page, jpeg, scene, with_text

    files: dict[str, tuple[str, bytes]] = {"/robots.txt": ("text/plain", b"")}
    shared = jpeg(scene(5000))
    links = []
    for i in range(pages):
        url = f"/ad/{i}"
        links.append(f"<a href='{url}'>ad {i}</a>")
        img = f"/img/{i}.jpg" if i % 3 else "/img/shared.jpg"
        files[img] = ("image/jpeg", jpeg(with_text(scene(i), [CAPTION[i % len(CAPTION)]]))
                      if i % 3 else shared)
        files[url] = ("text/html", _page(f"Advert {i}", f"Item {i}, see the photo.",
                                         f"seller{i}", [img]))
    files["/"] = ("text/html", ("<html><body>" + " ".join(links) + "</body></html>").encode())

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            got = files.get(self.path)
            if got is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", got[0])
            self.send_header("Content-Length", str(len(got[1])))
            self.end_headers()
            self.wfile.write(got[1])

        def log_message(self, *a: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    out = {}
    try:
        for mode in ("--no-images", "images"):
            with tempfile.TemporaryDirectory() as tmp:
                ws = new_workspace(Path(tmp) / "ws")
                args = [sys.executable, "-m", "wildtrace", "--workspace", str(ws), "crawl",
                        url, "--delay", "0", "--max-depth", "1", "--json"]
                if mode == "--no-images":
                    args.append("--no-images")
                t0 = time.perf_counter()
                proc = subprocess.run(args, capture_output=True, text=True, timeout=3600,
                                      env=env(WILDTRACE_TIMEOUT="30"))
                wall = time.perf_counter() - t0
                if proc.returncode != 0:
                    raise SystemExit(proc.stderr[-2000:])
                summary = json.loads(proc.stdout.strip().splitlines()[-1])
                rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
                out[mode] = (wall, summary, rss)
                photos = summary.get("photos") or {}
                print(f"{mode:12} {summary['pages']} pages, {summary['listings']} listings "
                      f"in {wall:.1f} s; photos stored {photos.get('stored', 0)}, with text "
                      f"{photos.get('ocr', 0)}, reused {photos.get('reused', 0)}; peak RSS "
                      f"of a child so far {rss:.0f} MB")
    finally:
        server.shutdown()
    base, full = out["--no-images"][0], out["images"][0]
    per_page = (full - base) / pages
    print(f"image analysis adds {per_page:.3f} s per listing page with one photo: "
          f"{per_page * 10_000 / 3600:.2f} h for 10,000 such pages (extrapolated from "
          f"{pages}); crawl alone {base / pages * 10_000 / 3600:.2f} h at --delay 0")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--part", choices=("index", "crawl", "all"), default="all")
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--radius", type=int, default=4)
    ap.add_argument("--pages", type=int, default=200)
    args = ap.parse_args()
    if args.part in ("index", "all"):
        bench_index(args.n, args.queries, args.radius)
    if args.part in ("crawl", "all"):
        bench_crawl(args.pages)


if __name__ == "__main__":
    main()
