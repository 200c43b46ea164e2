"""``wildtrace import``: listings from CSV/JSONL files, or pages from WARC/HTML archives.

Tables go through collect's importer, one run per import with its bad rows recorded so
``wildtrace errors`` can show them later; archives are preserved and extracted page by
page (:mod:`wildtrace.app.archives`). Either way the result is one
:class:`ImportSummary`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wildtrace.collect.importer import import_files, parse_mapping
from wildtrace.records import RowError
from wildtrace.workspace import Workspace

ARCHIVE_SUFFIXES = (".warc", ".warc.gz", ".html", ".htm")


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
               progress: Callable[[int], None] | None = None) -> ImportSummary:
    """Import ``req`` into the workspace; ``progress`` is told of each batch of table
    rows read."""
    if req.archive:
        from wildtrace.app.archives import import_archives

        return import_archives(ws, req.files, req.fmt, req.source)
    run_id = ws.store.start_run("import", "1", {"files": [str(f) for f in req.files]})
    result = import_files(ws.store, req.files, fmt=req.fmt, source=req.source,
                          mapping=req.mapping, progress=progress)
    ws.store.record_errors(run_id, result.errors)
    ws.store.finish_run(run_id, {"imported": result.imported,
                                 "duplicates": result.duplicates,
                                 "errors": len(result.errors)})
    return ImportSummary(result.imported, result.duplicates, tuple(result.errors))
