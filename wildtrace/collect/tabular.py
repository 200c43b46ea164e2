"""Read CSV and JSONL files robustly, row by row, reporting bad rows with file:row.

Handles any delimiter, UTF-8 with or without BOM, Latin-1/Windows-1252, quoted
newlines, NUL bytes and huge fields. A file that is missing, empty, binary or not the
format it claims raises :class:`FormatError`; a bad row becomes a :class:`RowError`
and reading goes on.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

from wildtrace.errors import FormatError
from wildtrace.records import RawRow, RowError

MAX_FIELD_BYTES = 64 * 1024 * 1024
MAX_FILE_BYTES = 4 * 1024 * 1024 * 1024
_CONTROL = frozenset([*range(0, 9), 11, 12, *range(14, 32), 127])

csv.field_size_limit(MAX_FIELD_BYTES)


def read_text(path: Path) -> str:
    """The file's text, decoded as UTF-8 (BOM or not), else Windows-1252/Latin-1."""
    name = str(path)
    if not path.exists():
        raise FormatError("file not found", file=name, hint="check the path")
    if path.is_dir():
        raise FormatError("is a folder, not a file", file=name)
    size = path.stat().st_size
    if size == 0:
        raise FormatError("file is empty", file=name)
    if size > MAX_FILE_BYTES:
        raise FormatError(f"file is larger than {MAX_FILE_BYTES} bytes", file=name)
    data = path.read_bytes()
    sample = data[:65536]
    controls = sum(1 for b in sample if b in _CONTROL)
    if controls > max(8, len(sample) // 50):
        raise FormatError("file looks binary, not text (many control bytes)", file=name,
                          hint="give a CSV or JSONL export")
    data = data.replace(b"\x00", b"")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def sniff_format(path: Path) -> str:
    """``csv`` or ``jsonl`` from the name, else from the first character."""
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return "jsonl"
    if suffix in {".csv", ".tsv", ".txt"}:
        return "csv"
    return "csv"


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    sample = text[:65536]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def read_csv(path: Path) -> tuple[list[str], Iterator[RawRow | RowError]]:
    """Headers and rows of a CSV file; rows are numbered as in the file (header = 1)."""
    name = str(path)
    text = read_text(path)
    dialect = _dialect(text)
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        headers = next(reader)
    except StopIteration:
        raise FormatError("file has no header row", file=name) from None
    except csv.Error as exc:
        raise FormatError(f"cannot read the header row: {exc}", file=name, row=1) from exc
    headers = [h.strip().lstrip("\ufeff") for h in headers]
    if not any(headers):
        raise FormatError("header row is empty", file=name, row=1)
    seen: dict[str, int] = {}
    for i, h in enumerate(headers):
        if not h:
            headers[i] = h = f"column_{i + 1}"
        if h in seen:
            seen[h] += 1
            headers[i] = f"{h}_{seen[h]}"
        else:
            seen[h] = 1
    # An odd number of quote characters means the file ends inside a quoted field.
    quote = getattr(dialect, "quotechar", '"') or '"'
    truncated = text.count(quote) % 2 == 1

    def parsed() -> Iterator[tuple[int, list[str] | None, str]]:
        while True:
            start = reader.line_num + 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield start, None, f"unreadable CSV row: {exc}"
                continue
            yield start, values, ""

    def rows() -> Iterator[RawRow | RowError]:
        pending: tuple[int, list[str] | None, str] | None = None
        for item in parsed():
            if pending is not None:
                yield from _to_row(name, headers, *pending)
            pending = item
        if pending is None:
            return
        if truncated:
            yield RowError(name, pending[0], "row is cut off (unclosed quote at the end of "
                                             "the file); the file looks truncated")
        else:
            yield from _to_row(name, headers, *pending)

    return headers, rows()


def _to_row(name: str, headers: list[str], line: int, values: list[str] | None,
            problem: str) -> Iterator[RawRow | RowError]:
    if values is None:
        yield RowError(name, line, problem)
        return
    if not values or all(not v.strip() for v in values):
        return
    if len(values) > len(headers):
        if any(v.strip() for v in values[len(headers):]):
            yield RowError(name, line, f"row has {len(values)} fields but the header has "
                                       f"{len(headers)}")
            return
        values = values[:len(headers)]
    values = values + [""] * (len(headers) - len(values))
    yield RawRow(name, line, dict(zip(headers, values, strict=True)))


def read_jsonl(path: Path) -> tuple[list[str], Iterator[RawRow | RowError]]:
    """Keys seen in the first objects, and the rows of a JSON Lines file."""
    name = str(path)
    text = read_text(path)
    lines = text.splitlines()
    headers: list[str] = []
    for raw in lines[:200]:
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            for k in obj:
                if k not in headers:
                    headers.append(str(k))
    if not headers:
        raise FormatError("no JSON object found in the first lines; is this JSON Lines?",
                          file=name, row=1)

    def rows() -> Iterator[RawRow | RowError]:
        for i, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as exc:
                yield RowError(name, i, f"invalid JSON: {exc.msg} at column {exc.colno}")
                continue
            if not isinstance(obj, dict):
                yield RowError(name, i, f"expected a JSON object, got {type(obj).__name__}")
                continue
            yield RawRow(name, i, {str(k): v for k, v in obj.items()})

    return headers, rows()


def read_rows(path: Path, fmt: str | None = None) -> tuple[list[str], Iterator[RawRow | RowError]]:
    """Headers and rows of a CSV or JSONL file."""
    kind = fmt or sniff_format(path)
    if kind == "csv":
        return read_csv(path)
    if kind == "jsonl":
        return read_jsonl(path)
    raise FormatError(f"unsupported format {kind!r} for tabular import", file=str(path),
                      hint="use --format csv or jsonl")
