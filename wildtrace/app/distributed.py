"""Identify and assess on a Dask distributed cluster, the results written here once.

``wildtrace process --scheduler tcp://HOST:8786`` (or the ``scheduler`` setting) cuts
the listings the model has not assessed into the batches a single-process run reads
(``store.unassessed_ranges``) and sends each batch to a worker as an id range. A
worker reads its listings from the workspace database itself, so listings never travel
through this process, and scores them with a scorer it loads once: the model file, the
user lexicon and a custom reference pack travel once per worker (scattered to every
worker), never with each task. Results come back here and are written in batch order by
this process alone (:func:`wildtrace.app.process.process`), so a task that Dask re-ran
after a worker died is still written once, and the run's assessments are the ones a
single-process run writes.

Workers need the same wildtrace installed and a database they can reach: the SQLite
file of the workspace when they run on this machine (``local:N``), PostgreSQL
(``database_url``) when they run elsewhere. A worker that scores with another model or
matcher version is refused rather than mixed into the run.
"""

from __future__ import annotations

import contextlib
import os
import socket
import tempfile
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wildtrace import config
from wildtrace.app.process import Scored, score_batch
from wildtrace.assess import Scorer, load_scorer
from wildtrace.errors import ConfigError, ModelError, WildtraceError, WorkspaceError
from wildtrace.extras import require
from wildtrace.identify import load_identifier, workspace_lexicon
from wildtrace.identify.pack import default_pack_path
from wildtrace.store import Store, make_engine
from wildtrace.workspace import DB_FILE, Workspace

# A cluster started here listens on loopback only, its HTTP endpoint on a free port
# (the default 8787 is taken by the first scheduler on the machine), no dashboard.
LOCAL_ONLY: dict[str, Any] = {"host": "127.0.0.1", "dashboard_address": None,
                              "scheduler_kwargs": {"dashboard": False,
                                                   "dashboard_address": "127.0.0.1:0"}}
CONNECT_TIMEOUT = "20s"  # Dask retries a refused connection until then
WAIT_FOR_WORKERS_S = 60.0  # a scheduler with no worker would otherwise wait forever
START_HINT = ("start one with 'dask scheduler' and workers with "
              "'dask worker tcp://HOST:8786 --nthreads 1' where wildtrace is installed")


@dataclass(frozen=True)
class WorkerSpec:
    """What a worker needs to score like this process: sent once to every worker."""

    key: str  # one per run: a worker keeps the run's scorer under it until released
    settings: dict[str, Any]
    database_url: str
    version: str
    model: bytes | None
    pack: bytes | None  # None: the pack shipped with the worker's wildtrace
    lexicon: bytes | None


@dataclass
class _Loaded:
    scorer: Scorer
    store: Store
    folder: tempfile.TemporaryDirectory[str]


_LOADED: dict[str, _Loaded] = {}
_LOCK = threading.Lock()


def scheduler_address(text: str) -> str:
    """``text`` checked as the ``scheduler`` setting is (``--scheduler`` on the
    command line), or :class:`ConfigError` saying what is accepted."""
    try:
        return str(config.BY_NAME["scheduler"].parse(text))
    except ValueError as exc:
        raise ConfigError(f"--scheduler: {exc}") from None


def worker_spec(ws: Workspace, scorer: Scorer, model_path: Path | None) -> WorkerSpec:
    """The spec of ``scorer`` over ``ws`` (files read here, so workers need no copy)."""
    url = ws.settings.database_url or f"sqlite:///{(ws.root / DB_FILE).resolve()}"
    pack = str(ws.settings.reference_pack or os.environ.get("WILDTRACE_REFERENCE_PACK", ""))
    pack_path = Path(pack) if pack else None
    if pack_path is not None and pack_path.is_dir():
        pack_path = pack_path / default_pack_path().name
    lexicon = workspace_lexicon(ws.root)
    parts = {"model": _read(model_path), "pack": _read(pack_path), "lexicon": _read(lexicon)}
    # A key of its own per run: two runs on one cluster never share (or release) the
    # other's scorer and connections.
    return WorkerSpec(uuid.uuid4().hex, dict(ws.settings.values), url, scorer.version,
                      parts["model"], parts["pack"], parts["lexicon"])


def _read(path: Path | None) -> bytes | None:
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError as exc:
        raise WorkspaceError(f"cannot read {path} for the Dask workers: {exc.strerror}") \
            from exc


def score_range(spec: WorkerSpec, first: int, last: int) -> Scored:
    """Run on a worker: score the unassessed listings with ids ``first``..``last``."""
    loaded = _load(spec)
    batch = list(loaded.store.iter_listings(unassessed_by=spec.version, first=first,
                                            last_id=last))
    return score_batch(loaded.scorer, batch, int(spec.settings["max_text_chars"]))


def _load(spec: WorkerSpec) -> _Loaded:
    """The worker's scorer and store for ``spec``, loaded on its first task only."""
    with _LOCK:
        loaded = _LOADED.get(spec.key)
        if loaded is not None:
            return loaded
        # Each scorer holds tens of MB: keep two runs' at most (two analysts' runs at
        # once); a run whose client died without releasing its own is dropped here.
        while len(_LOADED) >= 2:
            old = _LOADED.pop(next(iter(_LOADED)))
            old.store.close()
            old.folder.cleanup()
        url = _reachable(spec.database_url)
        folder = tempfile.TemporaryDirectory(prefix="wildtrace-worker-")
        try:
            scorer = _scorer(spec, Path(folder.name))
        except BaseException:
            folder.cleanup()
            raise
        loaded = _Loaded(scorer, Store(make_engine(url)), folder)
        _LOADED[spec.key] = loaded
        return loaded


