"""Benchmark: peak memory and speed of ``wildtrace import`` on a large CSV and JSONL file,
against a plain ``csv.reader`` / line-by-line ``json.loads`` pass over the same file.

Each measurement runs in a fresh child process, which reports its own peak resident set
size (``ru_maxrss``), so one measurement cannot inflate another. The synthetic listings
mix English and Chinese text, prices and sellers, about 190 bytes a row.

    .venv/bin/python bench/bench_import.py --rows 1000000
    .venv/bin/python bench/bench_import.py --rows 1000000 --root /tmp/old-tree  # before
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = ["ivory", "bangle", "carved", "old", "stock", "rhino", "horn", "cup", "pangolin",
         "scales", "象牙", "手镯", "犀牛角", "穿山甲", "鳞片", "正品", "微信", "shipping",
         "genuine", "antique", "tortoiseshell", "comb", "bear", "bile", "powder"]

CHILD = r"""
import csv, json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
mode, path = sys.argv[2], Path(sys.argv[3])
t0 = time.perf_counter()
if mode == "baseline-csv":
    csv.field_size_limit(1 << 26)
    with path.open(encoding="utf-8", newline="") as fh:
        n = sum(1 for _ in csv.reader(fh)) - 1
elif mode == "baseline-jsonl":
    with path.open(encoding="utf-8") as fh:
        n = sum(1 for line in fh if json.loads(line))
else:
    from wildtrace.collect.importer import import_file
    from wildtrace.workspace import open_workspace
    ws = open_workspace(Path(sys.argv[4]))
    res = import_file(ws.store, path)
    n = res.imported + res.duplicates
    assert not res.errors, res.errors[:3]
    ws.close()
secs = time.perf_counter() - t0
print(json.dumps({"rows": n, "seconds": secs,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def make_files(folder: Path, rows: int, seed: int = 5) -> tuple[Path, Path]:
    """A CSV and a JSONL file of ``rows`` synthetic listings (written as a stream)."""
    rng = random.Random(seed)
    csv_path, jsonl_path = folder / "listings.csv", folder / "listings.jsonl"
    with csv_path.open("w", encoding="utf-8", newline="") as c, \
            jsonl_path.open("w", encoding="utf-8") as j:
        c.write("title,description,price,seller,posted\n")
        for i in range(rows):
            title = " ".join(rng.choices(WORDS, k=5))
            desc = " ".join(rng.choices(WORDS, k=14)) + f" #{i}"
            price, seller = f"{rng.randint(5, 9000)} USD", f"seller{rng.randint(1, 50000)}"
            c.write(f'{title},"{desc}",{price},{seller},2024-0{1 + i % 9}-1{i % 10}\n')
            j.write(json.dumps({"title": title, "description": desc, "price": price,
                                "seller": seller}, ensure_ascii=False) + "\n")
    return csv_path, jsonl_path


def measure(root: Path, mode: str, path: Path, ws: Path | None = None) -> dict[str, float]:
    """Run one measurement in a child process; its figures."""
    args = [sys.executable, "-c", CHILD, str(root), mode, str(path)] + \
        ([str(ws)] if ws else [])
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--root", type=Path, default=ROOT,
                    help="source tree to import wildtrace from (compare an older commit)")
    ap.add_argument("--formats", nargs="+", default=["csv", "jsonl"])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="wt-bench-import-") as tmp:
        folder = Path(tmp)
        csv_path, jsonl_path = make_files(folder, args.rows)
        print(f"{args.rows:,} rows: CSV {csv_path.stat().st_size / 2**20:.0f} MiB, "
              f"JSONL {jsonl_path.stat().st_size / 2**20:.0f} MiB; wildtrace from {args.root}")
        print("| what | rows | seconds | rows/s | peak RSS MB |")
        print("|---|---:|---:|---:|---:|")
        for fmt in args.formats:
            path = csv_path if fmt == "csv" else jsonl_path
            for label, mode, ws in ((f"plain {fmt} pass", f"baseline-{fmt}", None),
                                    (f"wildtrace import ({fmt})", "import",
                                     folder / f"ws-{fmt}")):
                r = measure(args.root, mode, path, ws)
                print(f"| {label} | {r['rows']:,.0f} | {r['seconds']:.1f} | "
                      f"{r['rows'] / r['seconds']:,.0f} | {r['peak_rss_mb']:.0f} |",
                      flush=True)


if __name__ == "__main__":
    main()
