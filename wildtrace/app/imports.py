"""``wildtrace import``: listings from CSV/JSONL files, or pages from WARC/HTML archives.

Tables go through collect's importer, one run per import with its bad rows recorded so
``wildtrace errors`` can show them later; archives are preserved and extracted page by
page (:mod:`wildtrace.app.archives`). Either way the result is one
:class:`ImportSummary`. Rows that name no language get the extract stage's detector's
guess, so the queue's language column and facet work for imports as for crawls.
:func:`preview` is ``import --dry-run``: the column mapping and the first rows parsed,
nothing stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wildtrace.collect.columns import FIELDS
from wildtrace.collect.importer import FilePreview, import_files, parse_mapping, preview_file
from wildtrace.errors import InputError
from wildtrace.extract.language import detect_language
from wildtrace.records import RowError
from wildtrace.workspace import Workspace

ARCHIVE_SUFFIXES = (".warc", ".warc.gz", ".html", ".htm")

__all__ = ["FIELDS", "FilePreview", "ImportRequest", "ImportSummary", "preview", "request",
           "run_import"]


@dataclass(frozen=True)
class ImportRequest:
    """What to import, checked: the files, their format (``auto``, ``csv``, ``jsonl``,
    ``warc``, ``html``), the source name, and the column mapping (field → column)."""

    files: tuple[Path, ...]
    fmt: str = "auto"
    source: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)

    @property
    def archive(self) -> bool:
        """Whether these are web archives (WARC/HTML) rather than tables."""
        return self.fmt in ("warc", "html") or (self.fmt == "auto" and all(
            f.name.lower().endswith(ARCHIVE_SUFFIXES) for f in self.files))


@dataclass(frozen=True)
class ImportSummary:
    """What one import did; ``pages`` is set for archives only."""

    imported: int
    duplicates: int
    errors: tuple[RowError, ...]
    pages: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """The contract's ``import --json`` shape (archives add ``pages``)."""
        errors = [e.as_dict() for e in self.errors]
        if self.pages is None:
            return {"imported": self.imported, "duplicates": self.duplicates,
                    "errors": errors}
        return {"imported": self.imported, "pages": self.pages,
                "duplicates": self.duplicates, "errors": errors}


def request(files: tuple[Path, ...], fmt: str = "auto", source: str | None = None,
            maps: tuple[str, ...] = ()) -> ImportRequest:
    """Check an import: ``maps`` are ``COLUMN=FIELD`` pairs (InputError when one is not)."""
    return ImportRequest(files, fmt, source, parse_mapping(maps))


def run_import(ws: Workspace, req: ImportRequest,
               progress: Callable[[int], None] | None = None,
               scheduler: str | None = None) -> ImportSummary:
    """Import ``req`` into the workspace; ``progress`` is told of each batch of table
    rows read; archives' pages are extracted on the Dask ``scheduler`` (default: the
    ``scheduler`` setting; tables need no cluster)."""
    if req.archive:
        from wildtrace.app.archives import import_archives

        return import_archives(ws, req.files, req.fmt, req.source, scheduler=scheduler)
    run_id = ws.store.start_run("import", "1", {"files": [str(f) for f in req.files]})
    result = import_files(ws.store, req.files, fmt=req.fmt, source=req.source,
                          mapping=req.mapping, progress=progress, language=detect_language)
    ws.store.record_errors(run_id, result.errors)
    ws.store.finish_run(run_id, {"imported": result.imported,
                                 "duplicates": result.duplicates,
                                 "errors": len(result.errors)})
    return ImportSummary(result.imported, result.duplicates, tuple(result.errors))


def preview(req: ImportRequest, rows: int = 5) -> list[FilePreview]:
    """``import --dry-run``: each table file's column mapping and its first ``rows`` rows
    as they would be stored (languages detected as an import detects them); no
    workspace is touched. Archives are refused: a page is only known once extracted."""
    if req.archive:
        raise InputError("--dry-run previews CSV and JSONL tables, not web archives",
                         hint="import the archive into a scratch workspace to see it")
    return [preview_file(f, fmt=req.fmt, mapping=req.mapping, rows=rows,
                         language=detect_language, source=req.source) for f in req.files]
