"""The ``volume`` export: listings per period by platform, taxon and language, one row
per (period, dimension, key), with a 0/1 column marking the detected change points."""

from __future__ import annotations

from pathlib import Path

from wildtrace.act.exports.tabular import write_table
from wildtrace.measure.market import MarketSummary


def volume_rows(summary: MarketSummary) -> list[dict[str, object]]:
    """Long-format rows of the summary's volume series and change points."""
    periods = summary.periods
    starts = {(c.dimension, c.key, c.period) for c in summary.changes}
    rows: list[dict[str, object]] = []
    for dim, series in summary.volume.items():
        for key, counts in series.items():
            if key == "periods":
                continue
            for p, n in zip(periods, counts, strict=True):
                rows.append({"period": p, "dimension": dim, "key": key, "listings": n,
                             "change_point": int((dim, key, p) in starts)})
    return rows


def write_volume(summary: MarketSummary, fmt: str, path: Path) -> int:
    """Write the volume of a market summary to ``path`` as ``csv`` or ``parquet``;
    returns the number of rows."""
    return write_table(volume_rows(summary), fmt, path)
