"""Distributed archive import: one process against Dask LocalClusters of 1 and 2 workers.

    .venv/bin/python bench/bench_distributed_import.py [--pages 3000] [--workers 1,2]

One run writes one WARC file of ``--pages`` HTML responses (the 14 sample pages of
tests/pages, in turn, each made unique by a line of its own, on five sites), then imports
it into a fresh workspace per configuration, in the same run:
* ``single``: this process alone (the baseline, ``import`` with no scheduler);
* ``dask-K``: ``import --scheduler`` on a LocalCluster of K worker processes with one
  thread each, started before the clock (its start-up is reported apart); the workers
  extract, this process preserves the evidence and writes the listings, in file order;
* ``single_again``: the baseline once more at the end (the machine is shared; this shows
  how far the load moved while the bench ran).
Pages/s is over the whole import. CPU seconds are this process plus every worker process
over the import. Each configuration's listings and captures (times left out) are
compared with the baseline's. The load average before and after each is printed.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from distributed import Client, LocalCluster
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from wildtrace.app.archives import import_archives
from wildtrace.app.distributed import LOCAL_ONLY
from wildtrace.workspace import Workspace, open_workspace

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "tests" / "pages").rglob("*.html"))


def write_warc(path: Path, n: int) -> int:
    """A WARC of ``n`` unique sample pages; returns its size in bytes."""
    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=True)
        for i in range(n):
            sample = SAMPLES[i % len(SAMPLES)]
            body = sample.read_bytes().replace(
                b"</body>", f"<p>Lot {i}, ref {i * 7919}</p></body>".encode(), 1)
            # Pages that declare their charset inside keep a bare Content-Type.
            ctype = "text/html" if "charset" in sample.name or "gbk" in sample.name \
                else "text/html; charset=utf-8"
            w.write_record(w.create_warc_record(
                f"http://market{i % 5}.test/lot/{i}", "response", payload=io.BytesIO(body),
                length=len(body), http_headers=StatusAndHeaders(
                    "200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")))
    return path.stat().st_size


def _stored(ws: Workspace) -> list[tuple[Any, ...]]:
    """The listings as stored (ids, fields, provenance, capture references)."""
    return [(li.id, li.title, li.description, li.price, li.currency, li.language,
             li.url, li.capture_sha256, json.dumps(li.extra, sort_keys=True),
             tuple(li.identifiers)) for li in ws.store.iter_listings()]


def _cpu() -> float:
    """CPU seconds of the calling process (run on each worker)."""
    import psutil

    times = psutil.Process().cpu_times()
    return float(times.user + times.system)


def run(warc: Path, work: Path, name: str, client: Any = None) -> dict[str, Any]:
    """Import ``warc`` into a fresh workspace, timed; with ``client``, on its cluster."""
    ws = open_workspace(work / name)
    scheduler = str(client.scheduler.address) if client is not None else ""
    load_before = os.getloadavg()
    w0 = sum(client.run(_cpu).values()) if client is not None else 0.0
    c0, t0 = time.process_time(), time.perf_counter()
    res = import_archives(ws, [warc], "warc", scheduler=scheduler)
    wall = time.perf_counter() - t0
    client_cpu = time.process_time() - c0
    worker_cpu = (sum(client.run(_cpu).values()) - w0) if client is not None else 0.0
    pages = res.pages or 0
    out: dict[str, Any] = {
        "pages": pages, "imported": res.imported, "errors": len(res.errors),
        "wall_s": round(wall, 2), "pages_per_s": round(pages / wall, 1),
        "cpu_s": round(client_cpu + worker_cpu, 2), "client_cpu_s": round(client_cpu, 2),
        "cpu_ms_per_page": round(1000 * (client_cpu + worker_cpu) / max(pages, 1), 2),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "_stored": _stored(ws)}
    ws.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=3000)
    ap.add_argument("--workers", default="1,2")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wt-bench-dimport-"))
    try:
        warc = work / "lots.warc.gz"
        out: dict[str, Any] = {"pages": args.pages, "cpus": os.cpu_count(),
                               "warc_bytes": write_warc(warc, args.pages)}
        single = run(warc, work, "single")
        baseline = single.pop("_stored")
        out["single"] = single
        print(json.dumps({"single": single}), file=sys.stderr)
        for k in (int(x) for x in args.workers.split(",")):
            t1 = time.perf_counter()
            with LocalCluster(n_workers=k, threads_per_worker=1, processes=True,
                              **LOCAL_ONLY) as cluster, Client(cluster) as client:
                started = time.perf_counter() - t1
                row = run(warc, work, f"dask-{k}", client)
            row["cluster_start_s"] = round(started, 2)
            row["identical_to_single"] = row.pop("_stored") == baseline
            row["speedup"] = round(row["pages_per_s"] / single["pages_per_s"], 2)
            out[f"dask-{k}"] = row
            print(json.dumps({f"dask-{k}": row}), file=sys.stderr)
        again = run(warc, work, "single-again")
        same = again.pop("_stored") == baseline
        out["single_again"] = {**again, "identical_to_single": same}
        print(json.dumps(out, indent=2))

    finally:
        shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    main()
