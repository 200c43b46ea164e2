"""Flat tables for pandas and R: rows of plain values as CSV or Parquet.

The market exports (``prices``, ``volume``) share this writer. CSV cells that a
spreadsheet would run as a formula are quoted with a leading apostrophe: listing text is
written by the people being monitored.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

from wildtrace.extras import require

FORMULA_STARTS = "=+-@"


def _safe(value: object) -> object:
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def write_table(rows: Sequence[Mapping[str, object]], fmt: str, path: Path) -> int:
    """Write ``rows`` (one dict per row, the first row's keys as columns) to ``path`` as
    ``csv`` or ``parquet``; returns the number of rows."""
    if fmt == "parquet":
        pa = require("pyarrow", "market", "Parquet export")
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist([dict(r) for r in rows]), path)
        return len(rows)
    with path.open("w", newline="", encoding="utf-8") as fh:
        if rows:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            for r in rows:
                writer.writerow({k: _safe(v) for k, v in r.items()})
    return len(rows)
