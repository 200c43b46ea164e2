"""Distributed ``process``: one process against Dask LocalClusters of 1, 2 and 4 workers.

    .venv/bin/python bench/bench_distributed.py [--n 50000] [--workers 1,2,4]

One run builds one synthetic SQLite workspace (bench_identify's generator: ordinary
product texts from ../shared/datasets/negatives, a third with a pack name or an obfuscated
term and a cue mixed in; 5,000 sellers, prices in five currencies), copies it once per
configuration, and runs ``process`` (zero-shot scorer, embeddings off) on each copy:
* ``single``: this process alone (the baseline, ``process`` with no scheduler);
* ``dask-K``: a LocalCluster of K worker processes with one thread each, started before
  the clock (its start-up is reported apart); the workers load the scorer on their first
  task, which is counted;
* ``single_again``: the baseline once more at the end (the machine is shared; this shows
  how far the load moved while the bench ran).
Listings/s is over the identify + assess phase (start of ``process`` to its last batch
written); the seller linking that follows runs in this process in every configuration
and is reported apart. CPU seconds (this process plus every worker process) over the same
phase give the cost per listing, which the load of other programs moves far less than the
wall clock. Each configuration's assessments are compared with the baseline's. The load
average before and after each is printed: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
os.environ["WILDTRACE_EMBEDDINGS"] = "off"

from bench_identify import synthesise  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402

from wildtrace.app.distributed import LOCAL_ONLY  # noqa: E402
from wildtrace.app.process import process  # noqa: E402
from wildtrace.identify import load_identifier  # noqa: E402
from wildtrace.records import ListingDraft  # noqa: E402
from wildtrace.store import content_key  # noqa: E402
from wildtrace.workspace import Workspace, open_workspace  # noqa: E402

CURRENCIES = ("USD", "EUR", "GBP", "VND", "CNY")


def build(root: Path, n: int, seed: int = 3) -> None:
    """A workspace of ``n`` synthetic listings, imported through the store."""
    texts, _ = synthesise(n, load_identifier())
    rng = random.Random(seed)
    ws = open_workspace(root)
    drafts = []
    for i, text in enumerate(texts):
        title, _, rest = text.partition(" ")
        draft = ListingDraft(source="bench", title=title, description=rest,
                             url=f"https://market.example/item/{i}",
                             price=round(rng.uniform(5, 5000), 2),
                             currency=rng.choice(CURRENCIES),
                             seller=f"seller{rng.randrange(5000)}", origin=f"bench:{i}")
        drafts.append((draft, content_key(draft, {"i": i})))
    for i in range(0, len(drafts), 10_000):
        ws.store.add_listings(drafts[i:i + 10_000])
    ws.close()


def _results(ws: Workspace) -> list[tuple[Any, ...]]:
    return sorted((r["id"], r["score"], r["risk"], r["taxa"], r["flags"], r["reasons"])
                  for r in ws.store.latest_assessments())


def _cpu() -> float:
    """CPU seconds of the calling process (run on each worker)."""
    import psutil

    times = psutil.Process().cpu_times()
    return float(times.user + times.system)


def _workers_cpu(client: Any) -> float:
    return sum(client.run(_cpu).values()) if client is not None else 0.0


def run(base: Path, work: Path, name: str, client: Any = None) -> dict[str, Any]:
    """``process`` over a fresh copy of ``base``, timed by phase; with ``client``, on its
    cluster. CPU seconds (this process, and the workers) are over identify + assess."""
    root = work / name
    shutil.copytree(base, root)
    ws = open_workspace(root)
    load_before = os.getloadavg()
    marks: list[tuple[float, float]] = []
    scheduler = str(client.scheduler.address) if client is not None else ""
    w0 = _workers_cpu(client)
    c0, t0 = time.process_time(), time.perf_counter()
    res = process(ws, scheduler=scheduler, progress=lambda _n: marks.append(
        (time.perf_counter(), time.process_time())))
    t_end = time.perf_counter()
    # The workers' CPU is read after linking; they are idle by then.
    worker_cpu = _workers_cpu(client) - w0
    t_last, c_last = marks[-1] if marks else (t_end, time.process_time())
    assess_s = t_last - t0
    cpu = c_last - c0 + worker_cpu
    out = {"listings": res.assessed, "relevant": res.relevant, "workers": res.workers,
           "assess_s": round(assess_s, 2), "per_s": round(res.assessed / assess_s),
           "cpu_s": round(cpu, 2), "client_cpu_s": round(c_last - c0, 2),
           "cpu_ms_per_listing": round(1000 * cpu / max(res.assessed, 1), 3),
           "link_s": round(t_end - t0 - assess_s, 2), "total_s": round(t_end - t0, 2),
           "load_before": [round(x, 2) for x in load_before],
           "load_after": [round(x, 2) for x in os.getloadavg()],
           "_results": _results(ws)}
    ws.close()
    shutil.rmtree(root)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=50_000)
    ap.add_argument("--workers", default="1,2,4")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wt-bench-dist-"))
    try:
        t0 = time.perf_counter()
        build(work / "base", args.n)
        out: dict[str, Any] = {"n": args.n, "cpus": os.cpu_count(),
                               "build_s": round(time.perf_counter() - t0, 1)}
        single = run(work / "base", work, "single")
        baseline = single.pop("_results")
        out["single"] = single
        for k in (int(x) for x in args.workers.split(",")):
            t1 = time.perf_counter()
            with LocalCluster(n_workers=k, threads_per_worker=1, processes=True,
                              **LOCAL_ONLY) as cluster, Client(cluster) as client:
                started = time.perf_counter() - t1
                row = run(work / "base", work, f"dask-{k}", client)
            row["cluster_start_s"] = round(started, 2)
            row["identical_to_single"] = row.pop("_results") == baseline
            row["speedup"] = round(row["per_s"] / single["per_s"], 2)
            out[f"dask-{k}"] = row
            print(json.dumps({f"dask-{k}": row}), file=sys.stderr)
        # The machine is shared: the baseline again at the end shows how far the load
        # moved the figures during the run.
        again = run(work / "base", work, "single-again")
        out["single_again"] = {**again, "identical_to_single": again.pop("_results") ==
                               baseline}
        print(json.dumps(out, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
