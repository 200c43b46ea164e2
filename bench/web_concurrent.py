"""Bench: 20 concurrent clients against real ``wildtrace serve`` processes on PostgreSQL.

Each configuration gets a fresh copy of one seeded database (``web_pgseed``), its own
workspace folder and ``serve`` subprocess(es) on 127.0.0.1 (uvicorn, real sockets), and
is then driven by ``--clients`` threads, each with its own HTTP connection, asking back
to back (a closed loop: each client waits for its answer before the next request) for
the listing page (random id), the review queue page, the API listing list and the
dashboard, in turn. It reports p50/p95 per page and the requests per second.

A configuration with ``--before-src DIR`` runs the code of that tree (e.g. the commit
before a change, unpacked with ``git archive``), seeded with that tree's migrations, so
before and after are measured in the same run on the same rows; the copy for the
current tree is migrated by it on start.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from web_pgseed import copy_database, database_rows, seed

PAGES = ("GET /listings/{id} (HTML)", "GET /queue (HTML)", "GET /api/listings?limit=50",
         "GET /dashboard (HTML)")


@dataclass(frozen=True)
class Config:
    """One thing measured: whose code, how many server processes, which settings."""

    label: str
    src: Path | None  # None: this tree
    workers: int = 1
    env: tuple[tuple[str, str], ...] = ()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(cfg: Config) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WILDTRACE_")}
    env["PYTHONPATH"] = str(cfg.src) if cfg.src else str(Path(__file__).parents[1])
    env.update(dict(cfg.env))
    return env


def _cli(cfg: Config, folder: Path, *args: str) -> str:
    out = subprocess.run([sys.executable, "-m", "wildtrace", "--workspace", str(folder),
                          *args], env=_env(cfg), check=True, capture_output=True, text=True,
                         cwd=folder)  # not this tree's folder: -m would import it first
    return out.stdout.strip()


def _serve(cfg: Config, folder: Path, port: int) -> subprocess.Popen[bytes]:
    extra = ["--workers", str(cfg.workers)] if cfg.workers > 1 else []
    proc = subprocess.Popen([sys.executable, "-m", "wildtrace", "--workspace", str(folder),
                             "serve", "--port", str(port), "--no-tip-capture", *extra],
                            env=_env(cfg), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=folder)
    import httpx

    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{cfg.label}: serve did not answer on port {port}")


def _login(base: str) -> dict[str, str]:
    import httpx

    with httpx.Client(base_url=base) as c:
        page = c.get("/login")
        found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert found, page.text[:300]
        resp = c.post("/login", data={"username": "bench", "password": "bench-password",
                                      "csrf_token": found.group(1)})
        assert resp.status_code == 303, resp.status_code
        return dict(c.cookies)


def _drive(base: str, cookies: dict[str, str], token: str, n: int, clients: int,
           seconds: float) -> dict[str, list[float]]:
    import httpx

    times: dict[str, list[float]] = defaultdict(list)
    lock = threading.Lock()
    stop = time.perf_counter() + seconds
    failures: list[str] = []

    def client(k: int) -> None:
        rng = random.Random(k)
        h = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, cookies=cookies, timeout=60) as c:
            i = k  # clients start on different pages
            while time.perf_counter() < stop:
                page = PAGES[i % len(PAGES)]
                i += 1
                t0 = time.perf_counter()
                if page.startswith("GET /listings"):
                    r = c.get(f"/listings/{rng.randint(1, n)}")
                elif page.startswith("GET /queue"):
                    r = c.get("/queue")
                elif page.startswith("GET /api/listings"):
                    r = c.get("/api/listings", params={"limit": 50,
                                                       "cursor": rng.randint(0, n - 50)},
                              headers=h)
                else:
                    r = c.get("/dashboard")
                took = time.perf_counter() - t0
                if r.status_code != 200:
                    failures.append(f"{page}: {r.status_code}")
                with lock:
                    times[page].append(took)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise SystemExit(f"{len(failures)} failed requests, e.g. {failures[:3]}")
    return times


def _cpu(server_pid: int) -> dict[str, float]:
    """CPU seconds so far of the server (with its workers), the PostgreSQL backends of
    the bench database, and this process (the clients)."""
    import psutil

    server = psutil.Process(server_pid)
    own = sum(sum(p.cpu_times()[:2]) for p in [server, *server.children(recursive=True)])
    pg = 0.0
    for p in psutil.process_iter(["name", "cmdline"]):
        try:
            if "wt_bench_web_run" in " ".join(p.info["cmdline"] or []):
                pg += sum(p.cpu_times()[:2])
        except psutil.Error:
            continue
    me = os.times()
    return {"server": own, "postgres": pg, "clients": me.user + me.system}


def _warm(base: str, cookies: dict[str, str], workers: int) -> None:
    """Until every worker answers the dashboard from its cache: each computes the
    figures once per data version (a minute at 1M listings on PostgreSQL)."""
    import httpx

    def ask(took: list[float]) -> None:
        t0 = time.perf_counter()
        httpx.get(base + "/dashboard", cookies=cookies, timeout=900)
        took.append(time.perf_counter() - t0)

    for _ in range(20):
        took: list[float] = []
        threads = [threading.Thread(target=ask, args=(took,)) for _ in range(4 * workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if max(took) < 2.0:
            return


def _pct(xs: list[float], q: float) -> float:
    ms = sorted(x * 1000 for x in xs)
    return ms[min(len(ms) - 1, int(q * len(ms)))]


def measure(cfg: Config, template: str, n: int, clients: int, seconds: float,
            root: Path) -> dict[str, list[float]]:
    """Run one configuration on a fresh copy of ``template``; the times per page."""
    folder = root / re.sub(r"\W+", "-", cfg.label)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    url = copy_database(template, "wt_bench_web_run")
    (folder / "wildtrace.toml").write_text(f'database_url = "{url}"\n', encoding="utf-8")
    token = _cli(cfg, folder, "token", "create", "bench").split()[-1]
    port = _free_port()
    proc = _serve(cfg, folder, port)
    try:
        base = f"http://127.0.0.1:{port}"
        cookies = _login(base)
        _warm(base, cookies, cfg.workers)
        _drive(base, cookies, token, n, clients, 3.0)
        before = _cpu(proc.pid)
        times = _drive(base, cookies, token, n, clients, seconds)
        after = _cpu(proc.pid)
        spent = {k: after[k] - before.get(k, 0.0) for k in after}
        total = sum(len(v) for v in times.values())
        # PostgreSQL backends that ended during the run take their CPU time with them
        # (a pool smaller than the clients opens and closes connections): then n/a.
        print(f"  {cfg.label}: CPU ms per request: " + ", ".join(
            f"{k} {v * 1000 / total:.1f}" if v >= 0 else f"{k} n/a"
            for k, v in spent.items()), file=sys.stderr)
        return times
    finally:
        proc.terminate()
        proc.wait(30)


def report(label: str, times: dict[str, list[float]], seconds: float) -> None:
    """Print one configuration's rows of the results table."""
    total = sum(len(v) for v in times.values())
    for page in PAGES:
        xs = times.get(page, [])
        if xs:
            print(f"| {label} | {page} | {len(xs)} | {statistics.median(xs) * 1000:.0f} "
                  f"| {_pct(xs, 0.95):.0f} |")
    print(f"| {label} | all pages: {total / seconds:.1f} requests/s | {total} | | |")
    sys.stdout.flush()


def run(n: int, clients: int, seconds: float, before_src: Path | None,
        workers: list[int], root: Path) -> None:
    """Seed (once per schema), then measure before (if asked) and after."""
    configs: list[Config] = []
    if before_src is not None:
        configs.append(Config("before", before_src))
    configs += [Config(f"after, {w} worker{'s' if w > 1 else ''}", None, w) for w in workers]
    template = "wt_bench_web_seed_old" if before_src else "wt_bench_web_seed"
    if database_rows(template) != n:
        print(f"seeding {n:,} listings into {template} ...", file=sys.stderr)
        seed(template, n, before_src, root / "seed")
    print(f"\n{n:,} listings on PostgreSQL, {clients} concurrent clients, {seconds:.0f} s "
          "per configuration\n")
    print("| configuration | page | requests | p50 ms | p95 ms |\n|---|---|---:|---:|---:|")
    for cfg in configs:
        report(cfg.label, measure(cfg, template, n, clients, seconds, root), seconds)
