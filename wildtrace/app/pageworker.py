"""The page worker: what stores the pages a crawl fetches, in a process of its own or in
the crawler's.

``page_worker = "process"`` (the default for crawls) runs it in a process of its own,
so extraction and evidence writing use a second CPU core instead of competing with the
downloader for one interpreter lock. The worker process opens the workspace itself,
writes every WARC record, capture, custody entry, listing and queued link, and dies with
the crawler (a ``kill -9`` of the crawl stops both, and the next run resumes as after
any crash). ``"thread"`` keeps it in the crawler's process; ``capture`` and archive
imports always do, as they need the results in process.

The worker process imports this module, :mod:`wildtrace.app.plan` and the stages a page
goes through, never the crawler (Scrapy and Twisted stay in the crawler's process).
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from wildtrace.app.pages import PageProcessor
from wildtrace.app.plan import CrawlPlan, crawl_processor
from wildtrace.errors import PageWorkerLost, WildtraceError
from wildtrace.records import Exchange, Page, PageOutcome, RowError
from wildtrace.store import STORE_ERRORS
from wildtrace.workspace import Workspace, reopen_workspace

EXCHANGE_BATCH = 200  # exchanges with no page yet (robots, errors) sent on at this many
STARTUP_TIMEOUT = 300.0  # seconds the worker may take to open the workspace and models

# The store or the disk failing: the crawl stops (and resumes when run again) rather
# than marking pages failed that nothing is wrong with.
LOST: tuple[type[BaseException], ...] = (*STORE_ERRORS, OSError, MemoryError)


def store_group(processor: PageProcessor, pages: list[Page]
                ) -> list[PageOutcome | WildtraceError]:
    """Store a group of pages; a page that cannot be stored gets an error of its own.

    The processor already keeps a hostile page's extraction, scoring or links from
    harming the others. Anything else that fails a group before it commits is retried
    page by page, so one page fails with its reason and the rest are stored. A failing
    store or disk raises :class:`PageWorkerLost`: the crawl stops and can be resumed.
    """
    try:
        return list(processor.many(pages))
    except LOST as exc:
        raise PageWorkerLost(f"cannot store pages: {type(exc).__name__}: {exc}"[:500]
                             ) from exc
    except WildtraceError as exc:
        if len(pages) == 1:
            return [exc]
    except Exception as exc:  # noqa: BLE001 - isolate the page at fault below
        if len(pages) == 1:
            return [WildtraceError(f"page could not be stored: {type(exc).__name__}: "
                                   f"{exc}"[:300])]
    out: list[PageOutcome | WildtraceError] = []
    for page in pages:
        out += store_group(processor, [page])
    return out


class LocalPages:
    """The page worker in this process: a :class:`PageProcessor` and its session."""

    def __init__(self, processor: PageProcessor, scorer: str = "") -> None:
        self.processor = processor
        self.session = processor.session
        self.info: dict[str, Any] = {"warc_recovered": self.session.recovered,
                                     "scorer": scorer, "worker": "thread"}

    @property
    def record(self) -> Callable[[Exchange], str]:
        """The exchange sink (the WARC writer's ``record``)."""
        return self.session.recorder.record

    def many(self, pages: list[Page]) -> list[PageOutcome | WildtraceError]:
        """Store a group of pages (see :func:`store_group`)."""
        return store_group(self.processor, pages)

    def close(self) -> dict[str, Any]:
        """Seal the WARC file, flush counts; returns what the run summary needs."""
        self.session.close()
        if self.processor.venues is not None:
            self.processor.venues.flush()
        return {"listings": self.processor.listings, "errors": list(self.processor.errors)}


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (a ``kill -9`` of the crawl
    must not leave a worker writing evidence behind the next run's back)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def serve(conn: Connection, root: str, values: dict[str, Any], plan: CrawlPlan,
          parent: int) -> None:
    """Worker process main: store the groups of pages the crawler sends."""
    # Ctrl-C reaches the whole process group: the crawler stops gracefully and then
    # tells the worker to close, so the worker itself ignores it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # born blocked
    _die_with_parent()
    if os.getppid() != parent:  # the crawler died before the signal was armed
        return
    try:
        ws = reopen_workspace(Path(root), values)
        processor, scorer = crawl_processor(ws, plan)
    except Exception as exc:  # noqa: BLE001 - reported to the crawler, which stops
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    local = LocalPages(processor, scorer)
    conn.send(("ready", {**local.info, "worker": "process", "pid": os.getpid()}))
    recorder = processor.session.recorder
    file_of: dict[str, str] = {}  # record id -> WARC file, until its page claims it

    def write(exchanges: list[tuple[str, Exchange]]) -> None:
        for rid, ex in exchanges:
            recorder.record(ex, rid)
            file_of[rid] = recorder.name
        while len(file_of) > 50_000:  # exchanges no page will claim (robots, errors)
            del file_of[next(iter(file_of))]

    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return  # the crawler is gone: stop as after a crash, sealing nothing
        kind = msg[0]
        if kind == "exchanges":
            write(msg[1])
        elif kind == "group":
            write(msg[1])
            pages = [p if p.warc_file or not p.exchanges else
                     replace(p, warc_file=file_of.pop(p.exchanges[-1], recorder.name))
                     for p in msg[2]]
            try:
                results = local.many(pages)
            except Exception as exc:  # noqa: BLE001 - a broken store, or a bug: the crawl stops
                conn.send(("fatal", str(exc) if isinstance(exc, PageWorkerLost)
                           else f"{type(exc).__name__}: {exc}"[:500]))
                continue
            # The crawler steers by the outcome; the page text stays here.
            conn.send(("stored", [replace(r, text="") if isinstance(r, PageOutcome)
                                  else str(r) for r in results]))
        elif kind == "close":
            write(msg[1])
            summary = local.close()
            ws.close()
            conn.send(("closed", summary))
            return


class RemotePages:
    """The page worker in a process of its own (see the module doc).

    ``record`` (the reactor thread) names each exchange's WARC record and keeps it for
    the next group; ``many`` (the crawler's worker thread) sends a group and waits for
    what became of each page. Every message to the worker leaves from one sender thread,
    in order, so the reactor never waits on the pipe (a worker busy with a group, or
    still loading a model, cannot freeze downloads) and a page's exchanges always reach
    the worker before the page. Exchanges no page claims soon (robots.txt, error
    answers) go on by themselves once :data:`EXCHANGE_BATCH` have gathered.
    """

    name = ""  # WARC file names are the worker's business; it fills them in

    def __init__(self, ws: Workspace, plan: CrawlPlan) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(
            target=serve, name="wildtrace-page-worker", daemon=True,
            args=(child, str(ws.root), dict(ws.settings.values), plan, os.getpid()))
        # Born with Ctrl-C blocked (serve() then ignores it): a Ctrl-C while the worker
        # is still starting must not kill it; the crawler closes it gracefully.
        blocked = _block_sigint()
        try:
            self._proc.start()
        finally:
            _restore_sigmask(blocked)
        child.close()
        self._lock = threading.Lock()  # guards the exchange list
        self._exchanges: list[tuple[str, Exchange]] = []
        self._flushing = False
        self._sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wildtrace-pipe")
        self._lost = ""
        self.info: dict[str, Any] = {}

    def wait_ready(self) -> dict[str, Any]:
        """Wait for the worker to open the workspace; raises if it could not."""
        if not self._conn.poll(STARTUP_TIMEOUT):
            self._proc.kill()
            raise WildtraceError("the page worker did not start within "
                                 f"{STARTUP_TIMEOUT:.0f} s")
        try:
            kind, payload = self._conn.recv()
        except (EOFError, OSError) as exc:
            raise WildtraceError(f"the page worker exited while starting "
                                 f"(exit code {self._proc.exitcode})") from exc
        if kind != "ready":
            raise WildtraceError(f"the page worker could not start: {payload}")
        self.info = dict(payload)
        return self.info

    def _take_exchanges(self) -> list[tuple[str, Exchange]]:
        with self._lock:
            batch, self._exchanges = self._exchanges, []
            self._flushing = False
        return batch

    def _send(self, kind: str, *rest: Any) -> Future[None]:
        """Queue a message (with every exchange gathered so far) for the sender."""
        def send() -> None:
            batch = self._take_exchanges()
            if kind != "exchanges" or batch:
                self._conn.send((kind, batch, *rest))
        return self._sender.submit(send)

    def record(self, ex: Exchange) -> str:
        """Name the exchange's response record; it is written with the next group."""
        rid = f"<urn:uuid:{uuid.uuid4()}>"
        with self._lock:
            self._exchanges.append((rid, ex))
            flush = len(self._exchanges) >= EXCHANGE_BATCH and not self._flushing
            if flush:
                self._flushing = True
        if flush and not self._lost:
            self._send("exchanges").add_done_callback(self._note_send_failure)
        return rid

    def _note_send_failure(self, job: Future[None]) -> None:
        exc = job.exception()
        if exc is not None and not self._lost:
            self._lost = f"cannot reach the page worker ({exc})"

    def _started(self) -> bool:
        """Whether the worker is up, waiting for it the first time; False (and the
        reason in ``_lost``) when it is not. It opens the workspace while the crawler
        starts and fetches the first pages."""
        if not self.info and not self._lost:
            try:
                self.wait_ready()
            except WildtraceError as exc:
                self._lost = str(exc)
        return not self._lost

    def many(self, pages: list[Page]) -> list[PageOutcome | WildtraceError]:
        """Store a group of pages in the worker; their exchanges go first."""
        if not self._started():
            raise PageWorkerLost(self._lost)
        try:
            self._send("group", pages).result()
            kind, payload = self._conn.recv()
        except (EOFError, OSError) as exc:
            self._lost = (f"the page worker exited (exit code {self._proc.exitcode}); "
                          "run the crawl again to resume")
            raise PageWorkerLost(self._lost) from exc
        if kind == "stored":
            return [r if isinstance(r, PageOutcome) else WildtraceError(str(r))
                    for r in payload]
        self._lost = str(payload)  # "fatal": the store failed; the crawl stops
        raise PageWorkerLost(self._lost)

    def close(self) -> dict[str, Any]:
        """Send what is left, let the worker seal its WARC file, and wait for it."""
        summary: dict[str, Any] = {"listings": 0, "errors": []}
        # Even when no page reached it, exchanges (robots, errors) may wait.
        if self._started():
            try:
                self._send("close").result()
                kind, payload = self._conn.recv()
                if kind == "closed":
                    summary = payload
            except (EOFError, OSError):
                self._lost = "the page worker exited before the crawl ended"
        else:
            # A worker that reported a broken store may still be waiting for work:
            # closing the pipe ends it (its WARC file is sealed by the next run).
            self._conn.close()
        self._sender.shutdown(wait=False)
        self._proc.join(timeout=60)
        if self._proc.is_alive():
            self._proc.kill()
        if self._lost:
            summary.setdefault("errors", []).append(RowError("page worker", None, self._lost))
        return summary


def _block_sigint() -> Any:
    if not hasattr(signal, "pthread_sigmask"):
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def _restore_sigmask(previous: Any) -> None:
    if previous is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


PageWork = LocalPages | RemotePages


def crawl_work(ws: Workspace, plan: CrawlPlan) -> PageWork:
    """The page worker of a crawl, in a process or a thread (``page_worker`` setting)."""
    if ws.settings.page_worker == "thread":
        processor, scorer = crawl_processor(ws, plan)
        return LocalPages(processor, scorer)
    return RemotePages(ws, plan)  # ready by its first group (see RemotePages.many)
