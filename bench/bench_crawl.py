"""Crawl benchmark: wildtrace's capturing crawler against a plain Scrapy crawl of the
same local site, extraction speed, and memory over a long crawl.

    .venv/bin/python bench/bench_crawl.py --pages 5000 --memory-pages 100000

* capture: ``wildtrace crawl`` (robots, politeness, WARC + blobs + capture records +
  custody + extraction + frontier in SQLite, page worker included) with no delay, vs a
  plain Scrapy spider that follows the same links and stores nothing, with the same
  concurrency (one request at a time per site, robots.txt obeyed, the scheduler queue
  that favours idle sites), on Twisted's default reactor and on Scrapy's asyncio one.
  All crawl the same generated sites, served from this process on 127.0.0.20 onwards,
  in the same run, interleaved, ``--repeat`` times; the best run of each side is
  compared. Pages/s is measured inside each crawler (interpreter start-up excluded; for
  wildtrace, starting its page worker is included).
* extraction: pages/s of the extractor over the golden pages in tests/pages.
* browser (``--browser-pages N``): ``wildtrace crawl --browser`` (headless Chromium,
  every response kept in the WARC, a screenshot per page) beside ``wildtrace crawl``
  (plain mode) on the same fresh generated sites of N pages, one after the other, with
  pages/s and evidence bytes per page for each.
* memory: peak resident memory of ``wildtrace crawl`` (the crawler and its page-worker
  process together) over a long crawl of the generated site, sampled every half second.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "sites"))
from marketplace import Handler, Log, generated  # noqa: E402

BASELINE = r'''
import sys, time, scrapy
from scrapy.crawler import CrawlerProcess
seeds, n = sys.argv[2:], 0
class Plain(scrapy.Spider):
    name = "plain"
    async def start(self):
        for seed in seeds:
            yield scrapy.Request(seed)
    def parse(self, response):
        global n
        n += 1
        for href in response.css("a::attr(href)").getall():
            yield response.follow(href)
reactor = sys.argv[1].split(":")[1]
p = CrawlerProcess({"LOG_ENABLED": False, "ROBOTSTXT_OBEY": True, "TELNETCONSOLE_ENABLED": False,
                    "CONCURRENT_REQUESTS_PER_DOMAIN": int(sys.argv[1].split(":")[0]),
                    "DOWNLOAD_DELAY": 0, "COOKIES_ENABLED": False,
                    "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.DownloaderAwarePriorityQueue",
                    "TWISTED_REACTOR": None if reactor == "default" else reactor})
p.crawl(Plain)
t = time.monotonic()
p.start()
print(f'{{"pages": {n}, "seconds": {time.monotonic() - t:.3f}}}')
'''


class Sites:
    """``k`` generated sites of ``n`` pages each, on 127.0.0.20 onwards."""

    def __init__(self, k: int, n: int) -> None:
        from http.server import ThreadingHTTPServer

        self.servers = []
        self.seeds = []
        for i in range(k):
            srv = ThreadingHTTPServer((f"127.0.0.{20 + i}", 0), Handler)
            srv.daemon_threads = True
            srv.site, srv.route, srv.log = f"gen{i}", generated(n, f" (site {i})"), Log()  # type: ignore
            threading.Thread(target=srv.serve_forever, daemon=True).start()
            self.servers.append(srv)
            self.seeds.append(f"http://127.0.0.{20 + i}:{srv.server_address[1]}/")

    def close(self) -> None:
        for srv in self.servers:
            srv.shutdown()
            srv.server_close()


EMBEDDINGS = ["off"]  # --embeddings turns them on for wildtrace's relevance scoring


def env() -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("WILDTRACE_")}
    e.update({"WILDTRACE_EMBEDDINGS": EMBEDDINGS[0], "WILDTRACE_DELAY": "0",
              "WILDTRACE_CONTACT": "bench@wildtrace.invalid",
              "WILDTRACE_OPERATOR": "bench-operator"})
    return e


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (the crawler and its page worker)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            kids = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        todo += [int(k) for k in kids]
    return out


def rss_sampler(pid: int, out: list[int], stop: threading.Event) -> None:
    """Sample the summed VmRSS (KiB) of ``pid`` and its children until ``stop``."""
    while not stop.is_set():
        total = 0
        for p in _tree(pid):
            try:
                for line in Path(f"/proc/{p}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                continue
        out.append(total)
        time.sleep(0.5)


def run_wildtrace(seeds: list[str], ws: Path, focus: str, *extra: str
                  ) -> tuple[dict[str, object], int]:
    """Crawl with wildtrace; returns its JSON summary and peak RSS in KiB."""
    e = env()
    e["WILDTRACE_FOCUS"] = focus
    proc = subprocess.Popen([sys.executable, "-m", "wildtrace", "--workspace", str(ws),
                             "crawl", *seeds, "--json", "--max-depth", "100", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e)
    samples: list[int] = []
    stop = threading.Event()
    t = threading.Thread(target=rss_sampler, args=(proc.pid, samples, stop), daemon=True)
    t.start()
    out, err = proc.communicate()
    stop.set()
    if proc.returncode != 0:
        raise SystemExit(f"wildtrace crawl failed: {err[-2000:]}")
    return json.loads(out.strip().splitlines()[-1]), max(samples, default=0)


ASYNCIO = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"  # Scrapy's default


def run_baseline(seeds: list[str], per_domain: int, reactor: str = "default"
                 ) -> dict[str, Any]:
    """A plain Scrapy crawl; ``reactor``: "default" is Twisted's own for the platform
    (what wildtrace uses), else a reactor's import path."""
    out = subprocess.run([sys.executable, "-c", BASELINE, f"{per_domain}:{reactor}", *seeds],
                         capture_output=True, text=True, env=env(), check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["reactor"] = "twisted default" if reactor == "default" else "asyncio"
    return result  # type: ignore[no-any-return]


def bench_extraction(reps: int) -> dict[str, float]:
    from wildtrace.extract.extractor import Extractor

    ex = Extractor((ROOT / "tests" / "sites" / "profiles",))
    pages = [(p.read_bytes(), json.loads(p.with_suffix(".json").read_text()))
             for p in sorted((ROOT / "tests" / "pages").glob("*/*.html"))]
    t = time.perf_counter()
    for _ in range(reps):
        for body, gold in pages:
            ex.extract(body, gold["url"], gold["content_type"])
    secs = time.perf_counter() - t
    n = reps * len(pages)
    return {"pages": n, "seconds": round(secs, 3), "pages_per_s": round(n / secs, 1)}


def _evidence_bytes(ws: Path) -> int:
    return sum(p.stat().st_size for p in (ws / "evidence").rglob("*") if p.is_file())


def bench_browser(pages: int, k: int, tmp: Path, focus: str) -> dict[str, Any]:
    """Browser mode beside plain mode, each on fresh generated sites of ``pages``."""
    out: dict[str, Any] = {"pages": pages, "sites": k}
    for mode, extra in (("plain", ()), ("browser", ("--browser",))):
        sites = Sites(k, pages // k)
        try:
            ws = tmp / f"ws-{mode}"
            summary, rss = run_wildtrace(sites.seeds, ws, focus, *extra)
        finally:
            sites.close()
        n = int(summary["pages"])  # type: ignore[call-overload]
        out[mode] = {"pages": n, "seconds": summary["seconds"],
                     "pages_per_s": round(n / float(summary["seconds"]), 2),  # type: ignore[arg-type]
                     "peak_rss_mib": round(rss / 1024),
                     "evidence_bytes_per_page": round(_evidence_bytes(ws) / max(1, n))}
    out["slowdown_x"] = round(out["plain"]["pages_per_s"] / out["browser"]["pages_per_s"], 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=5000, help="pages for the comparison")
    ap.add_argument("--repeat", type=int, default=2,
                    help="rounds of (plain Scrapy on each reactor, then wildtrace)")
    ap.add_argument("--sites", type=int, default=8,
                    help="the pages are spread over this many sites (one request at a "
                         "time per site, so this is the parallelism)")
    ap.add_argument("--memory-pages", type=int, default=0,
                    help="pages for the memory run (0: skip)")
    ap.add_argument("--browser-pages", type=int, default=0,
                    help="pages for the browser-mode comparison (0: skip)")
    ap.add_argument("--extract-reps", type=int, default=50)
    ap.add_argument("--focus", default="keywords", choices=["keywords", "assess"])
    ap.add_argument("--embeddings", action="store_true",
                    help="with --focus assess: score pages with sentence embeddings too")
    args = ap.parse_args()
    if args.embeddings:
        EMBEDDINGS[0] = "on"
    result: dict[str, object] = {"cpus": os.cpu_count(),
                                 "load_avg_at_start": round(os.getloadavg()[0], 1)}
    tmp = Path(tempfile.mkdtemp(prefix="wt-bench-"))
    sites = Sites(args.sites, args.pages // args.sites)
    try:
        # Interleaved: plain Scrapy on Twisted's default reactor (wildtrace's) and on
        # Scrapy's default asyncio one, then wildtrace (a fresh workspace each time),
        # twice over. The best run of each side is compared.
        runs: list[dict[str, Any]] = []
        ours: list[tuple[dict[str, Any], int]] = []
        for i in range(args.repeat):
            runs += [run_baseline(sites.seeds, 1), run_baseline(sites.seeds, 1, ASYNCIO)]
            ours.append(run_wildtrace(sites.seeds, tmp / f"ws{i}", args.focus))
        summary, rss = max(ours, key=lambda o: float(o[0]["pages"]) / float(o[0]["seconds"]))
        wt_rate = float(summary["pages"]) / float(summary["seconds"])  # type: ignore[arg-type]
        base_rate = max(r["pages"] / r["seconds"] for r in runs)
        evidence = tmp / "ws0" / "evidence"
        size = sum(p.stat().st_size for p in evidence.rglob("*") if p.is_file())
        result["capture"] = {
            "pages": args.pages, "sites": args.sites, "focus": args.focus,
            "wildtrace": {"pages": summary["pages"], "seconds": summary["seconds"],
                          "pages_per_s": round(wt_rate, 1), "peak_rss_mib": round(rss / 1024),
                          "evidence_bytes_per_page": round(size / max(1, args.pages)),
                          "runs": [{"pages": o["pages"], "seconds": o["seconds"]}
                                   for o, _ in ours]},
            "scrapy_plain": {"runs": runs, "pages_per_s": round(base_rate, 1)},
            "overhead_x": round(base_rate / wt_rate, 2)}
        result["extraction"] = bench_extraction(args.extract_reps)
        if args.browser_pages:
            result["browser"] = bench_browser(args.browser_pages, args.sites, tmp,
                                              args.focus)
        if args.memory_pages:
            sites.close()
            sites = Sites(args.sites, args.memory_pages // args.sites)
            msum, mrss = run_wildtrace(sites.seeds, tmp / "ws-mem", args.focus)
            result["memory"] = {"pages": msum["pages"], "seconds": msum["seconds"],
                                "pages_per_s": round(float(msum["pages"]) / float(
                                    msum["seconds"]), 1),  # type: ignore[arg-type]
                                "peak_rss_mib": round(mrss / 1024)}
        print(json.dumps(result, indent=2))
    finally:
        sites.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
