"""Bench: p95 latency of the review queue and the listing view on a large workspace.

Builds (once) a SQLite workspace of N listings (default 1,000,000) with bulk inserts: each
listing has an assessment, a tenth a newer second one, 1 % a label. Then times requests
through the ASGI app in-process (no network; what the server itself spends), and as a
baseline the naive "latest assessment per listing" query (``Store.latest_assessments``,
a GROUP BY over every assessment) that a queue without keyset pagination would run.

    .venv/bin/python bench/bench_web.py --n 1000000 --dir /tmp/wt-bench-web

``--concurrent`` measures instead 20 concurrent clients against real ``wildtrace serve``
processes on a PostgreSQL workspace (see ``bench/web_concurrent.py``).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sqlite3
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

PLATFORMS = [f"market{i}" for i in range(20)]
LANGS = ["en", "zh", "vi", "fr", "es", "th", "id", "pt"]
TAXA = [("Loxodonta africana", "I"), ("Manis javanica", "I"), ("Panthera tigris", "I"),
        ("Psittacus erithacus", "I"), ("Testudo graeca", "II"), ("Python regius", "II"),
        ("Hippocampus kuda", "II"), ("", "")]
PLACES = ["Hà Nội", "Lagos, NG", "广州 Guangdong", "Bangkok", "Paris, France", "Nairobi",
          "Jakarta", "Manila", "", "somewhere"]


def build(root: Path, n: int, seed: int = 1) -> None:
    """Create the workspace schema through wildtrace, then bulk-insert rows."""
    from wildtrace.app.accounts import Accounts
    from wildtrace.workspace import open_workspace

    ws = open_workspace(root)
    Accounts(ws.store).add_user("bench", "admin", "bench-password")
    ws.close()
    rng = random.Random(seed)
    con = sqlite3.connect(root / "wildtrace.db")
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    now = datetime.now(UTC).isoformat(sep=" ")
    con.execute("INSERT INTO runs (stage, version, started_at, detail) "
                "VALUES ('assess', 'bench-1', ?, '{}')", (now,))
    con.execute("INSERT INTO runs (stage, version, started_at, detail) "
                "VALUES ('assess', 'bench-2', ?, '{}')", (now,))
    batch = 50_000
    t0 = time.perf_counter()
    for start in range(1, n + 1, batch):
        ids = range(start, min(start + batch, n + 1))
        rows, arows, labels = [], [], []
        for i in ids:
            taxon, cites = TAXA[rng.randrange(len(TAXA))]
            lang = LANGS[rng.randrange(len(LANGS))]
            plat = PLATFORMS[rng.randrange(len(PLATFORMS))]
            month = rng.randrange(36)
            posted = f"{2022 + month // 12}-{month % 12 + 1:02d}-{rng.randrange(1, 28):02d}"
            title = f"{taxon or 'vintage'} item {i} for sale"
            rows.append((i, hashlib.sha256(str(i).encode()).hexdigest(), plat,
                         f"https://{plat}.example/item/{i}", title,
                         f"Listing {i}: {title}. Contact seller{i % 50_000}.",
                         round(rng.uniform(5, 5000), 2), "USD", f"seller{i % 50_000}",
                         PLACES[rng.randrange(len(PLACES))], posted, lang, now))
            score = rng.random()
            arows.append((i, 1, score, score >= 0.5, taxon, cites, now))
            if i % 10 == 0:
                s2 = rng.random()
                arows.append((i, 2, s2, s2 >= 0.5, taxon, cites, now))
            if i % 100 == 0:
                labels.append((i, 1 if score > 0.5 else 0, now))
        con.executemany(
            "INSERT INTO listings (id, content_sha256, source, url, title, description, price, "
            "currency, seller, location, posted, language, created_at) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        # Second assessments are inserted after the first ones of the batch: newer ids.
        con.executemany(
            "INSERT INTO assessments (listing_id, run_id, model, model_version, relevant, "
            "score, taxa, cites, flags, reasons, created_at) "
            "VALUES (?, ?, 'bench', 'bench', ?, ?, ?, ?, '', '[]', ?)",
            [(a[0], a[1], a[3], a[2], a[4], a[5], a[6]) for a in arows])
        con.executemany("INSERT INTO labels (listing_id, label, user, note, created_at) "
                        "VALUES (?, ?, 'bench', '', ?)", labels)
        con.commit()
        print(f"  {ids[-1]:,} listings ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    con.execute("ANALYZE")
    con.commit()
    con.close()


def percentiles(times: list[float]) -> tuple[float, float, float]:
    """(p50, p95, max) in milliseconds."""
    ms = sorted(t * 1000 for t in times)
    return (statistics.median(ms), ms[min(len(ms) - 1, int(0.95 * len(ms)))], ms[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/wt-bench-web"))
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--concurrent", action="store_true",
                        help="20 clients against real 'serve' processes on PostgreSQL "
                             "(bench/web_concurrent.py) instead of in-process SQLite")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", default="1,2",
                        help="server processes of each 'after' configuration")
    parser.add_argument("--before-src", type=Path, default=None,
                        help="source tree of the code before a change, measured first")
    args = parser.parse_args()
    if args.concurrent:
        sys.path.insert(0, str(Path(__file__).parent))
        from web_concurrent import run

        run(args.n, args.clients, args.seconds, args.before_src,
            [int(w) for w in args.workers.split(",")], args.dir)
        return
    from fastapi.testclient import TestClient

    from wildtrace.app.accounts import Accounts
    from wildtrace.web import create_app
    from wildtrace.workspace import open_workspace

    db = args.dir / "wildtrace.db"
    if db.exists():
        con = sqlite3.connect(db)
        have = con.execute("SELECT count(*) FROM listings").fetchone()[0]
        con.close()
    else:
        have = 0
    if have != args.n:
        if args.dir.exists():
            import shutil

            shutil.rmtree(args.dir)
        print(f"building {args.n:,} listings in {args.dir} ...", file=sys.stderr)
        t0 = time.perf_counter()
        build(args.dir, args.n)
        print(f"built in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    ws = open_workspace(args.dir)
    token = Accounts(ws.store).create_token("bench")
    client = TestClient(create_app(ws, capture_tips=False))
    h = {"Authorization": f"Bearer {token}"}
    # A session for the HTML pages.
    import re

    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"username": "bench", "password": "bench-password",
                                "csrf_token": csrf})
    rng = random.Random(7)
    cursor = ""
    for _ in range(5):
        cursor = client.get("/api/queue", params={"cursor": cursor}, headers=h).json()[
            "next_cursor"]
    cases = {
        "GET /api/queue (first page, 50)": lambda: client.get("/api/queue", headers=h),
        "GET /api/queue (6th page by cursor)": lambda: client.get(
            "/api/queue", params={"cursor": cursor}, headers=h),
        "GET /api/queue?language=vi&appendix=I": lambda: client.get(
            "/api/queue?language=vi&appendix=I", headers=h),
        "GET /api/queue?platform=market3&taxon=Manis": lambda: client.get(
            "/api/queue?platform=market3&taxon=Manis", headers=h),
        "GET /api/queue?language=sw (no such listings)": lambda: client.get(
            "/api/queue?language=sw", headers=h),
        "GET /api/queue?taxon=Nothingus (no such taxon)": lambda: client.get(
            "/api/queue?taxon=Nothingus", headers=h),
        "GET /api/queue?taxon=kuda&language=th (few listings)": lambda: client.get(
            "/api/queue?taxon=kuda&language=th", headers=h),
        "GET /queue (HTML page)": lambda: client.get("/queue"),
        "GET /api/listings/{random id}": lambda: client.get(
            f"/api/listings/{rng.randint(1, args.n)}", headers=h),
        "GET /listings/{random id} (HTML page)": lambda: client.get(
            f"/listings/{rng.randint(1, args.n)}"),
    }
    print(f"\n{args.n:,} listings, {args.requests} requests each, in-process ASGI\n")
    print("| request | p50 ms | p95 ms | max ms |\n|---|---:|---:|---:|")
    for name, call in cases.items():
        call()  # warm
        times = []
        for _ in range(args.requests):
            t0 = time.perf_counter()
            resp = call()
            times.append(time.perf_counter() - t0)
            assert resp.status_code == 200, (name, resp.status_code, resp.text[:200])
        p50, p95, mx = percentiles(times)
        print(f"| {name} | {p50:.1f} | {p95:.1f} | {mx:.1f} |")
    t0 = time.perf_counter()
    assert client.get("/dashboard").status_code == 200
    first = time.perf_counter() - t0
    again = []
    for _ in range(10):
        t0 = time.perf_counter()
        client.get("/dashboard")
        again.append(time.perf_counter() - t0)
    print(f"| GET /dashboard: first (computes aggregates) / then cached (p50 of 10) | "
          f"{first * 1000:.0f} | {statistics.median(again) * 1000:.1f} | — |")
    base = []
    for _ in range(3):
        t0 = time.perf_counter()
        ws.store.latest_assessments(relevant_only=True, limit=50)
        base.append(time.perf_counter() - t0)
    p50, _, mx = percentiles(base)
    print(f"| baseline: Store.latest_assessments(limit=50), GROUP BY (3 runs) | {p50:.1f} "
          f"| — | {mx:.1f} |")
    ws.close()


if __name__ == "__main__":
    main()
