"""Flat tables for pandas and R: rows of plain values as CSV or Parquet.

The market exports (``prices``, ``volume``) share this writer. CSV cells go through
:mod:`wildtrace.act.exports.safecsv` (listing text is written by the people being
monitored); Parquet keeps every value as it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from wildtrace.act.exports.safecsv import SafeDictWriter
from wildtrace.extras import require


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
            writer = SafeDictWriter(fh, list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return len(rows)
