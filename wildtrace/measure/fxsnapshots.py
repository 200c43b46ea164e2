"""Build the second exchange-rate table, for the currencies the ECB does not publish.

The ECB's reference rates (:mod:`wildtrace.measure.ecb`) cover about thirty currencies;
the trade's are mostly not among them (VND, LAK, KHR, MMK, NGN, KES, TWD, ...). Their
rates come from the dated daily snapshots published on the npm registry as
``@fawazahmed0/currency-api`` (one package version per day, named by its date, e.g.
``2025.6.1``; inside, ``package/v1/currencies/eur.min.json`` holds that day's units of
every currency per euro). :func:`annual_means` averages, per currency and calendar year,
the snapshots of that year; a year counts once a December snapshot of it is in hand and
it has at least :data:`MIN_SNAPSHOTS` of them, so a year's figure is not one day's.

Neither the package nor its repository states a licence; exchange rates are facts, and
the table records the package, the versions used and that no licence is stated, so a
reader can judge. Only the currencies of :data:`wildtrace.money.CURRENCY_REGION` (and
USD) are written: the snapshots also carry hundreds of crypto tokens. Rebuild with::

    npm pack @fawazahmed0/currency-api@2025.1.1 ...   # one .tgz per day wanted
    python -m wildtrace.measure.fxsnapshots DIR_OF_TGZ   # writes data/exchange_rates_more.csv
"""

from __future__ import annotations

import argparse
import json
import tarfile
import textwrap
from collections import defaultdict
from pathlib import Path

from wildtrace.errors import InputError
from wildtrace.money import CURRENCY_REGION

MEMBER = "package/v1/currencies/eur.min.json"
MAX_MEMBER = 2_000_000  # the EUR file is ~30 kB; anything far larger is not it
MIN_SNAPSHOTS = 6
KEEP = frozenset(CURRENCY_REGION) | {"USD"}
HEADER = """\
# Units of CURRENCY per 1 EUR for currencies the ECB does not publish: the mean, per
# calendar year, of the daily snapshots of the npm package @fawazahmed0/currency-api
# (the versions listed below; file package/v1/currencies/eur.min.json), computed by
# wildtrace.measure.fxsnapshots, rounded to 6 significant digits. The package and its
# repository (github.com/fawazahmed0/exchange-api) state no licence. A year is included
# once a December snapshot of it is used and it has at least {min_snapshots} snapshots.
"""


def read_snapshot(path: Path) -> tuple[str, dict[str, float]]:
    """(date, {CURRENCY: units per EUR}) of one package tarball (``.tgz``)."""
    try:
        with tarfile.open(path, "r:gz") as tar:
            member = tar.getmember(MEMBER)
            if not member.isfile() or member.size > MAX_MEMBER:
                raise InputError(f"{path}: {MEMBER} is not a plain file under 2 MB")
            fh = tar.extractfile(member)
            if fh is None:
                raise InputError(f"{path}: cannot read {MEMBER}")
            data = json.loads(fh.read().decode("utf-8"))
    except KeyError:
        raise InputError(f"{path}: no {MEMBER} inside (not a currency-api package)") from None
    except (OSError, tarfile.TarError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: cannot read the snapshot ({exc})") from exc
    date = str(data.get("date", ""))
    rates = data.get("eur")
    if len(date) != 10 or not date[:4].isdigit() or not isinstance(rates, dict):
        raise InputError(f"{path}: {MEMBER} has no date or no eur table")
    out: dict[str, float] = {}
    for code, value in rates.items():
        if isinstance(code, str) and code.upper() in KEEP and isinstance(value, (int, float)) \
                and value > 0:
            out[code.upper()] = float(value)
    return date, out


def annual_means(snapshots: list[tuple[str, dict[str, float]]]
                 ) -> dict[tuple[str, int], tuple[float, int]]:
    """``(currency, year) → (mean units per EUR, snapshots)`` for the complete years."""
    by_year: dict[int, list[dict[str, float]]] = defaultdict(list)
    december: set[int] = set()
    for date, rates in snapshots:
        year = int(date[:4])
        by_year[year].append(rates)
        if date[5:7] == "12":
            december.add(year)
    out: dict[tuple[str, int], tuple[float, int]] = {}
    for year, days in by_year.items():
        if year not in december or len(days) < MIN_SNAPSHOTS:
            continue
        sums: dict[str, list[float]] = defaultdict(list)
        for rates in days:
            for code, value in rates.items():
                sums[code].append(value)
        for code, values in sums.items():
            if len(values) >= MIN_SNAPSHOTS:
                out[(code, year)] = (sum(values) / len(values), len(values))
    return out


def write_table(means: dict[tuple[str, int], tuple[float, int]], versions: list[str],
                out: Path) -> int:
    """Write the table; returns the rows written."""
    listed = textwrap.wrap("versions used: " + ", ".join(versions), 86)
    lines = [HEADER.format(min_snapshots=MIN_SNAPSHOTS).rstrip("\n"),
             *("# " + ln for ln in listed), "currency,year,per_eur"]
    for code, year in sorted(means):
        lines.append(f"{code},{year},{means[(code, year)][0]:.6g}")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(means)


def main(argv: list[str] | None = None) -> None:
    """Command line: a folder of package tarballs in, the table out."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path, help="folder of @fawazahmed0/currency-api .tgz files")
    ap.add_argument("-o", "--output", type=Path,
                    default=Path(__file__).parent / "data" / "exchange_rates_more.csv")
    args = ap.parse_args(argv)
    files = sorted(args.folder.glob("*.tgz"))
    if not files:
        raise SystemExit(f"{args.folder}: no .tgz files")
    snapshots = [read_snapshot(f) for f in files]
    versions = sorted({d for d, _ in snapshots})
    n = write_table(annual_means(snapshots), versions, args.output)
    print(f"wrote {n} rates from {len(files)} snapshots to {args.output}")


if __name__ == "__main__":
    main()
