"""Read CSV and JSONL files robustly and as a stream, reporting bad rows with file:row.

Handles any delimiter, UTF-8 with or without BOM, UTF-16, the legacy code pages of
:mod:`wildtrace.collect.encoding`, quoted newlines, NUL bytes and huge fields. The file
is read one line at a time, never held whole, so memory stays flat however many rows it
has. A file that is missing, empty, binary, of an encoding that cannot be told, or not
the format it claims raises :class:`FormatError`; a bad row becomes a :class:`RowError`
and reading goes on:

* a row with bytes invalid in the file's encoding, or with a lone surrogate;
* a JSON line that is not JSON, not an object, nested deeper than
  :data:`MAX_JSON_DEPTH` or longer than :data:`MAX_LINE_CHARS`;
* the last row of a file cut off mid-row (an unclosed quote, fewer fields than the
  header with no newline at the end, a JSON line cut short).

* a JSON number no field can hold (``1e999999``, ``Infinity``, an integer of more than
  :data:`MAX_INT_DIGITS` digits); ``NaN`` is read as a missing value.
"""

from __future__ import annotations

import csv
import json
import math
import re
import unicodedata
from collections.abc import Generator, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

from wildtrace.collect.encoding import Encoding, bad_bytes, detect, open_text
from wildtrace.errors import FormatError
from wildtrace.records import RawRow, RowError

MAX_FIELD_BYTES = 64 * 1024 * 1024
MAX_LINE_CHARS = 64 * 1024 * 1024
MAX_FILE_BYTES = 4 * 1024 * 1024 * 1024
MAX_JSON_DEPTH = 64
MAX_INT_DIGITS = 1000
HEADER_SCAN = 200  # JSON lines read to learn the keys
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

csv.field_size_limit(MAX_FIELD_BYTES)


def _check_file(path: Path) -> Encoding:
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
    return detect(path)


def _lines(path: Path, enc: Encoding) -> Generator[str, None, None]:
    """The file's decoded lines (endings kept), NULs dropped; closes the file at the end."""
    with open_text(path, enc) as fh:
        try:
            for line in fh:
                if "\x00" in line:
                    line = line.replace("\x00", "")
                yield unicodedata.normalize("NFC", line) if enc.compose else line
        except UnicodeDecodeError as exc:  # a UTF-16 file cut mid code unit
            raise _undecodable(path, enc, exc) from exc


def _undecodable(path: Path, enc: Encoding, exc: UnicodeDecodeError) -> FormatError:
    return FormatError(f"cannot decode the file as {enc.codec} ({exc.reason}); is it cut "
                       "off or in another encoding?", file=str(path),
                       hint="convert it to UTF-8 first")


def sniff_format(path: Path) -> str:
    """``csv`` or ``jsonl`` from the name (``csv`` when it says neither)."""
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return "jsonl"
    return "csv"


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def _headers(name: str, reader: Iterator[list[str]]) -> list[str]:
    try:
        headers = next(reader)
    except StopIteration:
        raise FormatError("file has no header row", file=name) from None
    except csv.Error as exc:
        raise FormatError(f"cannot read the header row: {exc}", file=name, row=1) from exc
    headers = [h.strip().lstrip("\ufeff") for h in headers]
    if not any(headers) or any(bad_bytes(h) for h in headers):
        raise FormatError("header row is empty or unreadable", file=name, row=1)
    seen: dict[str, int] = {}
    for i, h in enumerate(headers):
        if not h:
            headers[i] = h = f"column_{i + 1}"
        if h in seen:
            seen[h] += 1
            headers[i] = f"{h}_{seen[h]}"
        else:
            seen[h] = 1
    return headers


class _Tracked:
    """The line iterator the csv reader pulls from, remembering the raw text of the
    row being read so the last row can be checked for being cut off."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.current: list[str] = []

    def __iter__(self) -> _Tracked:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.current.append(line)
        return line


def read_csv(path: Path) -> tuple[list[str], Iterator[RawRow | RowError]]:
    """Headers and rows of a CSV file; rows are numbered as in the file (header = 1)."""
    name = str(path)
    enc = _check_file(path)
    sample: list[str] = []
    size = 0
    with closing(_lines(path, enc)) as lines:
        for line in lines:
            sample.append(line)
            size += len(line)
            if size >= 65536:
                break
    dialect = _dialect("".join(sample))
    quote = getattr(dialect, "quotechar", '"') or '"'
    tracked = _Tracked(_lines(path, enc))
    reader = csv.reader(tracked, dialect)
    headers = _headers(name, reader)

    def rows() -> Iterator[RawRow | RowError]:
        pending: tuple[int, list[str] | None, str] | None = None
        raw: list[str] = []
        while True:
            tracked.current = []
            start = reader.line_num + 1
            try:
                item: tuple[int, list[str] | None, str] = (start, next(reader), "")
            except StopIteration:
                break
            except csv.Error as exc:
                item = (start, None, f"unreadable CSV row: {exc}")
            if pending is not None:
                yield from _to_row(name, headers, enc, *pending)
            pending, raw = item, tracked.current
        if pending is None:
            return
        cut = _cut_off(raw, quote, pending[1], len(headers))
        if cut:
            yield RowError(name, pending[0], f"row is cut off ({cut}); the file looks "
                                             "truncated")
        else:
            yield from _to_row(name, headers, enc, *pending)

    return headers, rows()


def _cut_off(lines: list[str], quote: str, values: list[str] | None, n_headers: int) -> str:
    """Why the file's last row (its raw ``lines``) looks cut mid-row, or ``""``."""
    raw = "".join(lines)
    # An odd number of quotes is an open quoted field, unless it is one whole line with a
    # stray quote inside an unquoted field (``5" screen``).
    if raw.count(quote) % 2 == 1 and (len(lines) > 1 or not raw.endswith(("\n", "\r"))):
        return "an unclosed quote at the end of the file"
    if values is not None and not raw.endswith(("\n", "\r")) and \
            0 < len(values) < n_headers and any(v.strip() for v in values):
        return f"{len(values)} of {n_headers} fields and no newline at the end of the file"
    return ""


