"""One implementation of each figure: the dashboard API, ``wildtrace market --json``,
``wildtrace sellers --json``, ``wildtrace recapture --by`` and the report show the same
numbers for one workspace, and reading them never adds a link run."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from html import escape
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from web_seed import PASSWORD, login

from wildtrace import numbers
from wildtrace.act.report_market import cell
from wildtrace.app import dashboard
from wildtrace.app.accounts import Accounts
from wildtrace.app.market import market_summary
from wildtrace.app.sellers import resolve
from wildtrace.cli import main
from wildtrace.records import Assessment, Identifier, ListingDraft, TaxonMatch
from wildtrace.store import content_key
from wildtrace.web import create_app
from wildtrace.workspace import open_workspace

IVORY = ("Loxodonta africana", "I", "ivory")
HORN = ("Rhinocerotidae", "I", "horn")
SCALES = ("Manis javanica", "I", "scales")
WHATSAPP = (Identifier("whatsapp", "+84912345678"),)
WECHAT = (Identifier("wechat", "rh1no"),)
# (platform, seller, price, currency, posted, location, identifiers, taxon or None)
LISTINGS = [
    ("shopmart", "ivorytrader88", 350.0, "USD", "2024-01-05", "Hà Nội", WHATSAPP, IVORY),
    ("shopmart", "ivorytrader88", 420.0, "USD", "2024-02-07", "Hanoi", WHATSAPP, IVORY),
    ("shopmart", "ivorytrader88", 390.0, "USD", "2024-04-03", "Hà Nội", WHATSAPP, IVORY),
    ("chatz", "scalesvn", 120.0, "USD", "2024-02-20", "Ho Chi Minh City", WHATSAPP, SCALES),
    ("forumx", "hornking", 2000.0, "CNY", "2024-03-01", "广州", WECHAT, HORN),
    ("forumx", "hornking", 2500.0, "CNY", "2024-04-02", "Guangzhou", WECHAT, HORN),
    ("chatz", "pangolin_hub", 900.0, "CNY", "2024-04-11", "Shanghai", WECHAT, SCALES),
    ("forumx", "toyshop", 10.0, "EUR", "2024-03-15", "Paris, France", (), None),
    # Posted on no known day, in a currency without a bundled rate: counted, but in no
    # month and in no converted price.
    ("chatz", "scalesvn", 15000000.0, "ZWL", "", "Hà Nội", WHATSAPP, SCALES),
]
DATED = 7


@dataclass
class Faces:
    """What each face printed or served for the one workspace."""

    market: dict[str, Any]
    market_text: str
    prices_csv: str
    sellers: dict[str, Any]
    recapture: dict[str, Any]
    report: str
    api: dict[str, Any]
    link_runs_after_sellers: int | None
    link_runs_after_reads: int | None


def _seed(root: Path, database_url: str = "") -> None:
    ws = open_workspace(root, overrides={"database_url": database_url} if database_url else None)
    try:
        drafts = [ListingDraft(source=p, title=f"{t[2] if t else 'plush'} item {i}",
                               description="for sale", seller=s, price=price, currency=cur,
                               posted=posted, location=loc, identifiers=ids, language="en")
                  for i, (p, s, price, cur, posted, loc, ids, t) in enumerate(LISTINGS)]
        ws.store.add_listings([(d, content_key(d)) for d in drafts])
        ids = [x.id for x in ws.store.iter_listings()]
        run = ws.store.start_run("assess", "figures-1")
        results = []
        for lid, row in zip(ids, LISTINGS, strict=True):
            taxon = row[-1]
            matches = (TaxonMatch(taxon=taxon[0], rank="species", appendix=taxon[1], start=0,
                                  end=5, matched=taxon[2], rule=f"product:{taxon[2]}",
                                  kind="product"),) if taxon else ()
            results.append((lid, Assessment(
                relevant=taxon is not None, score=0.9 if taxon else 0.1,
                taxa=(taxon[0],) if taxon else (), cites=taxon[1] if taxon else "",
                flags=(), reasons=(), model="rules", model_version="figures-1",
                matches=matches)))
        ws.store.save_assessments(run, results)
        ws.store.finish_run(run)
        if not database_url:
            Accounts(ws.store).add_user("vic", "viewer", PASSWORD)
    finally:
        ws.close()


def _cli(root: Path, *args: str) -> str:
    res = CliRunner().invoke(main, ["--workspace", str(root), *args])
    assert res.exit_code == 0, res.output
    return res.output


@pytest.fixture(scope="module")
def faces(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Faces]:
    root = tmp_path_factory.mktemp("figures") / "ws"
    _seed(root)
    sellers = json.loads(_cli(root, "sellers", "--json"))
    ws = open_workspace(root)
    after_sellers = ws.store.link.latest_run()
    ws.close()
    market = json.loads(_cli(root, "market", "--json"))
    market_text = _cli(root, "market")
    _cli(root, "export", "prices", "--format", "csv", "-o", str(root / "prices.csv"))
    recapture = json.loads(_cli(root, "recapture", "--by", "platform", "--no-ci", "--json"))
    report = root / "r.html"
    _cli(root, "report", "-o", str(report))
    ws = open_workspace(root)
    try:
        client = TestClient(create_app(ws, capture_tips=False))
        h = {"Authorization": "Bearer " + Accounts(ws.store).create_token("vic")}
        api = {name: client.get(f"/api/dashboard/{name}", headers=h).json()
               for name in ("volume?by=platform", "volume?by=taxon", "volume?by=language",
                            "prices", "countries", "network", "counts")}
        api["browse"] = client.get("/api/browse?verdict=flagged", headers=h).json()
        login(client, "vic")
        api["page"] = client.get("/dashboard").text
        yield Faces(market=market, market_text=market_text,
                    prices_csv=(root / "prices.csv").read_text(encoding="utf-8"),
                    sellers=sellers, recapture=recapture,
                    report=report.read_text(encoding="utf-8"), api=api,
                    link_runs_after_sellers=after_sellers,
                    link_runs_after_reads=ws.store.link.latest_run())
    finally:
        ws.close()


def test_reading_figures_adds_no_link_run(faces: Faces) -> None:
    assert faces.link_runs_after_sellers == faces.sellers["run_id"]
    assert faces.link_runs_after_reads == faces.sellers["run_id"]


def test_volume_is_the_same_everywhere(faces: Faces) -> None:
    counted = faces.market["listings"]
    assert counted == 8  # the plush toy is not relevant, so no face counts it
    assert (faces.market["dated"], faces.market["undated"]) == (DATED, 1)
    assert f"<p>{counted} listings counted" in faces.report
    assert "1 without a posting date, left out of the charts" in faces.report
    assert "8 listings: 7 dated, 1 without a posting date" in faces.market_text
    counts = faces.api["counts"]
    assert (counts["listings"], counts["dated"], counts["undated"]) == (counted, DATED, 1)
    assert "1 listing without a posting date" in faces.api["page"]
    periods = faces.market["volume"]["all"]["periods"]
    assert periods == ["2024-01", "2024-02", "2024-03", "2024-04"]  # no import-date month
    for by in ("platform", "taxon", "language"):
        points = faces.api[f"volume?by={by}"]
        assert sum(p["count"] for p in points) == DATED
        series = faces.market["volume"][by]
        assert {(p["period"], p["group"]): p["count"] for p in points} == {
            (period, key): counts[i] for key, counts in series.items()
            for i, period in enumerate(periods)}


def test_prices_are_the_same_everywhere(faces: Faces) -> None:
    market = faces.market
    dashboard = {p["group"]: p for p in faces.api["prices"]}
    assert sum(p["n"] for p in dashboard.values()) == market["priced"] == 7
    assert f"<p>{market['priced']} listings priced in EUR;" in faces.report
    # Each platform sells one taxon here, so its prices are that taxon's.
    by_taxon = {r["taxon"]: r for r in market["prices_by_taxon"]}
    for platform, taxon in (("shopmart", IVORY), ("forumx", HORN)):
        band, row = dashboard[platform], by_taxon[taxon[0]]
        assert band["currency"] == market["currency"] == "EUR"
        assert (band["n"], band["median"], band["p25"], band["p75"], band["min"],
                band["max"]) == (row["n"], row["median"], row["p25"], row["p75"],
                                 row["min"], row["max"])
    for row in market["prices_by_taxon"]:
        cells = "".join(f"<td>{escape(cell(row[c]))}</td>"
                        for c in ("taxon", "n", "min", "p25", "median", "p75", "max"))
        assert f"<tr>{cells}</tr>" in faces.report
        assert f"median {numbers.money(row['median'], 'EUR')}" in faces.market_text


def test_quartiles_stay_inside_the_data_everywhere(faces: Faces) -> None:
    rows = [*faces.market["prices_by_taxon"], *faces.market["prices_by_product"],
            *faces.api["prices"]]
    assert rows
    for row in rows:
        if row["n"] < 4:
            assert row["p25"] is None and row["p75"] is None  # too few to have quartiles
            assert row["min"] <= row["median"] <= row["max"]
        else:
            assert row["min"] <= row["p25"] <= row["median"] <= row["p75"] <= row["max"]
    assert "<td>–</td>" in faces.report  # a quartile not given is shown as not given


def test_unconverted_prices_are_listed_apart_everywhere(faces: Faces) -> None:
    vnd = {"currency": "ZWL", "n": 1, "min": 15000000.0, "median": 15000000.0,
           "max": 15000000.0}
    assert faces.market["unconverted"] == 1
    assert faces.market["unconverted_by_currency"] == [vnd]
    assert faces.api["counts"]["unconverted_by_currency"] == [vnd]
    assert faces.api["counts"]["priced"] == faces.market["priced"]
    assert "<tr><td>ZWL</td><td>1</td><td>15,000,000</td>" in faces.report
    assert "<tr><td>ZWL</td><td>1</td><td>15,000,000</td>" in faces.api["page"]
    assert "not converted: 1 in ZWL, median 15,000,000 ZWL" in faces.market_text
    # No converted figure anywhere holds the unconverted amount.
    assert all(r["max"] < 15000000 for r in faces.api["prices"])


def test_prices_csv_leaves_unknowns_empty(faces: Faces) -> None:
    rows = list(csv.DictReader(io.StringIO(faces.prices_csv)))
    vnd = next(r for r in rows if r["currency"] == "ZWL")
    assert vnd["day"] == "" and vnd["price_converted"] == "" and vnd["rate_year"] == ""
    assert "'" not in {c for r in rows for c in r.values()}  # never a lone apostrophe


def test_countries_count_the_same_listings(faces: Faces) -> None:
    countries = {r["iso2"]: r["count"] for r in faces.api["countries"]}
    assert countries == {"VN": 5, "CN": 3}
    assert "Vietnam: 5 listings</title>" in faces.api["page"]
    assert sum(countries.values()) == faces.market["listings"]
    # The browse page's country facet (of the flagged listings) counts the same.
    facet = next(f for f in faces.api["browse"]["facets"] if f["name"] == "country")
    assert {v["value"]: v["count"] for v in facet["values"] if v["value"] != "unknown"} \
        == countries


def test_sellers_are_the_same_everywhere(faces: Faces) -> None:
    sellers = faces.sellers
    assert (sellers["listings"], sellers["sellers"]) == (9, 3)
    m = re.search(r"<p>(\d+) listings resolve to <b>(\d+)</b> sellers \(link run (\d+)\)",
                  faces.report)
    assert m is not None
    assert tuple(int(x) for x in m.groups()) == (sellers["listings"], sellers["sellers"],
                                                 sellers["run_id"])
    net = faces.api["network"]
    seller_of = {n["id"]: n["seller"] for n in net["nodes"]}
    assert set(seller_of) == {"ivorytrader88", "scalesvn", "hornking", "pangolin_hub"}
    # Accounts are joined only where the run resolved them to one seller; here each of
    # those sellers posts on two platforms.
    assert all(seller_of[e["source"]] == seller_of[e["target"]] for e in net["edges"])
    assert len(set(seller_of.values())) == sellers["cross_platform_sellers"] == 2
    assert {(e["source"], e["target"], tuple(e["via"])) for e in net["edges"]} == {
        ("ivorytrader88", "scalesvn", ("whatsapp",)),
        ("hornking", "pangolin_hub", ("wechat",))}


def test_market_size_is_the_recapture_estimate(faces: Faces) -> None:
    seen, occasions = faces.recapture["n_captured"], faces.recapture["occasions"]
    assert (seen, occasions) == (3, 3)
    assert f"{seen} sellers seen over {occasions} occasions (by platform)" in faces.report
    for model in faces.recapture["models"]:
        if model["model"] in ("M0", "Mt", "Mh Chao", "Mth Chao"):
            assert (f"<tr><td>{model['model']}</td><td>{model['abundance']:.1f}</td>"
                    f"<td>{model['stderr']:.1f}</td>") in faces.report


def test_without_a_link_run_the_readers_say_so_and_resolve_nothing(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    _seed(root)
    report = root / "r.html"
    _cli(root, "report", "-o", str(report))
    html = report.read_text(encoding="utf-8")
    assert "No link run exists yet" in html and "<code>wildtrace sellers</code>" in html
    res = CliRunner().invoke(main, ["--workspace", str(root), "recapture", "--by", "month"])
    assert res.exit_code == 1 and "no link run yet" in res.output
    assert "wildtrace sellers" in res.output
    ws = open_workspace(root)
    try:
        client = TestClient(create_app(ws, capture_tips=False))
        h = {"Authorization": "Bearer " + Accounts(ws.store).create_token("vic")}
        assert client.get("/api/dashboard/network", headers=h).json() == {"nodes": [],
                                                                          "edges": []}
        assert ws.store.link.latest_run() is None
    finally:
        ws.close()


def test_period_report_shows_the_market_figures(faces: Faces, tmp_path: Path) -> None:
    # Every dated listing is posted in 2024, so the 2024 market report counts the dated
    # listings `market` counts, with the same converted prices and the platforms of the
    # dashboard's volume (which counts dated listings too).
    root = tmp_path / "ws"
    _seed(root)
    out = root / "m.html"
    assert "chart files beside it" in _cli(root, "report", "--period", "2024", "-o", str(out))
    html = out.read_text(encoding="utf-8")
    market = faces.market
    assert (f"{market['dated']} listings posted from 2024-01-01 to 2024-12-31 are "
            f"counted") in html
    assert f"{market['undated']} listing has no posting date" in html
    for row in market["prices_by_taxon"]:
        cells = "".join(f"<td>{escape(cell(row[c]))}</td>"
                        for c in ("taxon", "n", "min", "p25", "median", "p75", "max"))
        assert f"<tr>{cells}</tr>" in html
    platforms = {p["group"]: 0 for p in faces.api["volume?by=platform"]}
    for p in faces.api["volume?by=platform"]:
        platforms[p["group"]] += p["count"]
    for name, n in platforms.items():
        assert f'<td>{escape(name)}</td><td class="num">{n}</td>' in html


@pytest.mark.postgres
def test_the_same_figures_on_postgres(faces: Faces, tmp_path: Path, pg_url: str) -> None:
    root = tmp_path / "ws"
    _seed(root, pg_url)
    ws = open_workspace(root, overrides={"database_url": pg_url})
    try:
        assert market_summary(ws.store).as_dict() == faces.market
        resolve(ws)
        figures = dashboard.market_figures(ws.store)
        assert [asdict(p) for p in figures.volume["platform"]] == faces.api["volume?by=platform"]
        assert [asdict(p) for p in figures.prices] == faces.api["prices"]
        assert [asdict(c) for c in figures.countries] == faces.api["countries"]
        assert dashboard.seller_network(ws.store).as_dict() == faces.api["network"]
    finally:
        ws.close()
