"""Issue 18's "done when": three crawl workers (separate processes, separate local
folders, one PostgreSQL frontier, blobs in the database, politeness through Redis)
crawl the local multi-site marketplace; one is killed with ``kill -9`` midway. Every
page is captured once (the killed worker's pages in flight at most twice), Crawl-delay
and the delay hold across the workers together (request times measured at the
servers), and ``evidence verify`` passes from a fourth folder."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent / "sites"))
from harness import env, new_workspace  # noqa: E402
from marketplace import serve  # noqa: E402

from wildtrace.store.tables.collect import crawl_workers, frontier  # noqa: E402
from wildtrace.store.tables.preserve import captures  # noqa: E402
from wildtrace.workspace import open_workspace  # noqa: E402

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
N_GENERATED = 90
DELAY = 0.05  # --delay; the classifieds' robots.txt asks Crawl-delay: 0.2
LEASE = 4.0
REDIS = ("127.0.0.1", 6379)


def _redis_or_skip() -> str:
    try:
        with socket.create_connection(REDIS, timeout=1):
            pass
    except OSError:
        pytest.skip(f"Redis not reachable at {REDIS[0]}:{REDIS[1]}")
    pytest.importorskip("redis", reason="redis not installed (pip install 'wildtrace[scale]')")
    return f"redis://{REDIS[0]}:{REDIS[1]}/0"


def _run(ws: Path, team: dict[str, str], *args: str, **popen: Any
         ) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "wildtrace", "--workspace", str(ws),
                             *args], env=env(**team), text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, **popen)


def _json(proc: subprocess.Popen[str], timeout: float = 300) -> Any:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, f"exit {proc.returncode}:\n{out}\n{err}"
    return json.loads(out.strip().splitlines()[-1])


def test_three_workers_one_killed(tmp_path: Path, pg_url: str) -> None:
    team = {"WILDTRACE_DATABASE_URL": pg_url, "WILDTRACE_BLOB_STORE": "postgres",
            "WILDTRACE_REDIS_URL": _redis_or_skip(), "WILDTRACE_CRAWL_LEASE": str(LEASE)}
    engine = sa.create_engine(pg_url)
    market = serve(n_generated=N_GENERATED)
    try:
        seeds = [u + "/" for u in market.urls.values()]
        # The fourth folder migrates the database first (workers then only open it).
        fourth = tmp_path / "fourth"
        open_workspace(fourth, overrides={"database_url": pg_url,
                                          "blob_store": "postgres"}).close()
        folders = [new_workspace(tmp_path / f"worker{i}") for i in (1, 2, 3)]
        procs = [_run(f, {**team, "WILDTRACE_OPERATOR": f"worker{i}"}, "crawl", "--worker",
                      *seeds, "--delay", str(DELAY), "--json")
                 for i, f in enumerate(folders, 1)]

        def by_worker() -> Counter[str]:
            with engine.connect() as conn:
                return Counter(conn.execute(sa.select(captures.c.operator)).scalars())

        deadline = time.monotonic() + 120
        while by_worker()["worker1"] < 8 or sum(by_worker().values()) < 30:
            assert time.monotonic() < deadline, by_worker()
            assert procs[0].poll() is None, "worker 1 ended before it could be killed"
            time.sleep(0.05)
        os.kill(procs[0].pid, signal.SIGKILL)
        procs[0].communicate(timeout=10)
        with engine.connect() as conn:
            killed = conn.execute(sa.select(crawl_workers.c.id).where(
                crawl_workers.c.pid == procs[0].pid)).scalar_one()
            held = set(conn.execute(sa.select(frontier.c.url).where(
                frontier.c.state == "active", frontier.c.leased_by == killed)).scalars())

        summaries = [_json(p) for p in procs[1:]]
        assert [s["stopped"] for s in summaries] == ["finished", "finished"]
        assert all(s["pages"] > 0 for s in summaries), summaries

        # Every URL settled; each page captured once, but for the killed worker's.
        with engine.connect() as conn:
            states = Counter(conn.execute(sa.select(frontier.c.state)).scalars())
            urls = Counter(conn.execute(sa.select(captures.c.requested_url)).scalars())
        assert not states["queued"] and not states["active"], states
        twice = {u for u, n in urls.items() if n > 1}
        assert max(urls.values()) <= 2 and twice <= held, (twice, held)
        print(f"captures {sum(urls.values())} of {len(urls)} URLs; the killed worker held "
              f"{len(held)}, of which {len(twice)} were captured twice")
        gen = market.urls["gen"]
        assert {f"{gen}/p/{i}" for i in range(1, N_GENERATED)} | {f"{gen}/"} <= set(urls)
        assert states["done"] >= N_GENERATED + 20
        for path in ("/", "/p/1", "/p/40"):  # fetched by one worker only
            assert market.log.count("gen", path) == 1 or f"{gen}{path}".rstrip("/") in {
                u.rstrip("/") for u in held}

        # Politeness across the three workers together, as the servers saw it.
        for site in market.urls:
            times = sorted(market.log.times(site))
            gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
            floor = 0.2 if site == "classifieds" else DELAY
            assert gaps and min(gaps) >= floor - 0.01, (site, min(gaps), floor)
        assert market.log.count("classifieds", "/private/secret") == 0

        # From a fourth folder: the workers, their leases and the queue ...
        status = _json(_run(fourth, team, "crawl", "status", "--json"))
        shown = {w["id"]: w for w in status["workers"]}
        assert shown[killed]["state"] == "lost"
        assert sorted(w["state"] for w in shown.values()) == ["lost", "stopped", "stopped"]
        assert all(w["leases"] == 0 for w in shown.values())
        assert status["queue"].get("queued", 0) == status["queue"].get("active", 0) == 0

        # ... and, once the killed worker's folder has run again (sealing the WARC file
        # it left open), the evidence of all three verifies there.
        again = _json(_run(folders[0], team, "crawl", "--worker", *seeds, "--json"))
        assert again["pages"] == 0 and again["warc_recovered"], again
        report = _json(_run(fourth, team, "evidence", "verify", "--json"))
        assert report["ok"], report["problems"][:10]
        assert report["checked"]["captures"] == sum(urls.values())
    finally:
        market.close()
        engine.dispose()
