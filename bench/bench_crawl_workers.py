"""Crawl workers sharing one frontier: what the frontier costs, and what N workers gain.

    .venv/bin/python bench/bench_crawl_workers.py --urls 20000 --sites 16 --pages 150

Needs PostgreSQL at 127.0.0.1:5432 (database ``test``, trust auth) and Redis at
127.0.0.1:6379; makes and drops a database of its own.

* frontier: URLs taken and settled per second through the PostgreSQL frontier (leased
  rows, ``FOR UPDATE SKIP LOCKED``, batches of 16 as the crawler takes them) by 1 and
  by 4 concurrent takers, against the baseline scrapy-redis uses (a Redis sorted set
  popped by priority in a MULTI, one request per call as its scheduler pops), in the
  same run.
* crawl: ``wildtrace crawl --worker`` on ``--sites`` generated local sites (no delay,
  blobs in the database, politeness through Redis), with 1 worker and with 3 workers
  (separate processes and folders, one PostgreSQL database), pages/s from the first
  worker's start to the last one's end (interpreter start-up included).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "sites"))
sys.path.insert(0, str(ROOT))
from harness import env  # noqa: E402
from marketplace import Handler, Log, generated  # noqa: E402

ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test"


def new_database() -> tuple[str, str]:
    """A fresh database: (name, SQLAlchemy URL)."""
    import psycopg

    name = "wt_bench_" + uuid.uuid4().hex[:10]
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def drop_database(name: str) -> None:
    """Drop a database made by :func:`new_database`."""
    import psycopg

    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_pg_frontier(n_urls: int, takers: int) -> float:
    """URLs/s taken and settled through the PostgreSQL frontier by ``takers`` threads."""
    from wildtrace.collect.frontier import Entry, Frontier
    from wildtrace.collect.workers import WorkerId
    from wildtrace.store import Store

    name, url = new_database()
    try:
        store = Store.open(url)
        Frontier(store.frontier).add(Entry(f"http://s{i % 50}.test/{i}", (i % 97) / 97)
                                     for i in range(n_urls))
        done = [0] * takers

        def take(k: int) -> None:
            own = Store.open(url)
            f = Frontier(own.frontier, WorkerId(f"bench-{k}", "bench", k))
            while batch := f.take(16, per_domain=4):
                f.settle([(e.url, "done", "captured") for e in batch])
                done[k] += len(batch)
            own.close()

        threads = [threading.Thread(target=take, args=(k,)) for k in range(takers)]
        t = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        secs = time.perf_counter() - t
        store.close()
        assert sum(done) == n_urls, done
        return n_urls / secs
    finally:
        drop_database(name)


def bench_redis_zset(n_urls: int, takers: int) -> float:
    """URLs/s through a scrapy-redis style queue: a sorted set popped one by one."""
    import redis

    key = f"bench:{uuid.uuid4().hex}"
    client = redis.Redis()
    pipe = client.pipeline()
    for i in range(n_urls):
        pipe.zadd(key, {f"http://s{i % 50}.test/{i}": -((i % 97) / 97)})
    pipe.execute()
    done = [0] * takers

    def take(k: int) -> None:
        own = redis.Redis()
        while True:
            p = own.pipeline()  # scrapy-redis PriorityQueue.pop: MULTI zrange+zremrange
            p.zrange(key, 0, 0)
            p.zremrangebyrank(key, 0, 0)
            got, _ = p.execute()
            if not got:
                break
            done[k] += 1
        own.close()

    threads = [threading.Thread(target=take, args=(k,)) for k in range(takers)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    secs = time.perf_counter() - t
    client.delete(key)
    return sum(done) / secs


def serve_sites(n_sites: int, pages: int) -> tuple[list[str], list[ThreadingHTTPServer]]:
    """Generated sites on 127.0.0.40 onwards."""
    log, servers, seeds = Log(), [], []
    for i in range(n_sites):
        srv = ThreadingHTTPServer((f"127.0.0.{40 + i}", 0), Handler)
        srv.daemon_threads = True
        srv.site, srv.route, srv.log = f"s{i}", generated(pages, f"-{i}"), log  # type: ignore[attr-defined]
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        seeds.append(f"http://127.0.0.{40 + i}:{srv.server_address[1]}/")
    return seeds, servers


def bench_crawl(n_workers: int, n_sites: int, pages: int) -> dict[str, Any]:
    """Pages/s of ``n_workers`` crawl workers on one PostgreSQL frontier."""
    from wildtrace.workspace import open_workspace

    name, url = new_database()
    seeds, servers = serve_sites(n_sites, pages)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            team = {"WILDTRACE_DATABASE_URL": url, "WILDTRACE_BLOB_STORE": "postgres",
                    "WILDTRACE_REDIS_URL": "redis://127.0.0.1:6379/0"}
            open_workspace(Path(tmp) / "setup", overrides={"database_url": url}).close()
            t = time.perf_counter()
            procs = [subprocess.Popen(
                [sys.executable, "-m", "wildtrace", "--workspace", f"{tmp}/w{k}", "crawl",
                 "--worker", *seeds, "--delay", "0", "--json"], env=env(**team),
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
                for k in range(n_workers)]
            outs = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
            secs = time.perf_counter() - t
        total = sum(o["pages"] for o in outs)
        return {"workers": n_workers, "pages": total, "seconds": round(secs, 2),
                "pages_per_s": round(total / secs, 1),
                "per_worker": [o["pages"] for o in outs]}
    finally:
        for srv in servers:
            srv.shutdown()
            srv.server_close()
        drop_database(name)


def main() -> None:
    """Run the benchmarks and print one JSON object."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--urls", type=int, default=20_000)
    ap.add_argument("--sites", type=int, default=16)
    ap.add_argument("--pages", type=int, default=150, help="pages per generated site")
    args = ap.parse_args()
    out: dict[str, Any] = {"frontier_urls_per_s": {
        "postgres_leases_1": round(bench_pg_frontier(args.urls, 1)),
        "postgres_leases_4": round(bench_pg_frontier(args.urls, 4)),
        "redis_zset_1": round(bench_redis_zset(args.urls, 1)),
        "redis_zset_4": round(bench_redis_zset(args.urls, 4))}}
    out["crawl"] = [bench_crawl(n, args.sites, args.pages) for n in (1, 3)]
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