def _scorer(spec: WorkerSpec, folder: Path) -> Scorer:
    """The scorer of ``spec``, its files written to ``folder`` first."""
    files: dict[str, Path | None] = {}
    for name, data in (("model.wtmodel", spec.model), ("pack.json.gz", spec.pack),
                       ("lexicon.csv", spec.lexicon)):
        files[name] = None
        if data is not None:
            path = folder / name
            path.write_bytes(data)
            files[name] = path
    ident = load_identifier(files["lexicon.csv"],
                            pack=files["pack.json.gz"] or default_pack_path())
    scorer = load_scorer(config.Settings(spec.settings), files["model.wtmodel"],
                         identifier=ident)
    if scorer.version != spec.version:
        raise ModelError(f"Dask worker on {socket.gethostname()} scores with "
                         f"{scorer.version}, the run with {spec.version}: install the "
                         f"same wildtrace version on every worker")
    return scorer


def release(key: str) -> bool:
    """Run on every worker after a run: drop its scorer and database connections
    (a long-lived cluster should not hold them between runs). True if it held some."""
    with _LOCK:
        loaded = _LOADED.pop(key, None)
    if loaded is None:
        return False
    loaded.store.close()
    loaded.folder.cleanup()
    return True


def _reachable(url: str) -> str:
    """``url`` if this worker can use it; a missing SQLite file is refused (SQLite would
    quietly create an empty one on another machine)."""
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).is_file():
        raise WorkspaceError(f"Dask worker on {socket.gethostname()} cannot read the "
                             f"workspace database {url[len('sqlite:///'):]}: workers on "
                             f"other machines need a PostgreSQL database_url")
    return url


class DaskCluster:
    """A connected Dask client, and the run's work sent through it."""

    def __init__(self, client: Any, address: str) -> None:
        self.client = client
        self.address = address

    @property
    def threads(self) -> int:
        """Worker threads connected now."""
        return int(sum(self.client.nthreads().values()))

    def assess(self, ws: Workspace, scorer: Scorer, model_path: Path | None, batch: int,
               write: Callable[[Scored], None]) -> int:
        """Score every listing ``scorer`` has not assessed, in batches of ``batch``,
        handing each batch's results to ``write`` in id order; returns the worker
        threads that took part."""
        threads = self.threads
        ranges = ws.store.unassessed_ranges(scorer.version, batch)
        if not ranges:
            return threads
        spec = worker_spec(ws, scorer, model_path)
        shared = self.client.scatter(spec, broadcast=True, hash=False)
        # Enough tasks in flight to keep every worker busy while the oldest is written;
        # the rest wait here, so a 1M-listing run holds a few batches in memory, not all.
        window = 2 * max(threads, 1) + 2
        todo = deque(ranges)
        flight: deque[Any] = deque()
        try:
            while todo or flight:
                while todo and len(flight) < window:
                    first, last, _count = todo.popleft()
                    flight.append(self.client.submit(score_range, shared, first, last,
                                                     pure=False))
                scored = _result(flight.popleft(), self.address)
                if scored.version != scorer.version:
                    raise ModelError(f"a Dask worker scored with {scored.version}, the run "
                                     f"with {scorer.version}: install the same wildtrace "
                                     f"version on every worker")
                write(scored)
        finally:
            self.client.cancel(list(flight))
            self.client.run(release, spec.key)
        return threads


@contextlib.contextmanager
def open_cluster(address: str, command: str = "process") -> Iterator[DaskCluster]:
    """A connection to the Dask scheduler at ``address``; ``local`` or ``local:N``
    start (and afterwards stop) N single-threaded worker processes on this machine.
    ``command`` names what asks, in the message when the extra is missing."""
    address = scheduler_address(address)
    distributed = require("distributed", "scale", f"{command} --scheduler (Dask distributed)")
    with contextlib.ExitStack() as stack:
        target: Any = address
        if address == "local" or address.startswith("local:"):
            n = int(address[6:]) if address.startswith("local:") else (os.cpu_count() or 1)
            target = stack.enter_context(distributed.LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, **LOCAL_ONLY))
        try:
            client = stack.enter_context(distributed.Client(target, timeout=CONNECT_TIMEOUT))
        except (OSError, TimeoutError) as exc:
            raise WorkspaceError(f"cannot reach the Dask scheduler at {address}: {exc}",
                                 hint=START_HINT) from exc
        try:
            client.wait_for_workers(1, timeout=WAIT_FOR_WORKERS_S)
        except TimeoutError as exc:
            raise WorkspaceError(f"no Dask worker joined the scheduler at {address} within "
                                 f"{WAIT_FOR_WORKERS_S:.0f} s", hint=START_HINT) from exc
        yield DaskCluster(client, address)


def task_result(future: Any, address: str) -> Any:
    """A Dask task's result; anything a worker raised becomes one clear error."""
    try:
        return future.result()
    except WildtraceError:
        raise
    except Exception as exc:  # noqa: BLE001 - anything a worker raised, told as one line
        raise WorkspaceError(f"a Dask worker of {address} failed: "
                             f"{type(exc).__name__}: {exc}"[:500]) from exc


def _result(future: Any, address: str) -> Scored:
    """A scoring task's result, checked to be scored listings."""
    scored = task_result(future, address)
    if not isinstance(scored, Scored):
        raise WorkspaceError(f"a Dask worker of {address} returned "
                             f"{type(scored).__name__}, not scored listings")
    return scored
