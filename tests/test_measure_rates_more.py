"""The second rate table (currencies the ECB does not publish): dated, sourced, and
checked against the ECB's own rates on every currency both publish."""

from __future__ import annotations

import csv
import io
import json
import tarfile
from importlib import resources
from pathlib import Path

import pytest

from wildtrace.errors import InputError
from wildtrace.measure.fxsnapshots import annual_means, read_snapshot, write_table
from wildtrace.measure.rates import convert, source_of
from wildtrace.money import CURRENCY_REGION

TRADE = ("VND", "LAK", "KHR", "MMK", "THB", "IDR", "MYR", "PHP", "NGN", "KES", "TWD",
         "HKD", "CNY", "INR", "BRL", "ZAR", "AUD", "JPY", "KRW", "SGD", "TZS", "UGX",
         "GHS", "PKR", "BDT", "LKR", "AED")


def _table(name: str) -> tuple[str, dict[tuple[str, int], float]]:
    text = resources.files("wildtrace.measure").joinpath("data", name).read_text(
        encoding="utf-8")
    rows = csv.DictReader(ln for ln in text.splitlines() if ln and not ln.startswith("#"))
    return text, {(r["currency"], int(r["year"])): float(r["per_eur"]) for r in rows}


def test_second_table_agrees_with_the_ecb() -> None:
    _, ecb = _table("exchange_rates.csv")
    header, more = _table("exchange_rates_more.csv")
    shared = sorted(set(ecb) & set(more))
    assert len(shared) >= 50
    for key in shared:
        assert more[key] == pytest.approx(ecb[key], rel=0.02), key
    # The file says where its numbers come from, from which days, and under what terms.
    assert "@fawazahmed0/currency-api" in header and "2025-12-31" in header
    assert "state no licence" in header


def test_every_trade_currency_converts() -> None:
    for code in TRADE:
        conv = convert(1000.0, code, 2025)
        assert conv is not None and conv.amount > 0, code
        assert source_of(code) in ("ECB", "currency-api snapshots")
    assert source_of("THB") == "ECB" and source_of("VND") == "currency-api snapshots"
    # A year the second table lacks uses its nearest and says so; the cross rate is
    # taken at that same year.
    dong = convert(24_000_000, "VND", 2019, "USD")
    assert dong is not None and dong.rate_year == 2024 and not dong.exact_year
    assert 900 < dong.amount < 1000
    assert set(TRADE) - {"AUD", "JPY", "KRW"} <= set(CURRENCY_REGION) | {"CNY"}


def _tgz(path: Path, date: str, rates: dict[str, float], member: str = "") -> Path:
    body = json.dumps({"date": date, "eur": rates}).encode()
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo(member or "package/v1/currencies/eur.min.json")
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    return path


def test_annual_means_from_snapshots(tmp_path: Path) -> None:
    snaps = [read_snapshot(_tgz(tmp_path / f"s{m}.tgz", f"2024-{m:02d}-01",
                                {"vnd": 27000.0 + m, "btc": 0.00002, "lak": -1}))
             for m in range(7, 13)]
    snaps.append(read_snapshot(_tgz(tmp_path / "x.tgz", "2025-01-01", {"vnd": 1.0})))
    means = annual_means(snaps)
    assert means[("VND", 2024)] == (pytest.approx(27009.5), 6)
    assert ("VND", 2025) not in means  # one snapshot, no December: the year is not in
    assert ("BTC", 2024) not in means and ("LAK", 2024) not in means  # no crypto, no junk
    out = tmp_path / "t.csv"
    assert write_table(means, ["2024-07-01"], out) == 1
    assert out.read_text().splitlines()[-1] == "VND,2024,27009.5"


def test_bad_snapshot_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no package/v1/currencies/eur.min.json"):
        read_snapshot(_tgz(tmp_path / "bad.tgz", "2024-01-01", {}, member="other.json"))
    (tmp_path / "junk.tgz").write_bytes(b"not a tarball")
    with pytest.raises(InputError, match="junk.tgz"):
        read_snapshot(tmp_path / "junk.tgz")