def _to_row(name: str, headers: list[str], enc: Encoding, line: int,
            values: list[str] | None, problem: str) -> Iterator[RawRow | RowError]:
    if values is None:
        yield RowError(name, line, problem)
        return
    if not values or all(not v.strip() for v in values):
        return
    if any(bad_bytes(v) for v in values):
        yield RowError(name, line, f"row has bytes that are not valid {enc.codec}; "
                                   "it is not stored garbled")
        return
    if len(values) > len(headers):
        if any(v.strip() for v in values[len(headers):]):
            yield RowError(name, line, f"row has {len(values)} fields but the header has "
                                       f"{len(headers)}")
            return
        values = values[:len(headers)]
    values = values + [""] * (len(headers) - len(values))
    yield RawRow(name, line, dict(zip(headers, values, strict=True)))


class _NumberError(ValueError):
    """A JSON number no listing field can hold."""


def _number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NumberError(f"number {text[:20]}... is out of range")
    return value


def _integer(text: str) -> int:
    # Python refuses to parse integers past 4,300 digits (a CPU-exhaustion guard), and
    # none that long is a price, a count or an id.
    if len(text) > MAX_INT_DIGITS:
        raise _NumberError(f"a number of {len(text)} digits is too long")
    return int(text)


def _constant(text: str) -> None:
    if text == "NaN":
        return None  # what Python's json.dumps writes for a missing float
    raise _NumberError(f"number {text} is out of range")


def _depth(obj: Any) -> int:
    """How deeply ``obj`` nests lists and objects (iteratively: no recursion limit)."""
    deepest, stack = 0, [(obj, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if depth > MAX_JSON_DEPTH:
                break
            stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict)
                                                  else item))
    return deepest


def _has_surrogate(obj: Any) -> bool:
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _LONE_SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def parse_json_line(raw: str) -> Any:
    """One JSON value; ValueError (with the reason as its message) when it is not JSON,
    nests too deeply or holds a lone surrogate."""
    try:
        obj = json.loads(raw, parse_float=_number, parse_int=_integer,
                         parse_constant=_constant)
    except _NumberError as exc:
        raise ValueError(f"{exc}; the row is not stored") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc.msg} at column {exc.colno}") from exc
    except RecursionError:
        raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels") from None
    if _depth(obj) > MAX_JSON_DEPTH:
        raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    if _has_surrogate(obj):
        raise ValueError("a string holds a lone surrogate escape (\\ud800-\\udfff), "
                         "which is not text")
    return obj


def _json_lines(path: Path, enc: Encoding) -> Generator[tuple[int, str, str], None, None]:
    """(line number, text, problem) of each non-blank line; over-long lines are read
    through in blocks and reported, never held whole."""
    with open_text(path, enc) as fh:
        number = 0
        while True:
            try:
                raw = fh.readline(MAX_LINE_CHARS + 1)
            except UnicodeDecodeError as exc:  # a UTF-16 file cut mid code unit
                raise _undecodable(path, enc, exc) from exc
            if not raw:
                return
            number += 1
            if len(raw) > MAX_LINE_CHARS and not raw.endswith("\n"):
                while (more := fh.readline(MAX_LINE_CHARS)) and not more.endswith("\n"):
                    pass
                yield number, "", f"line longer than {MAX_LINE_CHARS} characters"
                continue
            text = raw.replace("\x00", "")
            if not text.strip():
                continue
            if not raw.endswith("\n"):
                yield number, text, "last"
            else:
                yield number, text, ""


def read_jsonl(path: Path) -> tuple[list[str], Iterator[RawRow | RowError]]:
    """Keys seen in the first objects, and the rows of a JSON Lines file."""
    name = str(path)
    enc = _check_file(path)
    headers: list[str] = []
    with closing(_json_lines(path, enc)) as lines:
        for number, raw, _ in lines:
            if number > HEADER_SCAN:
                break
            try:
                obj = parse_json_line(raw)
            except ValueError:
                continue
            if isinstance(obj, dict):
                headers.extend(k for k in map(str, obj) if k not in headers)
    if not headers:
        raise FormatError("no JSON object found in the first lines; is this JSON Lines?",
                          file=name, row=1)

    def rows() -> Iterator[RawRow | RowError]:
        for i, raw, note in _json_lines(path, enc):
            if note and note != "last":
                yield RowError(name, i, note)
                continue
            if bad_bytes(raw):
                yield RowError(name, i, f"line has bytes that are not valid {enc.codec}")
                continue
            try:
                obj = parse_json_line(raw)
            except ValueError as exc:
                cut = " (the last line, with no newline: the file looks truncated)" \
                    if note == "last" else ""
                yield RowError(name, i, f"{exc}{cut}")
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
