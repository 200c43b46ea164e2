"""Build the bundled exchange-rate table from the ECB's own daily reference rates.

The European Central Bank publishes its euro foreign exchange reference rates since 1999
as one file, ``eurofxref-hist.zip`` (a CSV inside: a ``Date`` column, one column per
currency, ``N/A`` where there was no rate). :func:`annual_averages` averages each
currency's published daily rates per calendar year; :func:`write_table` writes
``data/exchange_rates.csv`` from them, so the table is computed from the source, not
typed in. Run it again with a newer file to add a year::

    python -m wildtrace.measure.ecb eurofxref-hist.zip --from 2015 --to 2025
"""

from __future__ import annotations

import argparse
import csv
import io
import zipfile
from collections import defaultdict
from pathlib import Path

from wildtrace.collect.compression import read_zip_member
from wildtrace.errors import InputError

HEADER = """\
# Units of CURRENCY per 1 EUR: the mean of the euro foreign exchange reference rates the
# European Central Bank published on each working day of the year (ECB, eurofxref-hist,
# CSV of daily rates since 1999; www.ecb.europa.eu, "Euro foreign exchange reference
# rates"). Computed by wildtrace.measure.ecb from that file, rounded to 6 significant
# digits; a year is included once it is over and only for currencies the ECB published
# on at least 200 of its days.
"""
MIN_DAYS = 200


def read_daily(path: Path) -> list[dict[str, str]]:
    """The daily rows of an ECB ``eurofxref-hist`` file (``.zip`` or ``.csv``)."""
    try:
        if path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path) as z:
                names = [n for n in z.namelist() if n.lower().endswith(".csv")]
                if not names:
                    raise InputError(f"{path}: no CSV inside the zip")
                text = read_zip_member(z, names[0]).decode("utf-8-sig")
        else:
            text = path.read_text(encoding="utf-8-sig")
    except (OSError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the ECB file ({exc})") from exc
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or reader.fieldnames[0].strip() != "Date":
        raise InputError(f"{path}:1: not an ECB eurofxref file (no Date column first)")
    return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in reader]


def annual_averages(rows: list[dict[str, str]], first: int, last: int, source: str = ""
                    ) -> dict[tuple[str, int], tuple[float, int]]:
    """``(currency, year) → (mean units per EUR, days)`` over the published days, for
    the years between ``first`` and ``last`` that are over (the file goes on past them):
    a year still running would give a partial average. Errors name ``source`` (the
    file) and the row."""
    where = f"{source}: " if source else ""
    sums: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0.0, 0.0])
    latest = 0
    for n, row in enumerate(rows, start=2):
        date = row.get("Date", "")
        if len(date) < 4 or not date[:4].isdigit():
            raise InputError(f"{where}row {n}: bad date {date[:20]!r}")
        year = int(date[:4])
        latest = max(latest, year)
        if not first <= year <= last:
            continue
        for cur, value in row.items():
            if cur == "Date" or not value or value == "N/A":
                continue
            try:
                rate = float(value)
            except ValueError:
                raise InputError(f"{where}row {n}: {cur} rate {value[:20]!r} is not a "
                                 "number") from None
            s = sums[(cur, year)]
            s[0] += rate
            s[1] += 1
    return {k: (s[0] / s[1], int(s[1])) for k, s in sums.items() if k[1] < latest}


def write_table(averages: dict[tuple[str, int], tuple[float, int]], out: Path) -> int:
    """Write the table (EUR = 1 for every year present); returns the rows written."""
    kept = {k: v for k, v in averages.items() if v[1] >= MIN_DAYS}
    years = sorted({y for _, y in kept})
    lines = [HEADER.rstrip("\n"), "currency,year,per_eur"]
    lines += [f"EUR,{y},1" for y in years]
    for cur, year in sorted(kept):
        lines.append(f"{cur},{year},{kept[(cur, year)][0]:.6g}")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines) - 2


def main(argv: list[str] | None = None) -> None:
    """Command line: ECB file in, table out."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ecb_file", type=Path, help="eurofxref-hist.zip or .csv from the ECB")
    ap.add_argument("--from", dest="first", type=int, default=2015)
    ap.add_argument("--to", dest="last", type=int, default=2025)
    ap.add_argument("-o", "--output", type=Path,
                    default=Path(__file__).parent / "data" / "exchange_rates.csv")
    args = ap.parse_args(argv)
    n = write_table(annual_averages(read_daily(args.ecb_file), args.first, args.last,
                                    str(args.ecb_file)), args.output)
    print(f"wrote {n} rates to {args.output}")


if __name__ == "__main__":
    main()
