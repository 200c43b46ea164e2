"""The ``prices`` export: one row per listing with its price converted at each year's
rate, its date, platform, language, taxon and product (see
:class:`wildtrace.measure.market.MarketRow`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

from wildtrace.act.exports.tabular import write_table
from wildtrace.measure.market import MarketRow


def write_prices(rows: Iterable[MarketRow], fmt: str, path: Path) -> int:
    """Write the market rows to ``path`` as ``csv`` or ``parquet``; returns the count."""
    return write_table([asdict(r) for r in rows], fmt, path)
