"""Importing pages others collected (``import --format warc|html``): each file is kept
as an evidentiary blob and logged in custody, and each page in it (read by
:mod:`wildtrace.collect.archive`) goes through the same preserve → extract path as a
crawled page (:class:`~wildtrace.app.pages.PageProcessor`).

A bad file or page never stops the import: it is recorded with its reason, and a
damaged WARC file keeps the pages read before the damage.

The import is a sequence of steps in file order (keep a file, process a page, record an
error). Alone, this process does each step as it reads it; with a Dask scheduler (the
``scheduler`` setting or ``import --scheduler``) the pages are extracted ahead on the
workers (:mod:`wildtrace.app.distributed_extract`) and the steps still run here, in the
same order, so the evidence and listings stored are the same either way.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from wildtrace.app.distributed_extract import Step, run_steps
from wildtrace.app.imports import ImportSummary
from wildtrace.app.pages import Extracted, PageProcessor, evidence_session, page_processor
from wildtrace.collect.archive import (
    MAX_PAGE_BYTES,
    archive_format,
    html_page,
    imported_from,
    unusable,
    warc_pages,
)
from wildtrace.collect.archivecheck import check_archive
from wildtrace.collect.watch import DEFAULT_TERMS, keyword_scorer
from wildtrace.errors import FormatError, WildtraceError
from wildtrace.preserve.session import EvidenceSession
from wildtrace.records import Page, RowError
from wildtrace.workspace import Workspace


def import_archives(ws: Workspace, files: Sequence[Path], fmt: str,
                    source: str | None = None, *,
                    scheduler: str | None = None) -> ImportSummary:
    """Import WARC or HTML files (``fmt``: ``warc``, ``html`` or ``auto``, from each
    name): each page preserved, extracted, stored; the run recorded. ``scheduler``
    (default: the ``scheduler`` setting) extracts the pages on a Dask cluster."""
    # Unreadable files are refused before anything is kept as evidence (issue 14): the
    # only file given is an error (exit 1, file:offset), one of several is reported.
    refused: list[RowError] = []
    readable = []
    for path in files:
        try:
            if not unusable(path):
                check_archive(path, archive_format(path, fmt))
            readable.append(path)
        except FormatError as exc:
            if len(files) == 1:
                raise
            refused.append(RowError(exc.file or str(path), None, exc.reason))
    files = readable
    address = ws.settings.scheduler if scheduler is None else scheduler
    cluster: Any = contextlib.nullcontext()
    if address:
        from wildtrace.app.distributed import open_cluster

        # Connected before anything is kept: an unreachable scheduler leaves no run.
        cluster = open_cluster(address, "import")
    with cluster as dask:
        session = evidence_session(ws, durable=True,
                                   purpose=f"wildtrace import --format {fmt}")
        processor = page_processor(ws, session, keyword_scorer(DEFAULT_TERMS), None,
                                   source or "")
        run_id = ws.store.start_run("import", "1", {"files": [str(f) for f in files],
                                                    "format": fmt})
        processor.errors.extend(refused)
        run: Callable[[Sequence[Step] | Iterator[Step]], None] = run_steps
        workers = 0
        if dask is not None:
            from wildtrace.app.distributed_extract import DaskExtractions

            spread = DaskExtractions(dask, ws)
            run = spread.run
        counts: list[int] = []
        try:
            run(_steps(session, processor, files, fmt, counts))
        finally:
            session.close()
        if dask is not None:
            workers = spread.threads
    pages = sum(counts)
    ws.store.record_errors(run_id, processor.errors)
    result = ImportSummary(imported=processor.listings, duplicates=processor.duplicates,
                           errors=tuple(processor.errors), pages=pages)
    detail: dict[str, Any] = {"imported": processor.listings, "pages": pages}
    if address:
        detail["scheduler"] = {"address": address, "workers": workers}
    ws.store.finish_run(run_id, detail)
    return result


@dataclass
class _File:
    """One file's progress, shared by its steps: its SHA-256 once kept, whether it
    failed (its later steps then do nothing), and its pages used."""

    path: Path
    sha: str = ""
    failed: bool = False
    pages: int = 0


def _steps(session: EvidenceSession, processor: PageProcessor, files: Sequence[Path],
           fmt: str, counts: list[int]) -> Iterator[Step]:
    """The import's steps, file after file; each file's pages used are appended to
    ``counts`` as its steps run. Nothing here touches the evidence: the steps do."""
    for path in files:
        why = unusable(path)
        if why:
            yield None, _error(processor, str(path), why)
            continue
        state = _File(path)
        counts_at = len(counts)
        counts.append(0)

        def count(state: _File = state, at: int = counts_at) -> None:
            counts[at] = state.pages

        if archive_format(path, fmt) == "warc":
            steps = _warc_steps(session, processor, state, count)
        else:
            steps = _html_steps(session, processor, state, count)
        yield from steps


def _error(processor: PageProcessor, where: str, reason: str,
           state: _File | None = None) -> Callable[[Extracted | None], None]:
    """A step recording an error (none when ``state``'s file failed already)."""
    def act(_done: Extracted | None) -> None:
        if state is None or not state.failed:
            processor.error(where, reason)
    return act


def _register_file(session: EvidenceSession, path: Path, fmt: str, data: bytes) -> str:
    """Keep the file as evidence and log it in custody; returns its SHA-256."""
    sha = session.preserver.blobs.put(data, durable=True)
    session.custody.record("imported_file", str(path), sha, {"format": fmt,
                                                            "size": len(data)})
    return sha


def _warc_steps(session: EvidenceSession, processor: PageProcessor, state: _File,
                count: Callable[[], None]) -> Iterator[Step]:
    """Keep a WARC file, then process each HTML response in it."""
    path = state.path

    def keep(_done: Extracted | None) -> None:
        try:
            state.sha = _register_file(session, path, "warc", path.read_bytes())
        except OSError as exc:
            state.failed = True
            processor.error(str(path), f"cannot read: {exc.strerror}")

    def page_step(page: Page) -> Step:
        def act(done: Extracted | None) -> None:
            if state.failed:
                return
            # The file's SHA-256 is known once the file is kept, after it was read.
            kept = replace(page, warc_file=imported_from(state.sha))
            try:
                processor.many([kept], None if done is None else [done])
            except WildtraceError as exc:
                processor.error(f"{path}:{page.url}", str(exc))
                return
            except Exception as exc:  # noqa: BLE001 - as a damaged archive: stop the file
                damaged(exc)(None)
                return
            state.pages += 1
            count()
        return page, act

    def damaged(exc: Exception) -> Callable[[Extracted | None], None]:
        def act(_done: Extracted | None) -> None:
            if not state.failed:
                state.failed = True
                processor.error(str(path), f"WARC unreadable after {state.pages} pages: "
                                           f"{type(exc).__name__}: {exc}"[:300])
        return act

    yield None, keep
    try:
        with path.open("rb") as fh:
            try:
                for item in warc_pages(fh, path, ""):
                    if isinstance(item, RowError):
                        yield None, _error(processor, item.file, item.reason, state)
                    else:
                        yield page_step(item)
            except Exception as exc:  # noqa: BLE001 - a damaged archive: keep what was read
                yield None, damaged(exc)
    except OSError as exc:
        yield None, _error(processor, str(path), f"cannot read: {exc.strerror}", state)


def _html_steps(session: EvidenceSession, processor: PageProcessor, state: _File,
                count: Callable[[], None]) -> Iterator[Step]:
    """Keep one saved HTML file and process it as a page."""
    path = state.path
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield None, _error(processor, str(path), f"cannot read: {exc.strerror}")
        return
    if len(data) > MAX_PAGE_BYTES:
        yield None, _error(processor, str(path), "file larger than 20 MB, skipped")
        return

    def act(done: Extracted | None) -> None:
        try:
            page = html_page(path, data, _register_file(session, path, "html", data))
            processor.many([page], None if done is None else [done])
        except OSError as exc:
            processor.error(str(path), f"cannot read: {exc.strerror}")
            return
        state.pages += 1
        count()

    # The page as the workers see it: the file's SHA-256 and times are set here later.
    yield html_page(path, data, ""), act
