"""Exports: gather the rows each kind needs from the workspace and hand them to its writer.

The kinds, their formats and their writers are the registry of
:mod:`wildtrace.act.exports`; this module knows where each kind's rows come from (the
store, the link results, the market measures). ``wildtrace export`` writes to the path
the user named; the web app asks for a file in a temporary folder to send as a download,
and every download is written to the audit log (exports hand out sellers' data).
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from wildtrace.act.exports import (
    EVIDENCE,
    EXPORTERS,
    GRAPH,
    LISTINGS,
    PRICES,
    VENUES,
    VOLUME,
    Exporter,
    exporter,
    media_type,
)
from wildtrace.act.exports.evidence import EvidenceArchive
from wildtrace.app.audit import cli_user
from wildtrace.app.market import market_summary, price_rows
from wildtrace.app.sellers import seller_graph
from wildtrace.measure.market import MarketRow, MarketSummary
from wildtrace.preserve.handover import workspace_proof
from wildtrace.preserve.session import CUSTODY_FILE
from wildtrace.records import Venue
from wildtrace.workspace import Workspace

T = TypeVar("T")


@dataclass(frozen=True)
class ExportKind:
    """One kind of export as a face lists it."""

    kind: str
    formats: tuple[str, ...]
    help: str


@dataclass(frozen=True)
class ExportResult:
    """What one export wrote: ``count`` things of ``kind`` to ``path``."""

    kind: str
    format: str
    path: Path
    count: int


@dataclass(frozen=True)
class ExportFile:
    """An export written into a temporary folder of its own, ready to be sent; the
    caller removes the folder with :meth:`discard` once the file is sent."""

    kind: str
    format: str
    count: int
    path: Path
    filename: str
    media_type: str

    def discard(self) -> None:
        """Remove the temporary folder and everything in it."""
        shutil.rmtree(self.path.parent, ignore_errors=True)


@dataclass(frozen=True)
class _Source(Generic[T]):
    """An exporter and where its rows come from."""

    exporter: Exporter[T]
    gather: Callable[[Workspace], T]

    def write(self, ws: Workspace, fmt: str, path: Path) -> int:
        """Gather the rows from ``ws`` and write them; returns the writer's count."""
        return self.exporter.write(self.gather(ws), fmt, path)


def _listings(ws: Workspace) -> Iterator[dict[str, Any]]:
    return ws.store.iter_listings_with_assessment()


def _venues(ws: Workspace) -> list[Venue]:
    return ws.store.venues.all()


def _evidence(ws: Workspace) -> EvidenceArchive:
    evidence = ws.store.evidence
    return EvidenceArchive(
        title=f"wildtrace evidence from {ws.root.name}",
        warc_dir=ws.evidence_dir / "warc",
        warc_names=tuple(evidence.sealed_warc_names()),
        captures=tuple(asdict(c) for c in evidence.iter_captures()),
        custody_log=ws.evidence_dir / CUSTODY_FILE,
        proof=workspace_proof(ws.store, ws.blobs))


def _prices(ws: Workspace) -> list[MarketRow]:
    return price_rows(ws.store)


def _volume(ws: Workspace) -> MarketSummary:
    return market_summary(ws.store)


SOURCES: dict[str, _Source[Any]] = {s.exporter.kind: s for s in (
    _Source(LISTINGS, _listings), _Source(VENUES, _venues), _Source(EVIDENCE, _evidence),
    _Source(GRAPH, seller_graph), _Source(PRICES, _prices), _Source(VOLUME, _volume))}


def kinds() -> list[ExportKind]:
    """Every kind that can be exported, with its formats, by name."""
    return [ExportKind(e.kind, e.formats, e.help)
            for _, e in sorted(EXPORTERS.items())]


def media_types() -> list[str]:
    """Every media type a download can have (a bundle of several files is a ZIP)."""
    return sorted({media_type(f) for e in EXPORTERS.values() for f in e.formats}
                  | {"application/zip"})


def check(kind: str, fmt: str) -> ExportKind:
    """The kind asked for, if it can write ``fmt``; InputError naming the choices if not."""
    found = exporter(kind, fmt)
    return ExportKind(found.kind, found.formats, found.help)


def export(ws: Workspace, kind: str, fmt: str, path: Path) -> ExportResult:
    """Write ``kind`` as ``fmt`` to ``path`` (creating its folder); InputError as
    :func:`check`."""
    check(kind, fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = SOURCES[kind].write(ws, fmt, path)
    # The command line's exports hand out sellers' data as the web's do: audited too.
    ws.store.audit.record(cli_user(ws), "export", "export", kind, {
        "format": fmt, "count": count, "path": str(path.resolve()), "via": "cli"})
    return ExportResult(kind, fmt, path, count)


def export_file(ws: Workspace, kind: str, fmt: str, user: str) -> ExportFile:
    """Write ``kind`` as ``fmt`` into a new temporary folder, for ``user`` to download
    as one file; the export is written to the audit log with what it held.

    A writer that leaves several files (the graph's CSV is an edges and a nodes file) is
    sent as one ZIP of them.
    """
    check(kind, fmt)
    folder = Path(tempfile.mkdtemp(prefix="wildtrace-export-"))
    try:
        name = f"{kind}.{fmt}"
        count = SOURCES[kind].write(ws, fmt, folder / name)
        ws.store.audit.record(user, "export", "export", kind, {"format": fmt, "count": count})
        written = sorted(p for p in folder.iterdir() if p.is_file())
        if len(written) == 1:
            return ExportFile(kind, fmt, count, written[0], name, media_type(fmt))
        bundle = folder / f"{kind}-{fmt}.zip"
        with zipfile.ZipFile(bundle, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for part in written:
                zf.write(part, part.name)
        return ExportFile(kind, fmt, count, bundle, bundle.name, "application/zip")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
