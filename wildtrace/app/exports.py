"""Exports: gather the rows each kind needs from the workspace and hand them to its writer.

The kinds, their formats and their writers are the registry of
:mod:`wildtrace.act.exports`; this module knows where each kind's rows come from (the
store, the link results, the market measures). ``wildtrace export`` writes to the path
the user named; the web app asks for a file in a temporary folder to send as a download,
and every download is written to the audit log (exports hand out sellers' data).

The command line names its file as people expect of Unix tools: the format follows from
the extension when ``--format`` is not given (:func:`infer_format`), ``-`` is standard
output, and a device or pipe is written into, never renamed over
(:mod:`wildtrace.app.output`). Each export says what it wrote in words
(``37 nodes, 7 edges``), from :attr:`ExportResult.summary`.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, BinaryIO, Generic, TypeVar

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
from wildtrace.app.evidence import export_custody
from wildtrace.app.market import market_summary, price_rows
from wildtrace.app.output import is_stream, write_to
from wildtrace.app.sellers import seller_graph
from wildtrace.app.valuechain import read_positions
from wildtrace.errors import InputError
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
    """What one export wrote: ``count`` things of ``kind`` to ``path``, and the same
    in words (``summary``: ``"37 nodes, 7 edges"``, ``"1 listing"``)."""

    kind: str
    format: str
    path: Path
    count: int
    summary: str = ""


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
    """An exporter, where its rows come from, and how its count reads in words."""

    exporter: Exporter[T]
    gather: Callable[[Workspace], T]
    describe: Callable[[T, int], str]

    def write(self, ws: Workspace, fmt: str, path: Path) -> int:
        """Gather the rows from ``ws`` and write them; returns the writer's count."""
        return self.exporter.write(self.gather(ws), fmt, path)

    def write_described(self, ws: Workspace, fmt: str, path: Path) -> tuple[int, str]:
        """As :meth:`write`, with what was written in words."""
        rows = self.gather(ws)
        count = self.exporter.write(rows, fmt, path)
        return count, self.describe(rows, count)


def plural(n: int, noun: str, nouns: str = "") -> str:
    """``plural(1, "node")`` → ``"1 node"``; ``plural(37, "node")`` → ``"37 nodes"``."""
    return f"{n:,} {noun if n == 1 else (nouns or noun + 's')}"


def _counted(noun: str, nouns: str = "") -> Callable[[Any, int], str]:
    return lambda _rows, n: plural(n, noun, nouns)


def _graph_words(g: Any, nodes: int) -> str:
    return f"{plural(nodes, 'node')}, {plural(int(g.number_of_edges()), 'edge')}"


def _listings(ws: Workspace) -> Iterator[dict[str, Any]]:
    read_positions(ws.store)  # every listing's value-chain position is in the export
    return ws.store.iter_listings_with_assessment()


def _venues(ws: Workspace) -> list[Venue]:
    return ws.store.venues.all()


def _evidence(ws: Workspace) -> EvidenceArchive:
    """The evidence of the workspace, wherever this machine can read it: on a database
    several machines share, the custody log is the database's whole log (this machine's
    mirror holds only what it synced), and sealed WARC files written elsewhere are read
    from the shared blob store."""
    evidence = ws.store.evidence
    custody: Path | bytes = ws.evidence_dir / CUSTODY_FILE
    if evidence.shared:
        text = io.StringIO()
        export_custody(ws, text)
        custody = text.getvalue().encode("utf-8")
    return EvidenceArchive(
        title=f"wildtrace evidence from {ws.root.name}",
        warc_dir=ws.evidence_dir / "warc",
        warc_names=tuple(evidence.sealed_warc_names()),
        captures=tuple(asdict(c) for c in evidence.iter_captures()),
        custody_log=custody,
        proof=workspace_proof(ws.store, ws.blobs),
        warc_sha256={w.name: w.sha256 for w in evidence.warc_files() if w.sealed_at},
        blobs=ws.blobs)


def _prices(ws: Workspace) -> list[MarketRow]:
    return price_rows(ws.store)


def _volume(ws: Workspace) -> MarketSummary:
    return market_summary(ws.store)


SOURCES: dict[str, _Source[Any]] = {s.exporter.kind: s for s in (
    _Source(LISTINGS, _listings, _counted("listing")),
    _Source(VENUES, _venues, _counted("venue")),
    _Source(EVIDENCE, _evidence, _counted("WARC file")),
    _Source(GRAPH, seller_graph, _graph_words),
    _Source(PRICES, _prices, _counted("priced listing")),
    _Source(VOLUME, _volume, _counted("row")))}

# What a file's name says of its format; ``.json`` is read as JSON lines, the one JSON
# shape the listing exports write.
EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv",
              ".parquet": "parquet", ".gexf": "gexf", ".graphml": "graphml",
              ".wacz": "wacz"}


def infer_format(kind: str, fmt: str | None, output: Path | str) -> str:
    """The format to write: ``fmt`` when given, else the one ``output``'s extension
    names, else (for ``-`` or a device) the kind's first format; InputError when the
    name says nothing or names a format the kind cannot write."""
    if fmt:
        return fmt
    found = EXPORTERS.get(kind)
    if found is None:
        check(kind, "")  # the unknown-kind error, naming the kinds
        raise AssertionError("unreachable")
    ext = EXTENSIONS.get(Path(str(output)).suffix.lower())
    if ext is None:
        if is_stream(output):
            return found.formats[0]
        raise InputError(f"cannot tell the format from the name {str(output)!r}",
                         hint=f"add --format ({', '.join(found.formats)}) or end the name "
                              f"with .{found.formats[0]}")
    return ext


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


def export(ws: Workspace, kind: str, fmt: str, path: Path,
           stdout: BinaryIO | None = None) -> ExportResult:
    """Write ``kind`` as ``fmt`` to ``path`` (creating its folder), or to ``stdout`` when
    ``path`` is ``-``, or into a device or pipe without replacing it; InputError as
    :func:`check`."""
    check(kind, fmt)
    count, words = write_to(path, f"{kind}.{fmt}",
                            lambda p: SOURCES[kind].write_described(ws, fmt, p),
                            stdout=stdout)
    where = "-" if str(path) == "-" else str(path.resolve())
    # The command line's exports hand out sellers' data as the web's do: audited too.
    ws.store.audit.record(cli_user(ws), "export", "export", kind, {
        "format": fmt, "count": count, "path": where, "via": "cli"})
    return ExportResult(kind, fmt, path, count, words)


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
