"""Scheduled watch runs: crawl a watch, process what came in, run the alerts, and record
the run with a baseline, so the dashboard shows missed and failed runs.

``wildtrace watch run WATCH.toml`` is what a systemd timer or a cron line calls (see
docs/deployment.md). Every run is recorded in ``watch_runs`` before it starts
(``running``) and closed as ``ok`` or ``failed`` with the error, so a run that died
half-way (the machine rebooted) stays visible as ``running`` too. The baseline a run
records is what later runs compare against: how many listings there are, how many came
in since the watch's last good run (crawled, or imported in between), how many of those
were judged relevant or Appendix I, and their taxa.

:func:`health` reads the history against the interval the runs are scheduled at: a gap
longer than one and a half intervals between two runs, or since the last one, counts the
runs missed in it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from wildtrace.app.alerts import run_alerts
from wildtrace.app.crawl import CrawlRequest, CrawlResult, crawl
from wildtrace.app.process import process
from wildtrace.errors import WildtraceError
from wildtrace.workspace import Workspace

DEFAULT_INTERVAL_S = 86_400


@dataclass(frozen=True)
class WatchRun:
    """One finished run."""

    id: int
    watch: str
    status: str
    detail: dict[str, Any]
    error: str = ""


def watch_name(path: Path | None, name: str = "") -> str:
    """What a watch is called in the history: ``--name``, else the file's stem."""
    return (name or (path.stem if path else "process-only"))[:200]


def run_watch(ws: Workspace, watch_file: Path | None, *, name: str = "",
              max_pages: int | None = None, crawl_first: bool = True,
              alerts: bool = True, interval_s: int = DEFAULT_INTERVAL_S,
              crawler: Callable[[Workspace, CrawlRequest], CrawlResult] = crawl) -> WatchRun:
    """Crawl, process, alert and record one run. A failure is recorded and re-raised
    (so cron and systemd see a non-zero exit too)."""
    watch = watch_name(watch_file, name)
    before = _last_seen(ws, watch)
    run_id = ws.store.intel.start_watch_run(watch)
    detail: dict[str, Any] = {"interval_s": interval_s, "listings_before": before}
    broken = ""
    try:
        if crawl_first:
            if watch_file is None:
                raise WildtraceError("a crawl needs a watch file",
                                     hint="give WATCH.toml, or --no-crawl")
            result = crawler(ws, CrawlRequest(watch_file=watch_file, max_pages=max_pages))
            detail["crawl"] = result.as_dict()
            stopped = str(detail["crawl"].get("stopped") or "")
            if stopped not in ("", "finished", "max_pages", "shutdown"):
                # the crawl broke (its page worker died): the run failed, though what
                # was stored is still processed and alerted on
                broken = stopped
        processed = process(ws)
        detail["process"] = processed.as_dict()
        if alerts:
            detail["alerts"] = [vars(r) for r in run_alerts(ws)]
        detail["baseline"] = baseline(ws, before)
    except Exception as exc:  # recorded whatever it was, then passed on
        ws.store.intel.finish_watch_run(run_id, "failed", detail,
                                        f"{type(exc).__name__}: {exc}")
        raise
    if broken:
        ws.store.intel.finish_watch_run(run_id, "failed", detail, f"crawl: {broken}")
        raise WildtraceError(f"watch {watch}: the crawl stopped: {broken}",
                             hint="what it stored was processed; see wildtrace errors")
    ws.store.intel.finish_watch_run(run_id, "ok", detail)
    return WatchRun(run_id, watch, "ok", detail)


def _last_seen(ws: Workspace, watch: str) -> int:
    """The newest listing the watch's last good run counted: "new" is what came after."""
    for r in ws.store.intel.watch_runs(watch, limit=50):
        seen = (r["detail"].get("baseline") or {}).get("listings")
        if r["status"] == "ok" and isinstance(seen, int):
            return seen
    return 0


def baseline(ws: Workspace, after: int) -> dict[str, Any]:
    """The figures a run records: totals, what is new and its taxa."""
    new = ws.store.intel.listings_after(after, limit=100_000)
    taxa: Counter[str] = Counter(t for r in new for t in str(r.get("taxa") or "").split(";")
                                 if t)
    return {"listings": ws.store.intel.max_listing_id(), "new": len(new),
            "new_relevant": sum(1 for r in new if (r.get("score") or 0) >= 0.5),
            "new_appendix_i": sum(1 for r in new if r.get("cites") == "I"),
            "new_taxa": dict(taxa.most_common(20))}


@dataclass(frozen=True)
class WatchHealth:
    """A watch's schedule as the history shows it."""

    watch: str
    runs: int
    ok: int
    failed: int
    running: int
    missed: int
    last_started: datetime | None
    last_status: str
    last_error: str
    interval_s: int
    overdue: bool


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def health(ws: Workspace, *, now: datetime | None = None,
           limit: int = 500) -> list[WatchHealth]:
    """Each watch's runs, failures and missed runs (see the module docs)."""
    now = now or datetime.now(UTC)
    by_watch: dict[str, list[dict[str, Any]]] = {}
    for r in reversed(ws.store.intel.watch_runs(limit=limit)):  # oldest first
        by_watch.setdefault(r["watch"], []).append(r)
    out = []
    for watch, runs in sorted(by_watch.items()):
        interval = int(runs[-1]["detail"].get("interval_s") or DEFAULT_INTERVAL_S)
        step = timedelta(seconds=max(interval, 60))
        starts = [_aware(r["started_at"]) for r in runs]
        missed = 0
        for a, b in zip(starts, [*starts[1:], now], strict=True):
            gap = b - a
            if gap > step * 1.5:
                missed += int(gap / step) - (0 if b is now else 1)
        last = runs[-1]
        count = Counter(r["status"] for r in runs)
        out.append(WatchHealth(watch, len(runs), count["ok"], count["failed"],
                               count["running"], missed, starts[-1], last["status"],
                               str(last.get("error") or ""), interval,
                               now - starts[-1] > step * 1.5))
    return out


def history(ws: Workspace, watch: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Recent runs, newest first."""
    return ws.store.intel.watch_runs(watch, limit)
