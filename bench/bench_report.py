"""How the report scales: generation time, file size and peak memory at N listings.

    .venv/bin/python bench/bench_report.py --listings 1000000 --workspace /tmp/wt-1m
    .venv/bin/python bench/bench_report.py --workspace /tmp/wt-1m --period 2026-Q1

Seeds the workspace with ``tests/report_seed.py`` the first time (a monitoring export
shaped like the real ones: long URLs, six reasons per flagged listing, several
currencies, 20 % undated), then times ``write_report`` (the HTML report) or, with
``--period``, the period market report with its PNG and SVG charts. Pass the same
``--workspace`` again to time only the report. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from report_seed import seed_market  # noqa: E402

from wildtrace.workspace import open_workspace  # noqa: E402


def main() -> None:
    """Seed if needed, write the report, print the measures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--listings", type=int, default=1_000_000)
    ap.add_argument("--workspace", type=Path, default=Path("/tmp/wildtrace-bench-report"))
    ap.add_argument("--period", default="", help="a period market report (e.g. 2026-Q1)")
    args = ap.parse_args()
    ws = open_workspace(args.workspace)
    seeded = 0.0
    if ws.store.count_listings() == 0:
        t0 = time.perf_counter()
        seed_market(ws, args.listings, progress=lambda k: print(
            f"seeded {k:,}", file=sys.stderr) if k % 100_000 == 0 else None)
        seeded = time.perf_counter() - t0
    t0 = time.perf_counter()
    if args.period:
        from wildtrace.app.report_period import write_period_report
        out = write_period_report(ws, args.period, args.workspace / "period" / "market.html")
        files = [out.html, *out.charts]
    else:
        from wildtrace.app.report import write_report
        files = [write_report(ws, args.workspace / "report.html")]
    took = time.perf_counter() - t0
    print(json.dumps({
        "listings": ws.store.count_listings(), "seed_s": round(seeded, 1),
        "report": "period " + args.period if args.period else "html",
        "report_s": round(took, 2), "files": {f.name: f.stat().st_size for f in files},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
    ws.close()


if __name__ == "__main__":
    main()
