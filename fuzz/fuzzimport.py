"""The importer contract both tabular harnesses check (``fuzz_import_csv.py``,
``fuzz_import_jsonl.py``): a file either raises an :class:`InputError` saying why it is
unusable, or every row in it is stored, counted as a duplicate, or reported as a row
error with its file and row; nothing else comes out and no row goes missing."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from fuzzsupport import check, instrumented

with instrumented():
    from wildtrace.collect.importer import import_file
    from wildtrace.collect.tabular import read_rows
    from wildtrace.errors import InputError, WildtraceError
    from wildtrace.records import RawRow, RowError
    from wildtrace.store import Store
    from wildtrace.workspace import Workspace, open_workspace

# Sources that would each cost an Alembic migration if opened per input: one workspace,
# one scratch file, reused for every input of the process.
_ROOT = Path(tempfile.mkdtemp(prefix="wildtrace-fuzz-"))
atexit.register(shutil.rmtree, _ROOT, True)
_WS: Workspace | None = None


def _store() -> Store:
    global _WS
    if _WS is None:
        _WS = open_workspace(_ROOT / "ws")
        atexit.register(_WS.close)
    return _WS.store


def _rows_in(path: Path, fmt: str) -> int | None:
    """How many rows the reader hands on (rows and row errors), or None when it refuses
    the file; counted separately so a row the importer drops shows up as a mismatch."""
    try:
        _, rows = read_rows(path, fmt)
        return sum(1 for item in rows if isinstance(item, RawRow | RowError))
    except WildtraceError:
        return None


def importer(fmt: str) -> Callable[[bytes], None]:
    """The ``test_one_input`` of the harness for files of format ``fmt``."""
    path = _ROOT / f"input.{fmt}"

    def test_one_input(data: bytes) -> None:
        path.write_bytes(data)
        try:
            result = import_file(_store(), path, fmt=fmt, source="fuzz")
        except InputError as exc:
            check(bool(exc.reason), "an unusable file must say why")
            check(exc.file in (None, str(path)), "the error names another file", exc.file)
            return
        # Any other WildtraceError would be a contract break too: only InputError is
        # documented for an unusable file, so it propagates as a crash.
        for err in result.errors:
            check(isinstance(err, RowError), "errors must be RowError", err)
            check(err.file == str(path), "row error names another file", err)
            check(err.row is None or err.row >= 1, "row numbers start at 1", err)
            check(bool(err.reason.strip()), "row error without a reason", err)
        check(result.imported >= 0 and result.duplicates >= 0, "negative counts", result)
        seen = _rows_in(path, fmt)
        check(seen is not None, "the importer read a file the reader refuses")
        accounted = result.imported + result.duplicates + len(result.errors)
        # The header check and --map can only add errors, never lose rows.
        check(accounted == seen, "rows lost or invented", accounted, seen)

    return test_one_input
