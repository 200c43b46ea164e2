"""Labelled and unlabelled tables for ``score``, ``train`` and ``evaluate``.

Files are read with the collect stage's tolerant reader (any delimiter, BOM, Latin-1,
quoted newlines); several ``--text-column`` values are joined with a newline, in the
order given. An unknown column is a :class:`ColumnError` naming the columns there are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wildtrace.collect.tabular import read_rows
from wildtrace.errors import ColumnError, InputError
from wildtrace.records import RawRow, RowError

_TRUE = {"1", "1.0", "true", "yes", "y", "relevant", "positive", "pos", "t"}
_FALSE = {"0", "0.0", "false", "no", "n", "irrelevant", "negative", "neg", "f"}


def parse_label(value: Any) -> int | None:
    """1, 0, or None for an empty or unrecognised label."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)) and value in (0, 1):
        return int(value)
    text = str(value if value is not None else "").strip().lower()
    if text in _TRUE:
        return 1
    if text in _FALSE:
        return 0
    return None


@dataclass
class Table:
    """Rows of an input file with their joined text (and labels when asked)."""

    path: Path
    headers: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    unlabelled: int = 0


def _check_columns(path: Path, headers: list[str], wanted: Sequence[str]) -> None:
    missing = [c for c in wanted if c not in headers]
    if missing:
        shown = ", ".join(headers[:30]) + (" …" if len(headers) > 30 else "")
        raise ColumnError(f"no column {missing[0]!r} (columns: {shown})", file=str(path),
                          row=1, hint="name an existing column with --text-column/"
                                      "--label-column")


def _text(fields: dict[str, Any], columns: Sequence[str]) -> str:
    parts = []
    for c in columns:
        v = fields.get(c)
        if v is None:
            continue
        s = v if isinstance(v, str) else str(v)
        if s.strip():
            parts.append(s)
    return "\n".join(parts)


def read_table(path: Path, text_columns: Sequence[str],
               label_column: str | None = None) -> Table:
    """Read ``path``; with ``label_column``, keep only rows with a 0/1 label."""
    if not text_columns:
        raise InputError("give at least one --text-column")
    headers, rows = read_rows(Path(path))
    _check_columns(path, headers, [*text_columns, *([label_column] if label_column else [])])
    table = Table(Path(path), headers)
    for item in rows:
        if isinstance(item, RowError):
            table.errors.append(item)
            continue
        assert isinstance(item, RawRow)
        if label_column is not None:
            label = parse_label(item.fields.get(label_column))
            if label is None:
                table.unlabelled += 1
                continue
            table.labels.append(label)
        table.rows.append(item.fields)
        table.texts.append(_text(item.fields, text_columns))
    if not table.rows and not table.errors:
        raise InputError("no data rows", file=str(path))
    return table
