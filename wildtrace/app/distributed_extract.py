"""Extraction of imported pages on a Dask distributed cluster, everything else here.

``wildtrace import x.warc --scheduler tcp://HOST:8786`` (or the ``scheduler`` setting)
reads the archive here and sends its pages, a chunk at a time, to the workers, which
extract them (:func:`wildtrace.app.pages.extract_page`, the step a single-process import
runs) and send back plain results: the listing fields, provenance, language,
identifiers and text, without the parsed tree (:meth:`Extraction.portable`). This
process alone preserves the evidence (blobs, WARC references, captures, custody) and
writes the listings, page by page in file order, while the workers extract the pages
ahead; so the stored result is the one a single-process import stores.

Workers need no database and no workspace: the site profiles of the workspace travel
once per worker (scattered to every worker), the pages with their tasks. A worker whose
extractor is another version is refused rather than mixed into the run.
"""

from __future__ import annotations

import tempfile
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wildtrace import __version__
from wildtrace.app.pages import Extracted, extract_page
from wildtrace.errors import WorkspaceError
from wildtrace.extract.extractor import VERSION, Extractor
from wildtrace.records import Page
from wildtrace.workspace import Workspace

if TYPE_CHECKING:  # a single-process import loads none of the cluster's modules
    from wildtrace.app.distributed import DaskCluster

# Pages per task: ~10 ms of extraction each, so a task is long enough that Dask's own
# cost per task (a few ms) stays small, and short enough to keep every worker busy.
CHUNK = 16
KEEP_RUNS = 2  # extractors a worker keeps: two analysts' imports at once

# One step of an import, in file order: the page to extract ahead (or None), and what
# this process then does with the page's extraction (None: nothing was extracted
# elsewhere, the processor extracts the page itself).
Step = tuple[Page | None, Callable[[Extracted | None], None]]


@dataclass(frozen=True)
class ExtractSpec:
    """What a worker needs to extract like this process: sent once to every worker."""

    key: str  # one per run: a worker keeps the run's extractor under it until released
    version: str
    profiles: dict[str, bytes]  # the workspace's site profiles, by file name


_EXTRACTORS: dict[str, Extractor] = {}
_LOCK = threading.Lock()


def extract_spec(ws: Workspace) -> ExtractSpec:
    """The spec of this process's extractor over ``ws`` (profiles read here)."""
    folder = ws.root / "profiles"
    profiles: dict[str, bytes] = {}
    if folder.is_dir():
        for path in sorted(folder.glob("*.toml")):
            try:
                profiles[path.name] = path.read_bytes()
            except OSError as exc:
                raise WorkspaceError(f"cannot read {path} for the Dask workers: "
                                     f"{exc.strerror}") from exc
    return ExtractSpec(uuid.uuid4().hex, _version(), profiles)


def _version() -> str:
    return f"wildtrace {__version__}, extractor {VERSION}"


def extract_pages(spec: ExtractSpec, pages: list[Page]) -> list[Extracted]:
    """Run on a worker: extract ``pages``, in order (plain, picklable results)."""
    extractor = _extractor(spec)
    return [extract_page(extractor, page) for page in pages]


def _extractor(spec: ExtractSpec) -> Extractor:
    """The worker's extractor for ``spec``, loaded on its first task only."""
    if spec.version != _version():
        raise WorkspaceError(f"a Dask worker extracts with {_version()}, the import with "
                             f"{spec.version}: install the same wildtrace on every worker")
    with _LOCK:
        extractor = _EXTRACTORS.get(spec.key)
        if extractor is None:
            while len(_EXTRACTORS) >= KEEP_RUNS:
                _EXTRACTORS.pop(next(iter(_EXTRACTORS)))
            # Profiles load from files: written to a folder of the worker's own, read,
            # and the folder removed (the loaded profiles are kept in memory).
            with tempfile.TemporaryDirectory(prefix="wildtrace-profiles-") as tmp:
                for name, data in spec.profiles.items():
                    (Path(tmp) / Path(name).name).write_bytes(data)
                extractor = Extractor((Path(tmp),))
            _EXTRACTORS[spec.key] = extractor
        return extractor


def release(key: str) -> bool:
    """Run on every worker after an import: drop its extractor. True if it held one."""
    with _LOCK:
        return _EXTRACTORS.pop(key, None) is not None


def run_steps(steps: Iterable[Step]) -> None:
    """Every step in order, each page extracted by the processor here."""
    for _page, act in steps:
        act(None)


class DaskExtractions:
    """Runs an import's steps in order, their pages extracted ahead on a cluster."""

    def __init__(self, cluster: DaskCluster, ws: Workspace, chunk: int = CHUNK) -> None:
        self.cluster = cluster
        self.ws = ws
        self.chunk = chunk
        self.threads = 0  # worker threads that took part (set by run)

    def run(self, steps: Iterable[Step]) -> None:
        """Every step in order; pages are sent ``chunk`` at a time to the workers, and
        each step waits for its page's extraction only when it comes to be done."""
        client = self.cluster.client
        self.threads = self.cluster.threads
        spec = extract_spec(self.ws)
        shared = client.scatter(spec, broadcast=True, hash=False)
        # Enough chunks in flight to keep every worker busy while this process stores
        # the oldest; the archive is read no further ahead, so memory stays bounded.
        window = 2 * max(self.threads, 1) + 2
        flight: deque[tuple[list[Step], Any]] = deque()
        chunk: list[Step] = []

        def send() -> None:
            pages = [page for page, _ in chunk if page is not None]
            future = client.submit(extract_pages, shared, pages, pure=False) \
                if pages else None
            flight.append((list(chunk), future))
            chunk.clear()

        try:
            for step in steps:
                chunk.append(step)
                if sum(1 for page, _ in chunk if page is not None) >= self.chunk:
                    send()
                while len(flight) >= window:
                    self._finish(*flight.popleft())
            if chunk:
                send()
            while flight:
                self._finish(*flight.popleft())
        finally:
            client.cancel([f for _, f in flight if f is not None])
            client.run(release, spec.key)

    def _finish(self, steps: list[Step], future: Any) -> None:
        """Do ``steps`` in order, with the extractions ``future`` brings."""
        results = iter(self._result(future) if future is not None else [])
        for page, act in steps:
            act(next(results) if page is not None else None)

    def _result(self, future: Any) -> list[Extracted]:
        """A task's results; a worker's failure becomes one clear error."""
        from wildtrace.app.distributed import task_result

        address = self.cluster.address
        got = task_result(future, address)
        if not isinstance(got, list) or not all(isinstance(x, Extracted) for x in got):
            raise WorkspaceError(f"a Dask worker of {address} returned "
                                 f"{type(got).__name__}, not extracted pages")
        return got
