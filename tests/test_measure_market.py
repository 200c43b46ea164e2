"""Market measures: dated exchange rates, change points, volume, prices, exports, report."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from wildtrace.act.report_market import market_section
from wildtrace.app.market import market_summary
from wildtrace.app.report import report_figures
from wildtrace.app.sellers import resolve
from wildtrace.cli import main
from wildtrace.measure.changepoint import binary_segmentation, pelt, segments
from wildtrace.measure.rates import convert, rate_table
from wildtrace.measure.volume import interpret
from wildtrace.records import ListingDraft
from wildtrace.store import content_key
from wildtrace.workspace import Workspace


def test_rates_are_dated_and_round_trip() -> None:
    usd_2019 = convert(111.95, "USD", 2019)
    assert usd_2019 is not None and usd_2019.amount == pytest.approx(100.0, abs=0.01)
    assert usd_2019.exact_year and usd_2019.rate_year == 2019
    # The same dollars bought fewer euros in 2021 than in 2022.
    assert convert(100, "USD", 2021).amount < convert(100, "USD", 2022).amount  # type: ignore[union-attr]
    back = convert(convert(1000, "JPY", 2020, "GBP").amount, "GBP", 2020, "JPY")  # type: ignore[union-attr]
    assert back is not None and back.amount == pytest.approx(1000)
    late = convert(10, "USD", 2031)
    assert late is not None and not late.exact_year and late.rate_year == max(rate_table()["USD"])
    assert convert(10, "ZWL", 2020) is None  # no bundled rate
    # The trade's currencies the ECB does not publish come from the second table, at the
    # nearest year it has (and say so).
    dong = convert(25_000_000, "VND", 2020)
    assert dong is not None and not dong.exact_year and 800 < dong.amount < 1000


def test_pelt_finds_shifts_and_not_noise() -> None:
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.poisson(20, 30), rng.poisson(5, 20), rng.poisson(18, 25)])
    points = pelt(x)
    assert len(points) == 2 and abs(points[0] - 30) <= 1 and abs(points[1] - 50) <= 1
    assert pelt(rng.poisson(10, 80)) == []
    segs = segments(x, points)
    assert segs[0].mean > 15 and segs[1].mean < 8
    assert len(binary_segmentation(x)) >= 2


def _displacement_workspace(ws: Workspace) -> None:
    rnd = random.Random(4)
    drafts = []
    for month in range(1, 13):
        for platform, n in (("forum", 30 if month < 7 else 4), ("telegram<b>", 4 if month < 7
                                                                   else 28)):
            for i in range(n):
                drafts.append(ListingDraft(
                    source=platform, seller=f"dealer{rnd.randint(1, 40)}",
                    title=f"ivory bangle {month}-{i}-{platform}",
                    price=rnd.choice([100.0, 150.0, 250.0]), currency=rnd.choice(["USD", "EUR"]),
                    posted=f"2023-{month:02d}-{rnd.randint(1, 28):02d}"))
    ws.store.add_listings([(d, content_key(d)) for d in drafts])


def test_summary_shows_displacement(ws: Workspace) -> None:
    _displacement_workspace(ws)
    s = market_summary(ws.store).as_dict()
    assert s["listings"] == s["priced"] == 396
    plat = {(c["key"], c["direction"]) for c in s["changes"] if c["dimension"] == "platform"}
    assert ("forum", "fall") in plat and ("telegram<b>", "rise") in plat
    assert any(n["kind"] == "displacement" and n["from"] == "forum" for n in s["notes"])
    assert s["volume"]["all"]["periods"][0] == "2023-01"
    med = s["prices_by_taxon"][0]["median"]
    assert 90 < med < 260


def test_rebound_is_named() -> None:
    from wildtrace.measure.volume import Change

    found = [Change("platform", "x", "2020-03", 20, 2), Change("platform", "x", "2020-09", 2, 18)]
    notes = interpret(found, [f"2020-{m:02d}" for m in range(1, 13)])
    assert [n["kind"] for n in notes] == ["rebound"]


def test_report_fragment_is_escaped_svg(ws: Workspace) -> None:
    _displacement_workspace(ws)
    resolve(ws)  # the report reads the sellers of the newest link run
    figures = report_figures(ws)
    assert figures is not None
    html = market_section(figures)
    assert "<svg" in html and "telegram&lt;b&gt;" in html and "telegram<b>" not in html
    assert "<script" not in html and "sellers in all" in html


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_exports_and_plot(tmp_path: Path, ws: Workspace) -> None:
    _displacement_workspace(ws)
    ws.close()
    runner = CliRunner()
    base = ["--workspace", str(ws.root)]
    for kind in ("prices", "volume"):
        out = tmp_path / f"{kind}.csv"
        res = runner.invoke(main, [*base, "export", kind, "--format", "csv", "-o", str(out)])
        assert res.exit_code == 0, res.output
        assert _rows(out)
    vol = _rows(tmp_path / "volume.csv")
    assert any(r["change_point"] == "1" and r["key"] == "forum" for r in vol)
    pq = pytest.importorskip("pyarrow.parquet")
    res = runner.invoke(main, [*base, "export", "prices", "--format", "parquet", "-o",
                               str(tmp_path / "p.parquet")])
    assert res.exit_code == 0, res.output
    assert pq.read_table(tmp_path / "p.parquet").num_rows == len(_rows(tmp_path / "prices.csv"))
    pytest.importorskip("matplotlib")
    res = runner.invoke(main, [*base, "market", "--json", "--plot", str(tmp_path / "v.svg")])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["notes"]
    assert (tmp_path / "v.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    res = runner.invoke(main, [*base, "market", "--currency", "XXX"])
    assert res.exit_code == 1 and "no bundled exchange rates" in res.output


def test_quartiles_never_leave_the_data() -> None:
    from wildtrace.measure.distribution import distribution

    # The case: two prices gave p25 -24.96 under a minimum of 70.03.
    two = distribution([70.03, 450.0])
    assert two == {"n": 2, "min": 70.03, "p25": None, "median": 260.01, "p75": None,
                   "max": 450.0, "mean": None}
    rnd = random.Random(1)
    for n in range(4, 40):
        vals = [rnd.lognormvariate(4, 2) for _ in range(n)]
        d = distribution(vals)
        assert d["min"] <= d["p25"] <= d["median"] <= d["p75"] <= d["max"]  # type: ignore[operator]
    four = distribution([1, 2, 3, 4])
    assert (four["p25"], four["median"], four["p75"]) == (1.75, 2.5, 3.25)  # numpy's linear


def test_undated_listings_are_in_no_period(ws: Workspace) -> None:
    drafts = [ListingDraft(source="x", title=f"ivory {i}", price=100.0, currency="USD",
                           posted="2024-03-05" if i < 3 else "") for i in range(10)]
    ws.store.add_listings([(d, content_key(d)) for d in drafts])
    s = market_summary(ws.store)
    # Seven tweets without a date are not a surge in the month they were imported.
    assert (s.listings, s.undated, s.dated) == (10, 7, 3)
    assert s.periods == ["2024-03"] and s.volume["all"]["listings"] == [3]
    # They are still priced, at the rate of the year they were collected.
    assert s.priced == 10 and s.unconverted == 0


def test_a_single_month_is_drawn(ws: Workspace, tmp_path: Path) -> None:
    from wildtrace.measure.plots import bar_svg

    svg = bar_svg(["2024-03"], {"forum": [3], "chat": [1]}, title="t", undated=2)
    assert svg.count("<rect") >= 2 + 2  # two stacked segments and their legend keys
    assert "forum 2024-03: 3" in svg and "2 listings without a posting date" in svg
    pytest.importorskip("matplotlib")
    ws.store.add_listings([(d, content_key(d)) for d in (
        ListingDraft(source="x", title="ivory a", posted="2024-03-01"),
        ListingDraft(source="x", title="ivory b", posted=""))])
    ws.close()
    out = tmp_path / "one.svg"
    res = CliRunner().invoke(main, ["--workspace", str(ws.root), "market", "--plot", str(out)])
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    assert "2024-03" in text and "without a posting date" in text
    assert "2 listings: 1 dated, 1 without a posting date" in res.output
