"""Import listings from CSV and JSONL exports into the workspace.

Columns are mapped to listing fields automatically (see :mod:`columns`) or by
``--map COLUMN=FIELD``. Each row's content hash makes imports idempotent; bad rows are
reported with file:row and skipped while every good row is kept.

A row without a language column gets one from the ``language`` function the caller
passes in (the extract stage's detector, handed down by the application layer: collect
comes first and cannot import it).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wildtrace import money
from wildtrace.collect.columns import FIELDS, auto_mapping
from wildtrace.collect.tabular import read_rows
from wildtrace.errors import ColumnError, InputError
from wildtrace.records import ListingDraft, RawRow, RowError
from wildtrace.store import Store, content_key

BATCH = 2000
MAX_CELL_CHARS = 20_000_000
MAX_PRICE = 1e15  # above any real asking price in any currency
LANGUAGE_SAMPLE = 2000  # characters a detector reads: enough to tell, cheap per row

LanguageOf = Callable[[str], str]


@dataclass
class ImportResult:
    """What one import did: counts and the rows it could not use."""

    imported: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The contract's ``import --json`` shape."""
        return {"imported": self.imported, "duplicates": self.duplicates,
                "errors": [e.as_dict() for e in self.errors]}


def parse_mapping(pairs: Sequence[str]) -> dict[str, str]:
    """``["Body=description"]`` → ``{"description": "Body"}`` (field → column)."""
    out: dict[str, str] = {}
    for pair in pairs:
        column, sep, fieldname = pair.rpartition("=")
        if not sep or not column or not fieldname:
            raise InputError(f"--map {pair!r} is not COLUMN=FIELD")
        fieldname = fieldname.strip().lower()
        if fieldname not in FIELDS:
            raise InputError(f"--map {pair!r}: unknown field {fieldname!r}",
                             hint="fields: " + ", ".join(FIELDS))
        out[fieldname] = column.strip()
    return out


def _text(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return text.replace("\x00", "")[:MAX_CELL_CHARS].strip()


def to_draft(row: RawRow, mapping: dict[str, str], source: str,
             language: LanguageOf | None = None) -> ListingDraft | RowError:
    """A listing draft from a raw row, or the reason the row cannot be used; ``language``
    names the language of a row whose file gives none."""
    get = {f: _text(row.fields.get(col)) for f, col in mapping.items()}
    title, description = get.get("title", ""), get.get("description", "")
    if not title and not description:
        return RowError(row.file, row.row, "row has no title or description text")
    price_text = get.get("price", "")
    amount, currency = money.parse_price(price_text, get.get("currency", ""))
    if amount is not None and not (math.isfinite(amount) and abs(amount) <= MAX_PRICE):
        amount = None  # "1e999999" parses to infinity, which no later figure survives
    used = set(mapping.values())
    extra = {k: v for k, v in row.fields.items() if k not in used and v not in (None, "")}
    if price_text and amount is None:
        # an unreadable price is not fatal, and is kept as written
        extra[f"{mapping['price']}_as_written"] = price_text
    return ListingDraft(
        source=source, title=title, description=description, url=get.get("url", ""),
        price=amount, currency=currency, seller=get.get("seller", ""),
        location=get.get("location", ""), posted=get.get("posted", ""),
        language=get.get("language", "") or _language_of(title, description, language),
        extra=extra, origin=f"{row.file}:{row.row}",
    )


def _language_of(title: str, description: str, language: LanguageOf | None) -> str:
    if language is None:
        return ""
    return language(f"{title}\n{description}"[:LANGUAGE_SAMPLE])


def column_mapping(path: Path, headers: list[str],
                   mapping: dict[str, str] | None = None) -> dict[str, str]:
    """Field → column for a file with ``headers``: the automatic choice, overridden by
    ``mapping``; ColumnError when a named column is missing or no text column is found."""
    chosen = auto_mapping(headers)
    for fieldname, column in (mapping or {}).items():
        if column not in headers:
            raise ColumnError(f"no column {column!r} (columns: {', '.join(headers)})",
                              file=str(path))
        chosen = {f: c for f, c in chosen.items() if c != column}
        chosen[fieldname] = column
    if "title" not in chosen and "description" not in chosen:
        raise ColumnError("no text column found (looked for title, text, description, "
                          f"body...; columns: {', '.join(headers)})", file=str(path),
                          hint="name one with --map COLUMN=description")
    return chosen


def import_file(store: Store, path: Path, *, fmt: str | None = None, source: str | None = None,
                mapping: dict[str, str] | None = None,
                progress: Callable[[int], None] | None = None,
                language: LanguageOf | None = None) -> ImportResult:
    """Import one file; returns counts and bad rows. Raises for an unusable file."""
    headers, rows = read_rows(path, None if fmt in (None, "auto") else fmt)
    chosen = column_mapping(path, headers, mapping)
    src = source or path.stem
    result = ImportResult()
    batch: list[tuple[ListingDraft, str]] = []

    def flush() -> None:
        ins, dup = store.add_listings(batch)
        result.imported += ins
        result.duplicates += dup
        if progress:
            progress(len(batch))
        batch.clear()

    for item in rows:
        if isinstance(item, RowError):
            result.errors.append(item)
            continue
        draft = to_draft(item, chosen, src, language)
        if isinstance(draft, RowError):
            result.errors.append(draft)
            continue
        batch.append((draft, content_key(draft, _raw_basis(item))))
        if len(batch) >= BATCH:
            flush()
    flush()
    return result


def _raw_basis(row: RawRow) -> dict[str, Any]:
    # The whole raw row identifies a listing: two rows differing in any column are two.
    return {k: v for k, v in row.fields.items()}


def import_files(store: Store, paths: Iterable[Path], **kwargs: Any) -> ImportResult:
    """Import several files; a file that cannot be read at all is reported, not fatal,
    unless it is the only one."""
    total = ImportResult()
    paths = list(paths)
    for path in paths:
        try:
            res = import_file(store, path, **kwargs)
        except InputError as exc:
            if len(paths) == 1:
                raise
            total.errors.append(RowError(exc.file or str(path), exc.row, exc.reason))
            continue
        total.imported += res.imported
        total.duplicates += res.duplicates
        total.errors.extend(res.errors)
    return total


@dataclass(frozen=True)
class FilePreview:
    """What importing a file would do, read without storing anything: its columns, the
    field each feeds, and its first rows as drafts (or the reason a row is refused)."""

    path: Path
    headers: tuple[str, ...]
    mapping: dict[str, str]
    rows: tuple[ListingDraft | RowError, ...]


def preview_file(path: Path, *, fmt: str | None = None, mapping: dict[str, str] | None = None,
                 rows: int = 5, language: LanguageOf | None = None,
                 source: str | None = None) -> FilePreview:
    """The first ``rows`` rows of ``path`` parsed as an import would parse them; raises
    as :func:`import_file` does for an unusable file or mapping."""
    headers, items = read_rows(path, None if fmt in (None, "auto") else fmt)
    chosen = column_mapping(path, headers, mapping)
    parsed: list[ListingDraft | RowError] = []
    for item in items:
        if len(parsed) >= rows:
            break
        parsed.append(item if isinstance(item, RowError)
                      else to_draft(item, chosen, source or path.stem, language))
    close = getattr(items, "close", None)
    if close is not None:
        close()  # the reader holds the file open until its generator is closed
    return FilePreview(path, tuple(headers), chosen, tuple(parsed))
