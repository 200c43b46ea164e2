"""Dashboards: volume, prices, countries and the seller network, drawn offline.

The figures are the market stage's (relevant listings, prices converted to EUR) and the
link stage's newest stored run, so the seeded plush toy (assessed not relevant) is not
counted, and the network needs a link run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from web_seed import WebEnv, login, make_env

from wildtrace.app.sellers import resolve
from wildtrace.web import charts


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebEnv]:
    e = make_env(tmp_path_factory.mktemp("dash") / "ws")
    resolve(e.ws)  # a link run, as `wildtrace sellers` makes one
    yield e
    e.ws.close()


def test_volume_by_platform_language_and_taxon(env: WebEnv) -> None:
    c = env.client()
    h = env.token("vic")
    plat = c.get("/api/dashboard/volume?by=platform", headers=h).json()
    assert {"period": "2024-04", "group": "forumx", "count": 1} in plat
    assert {"period": "2024-04", "group": "shopmart", "count": 1} in plat
    assert sum(p["count"] for p in plat) == 3
    lang = c.get("/api/dashboard/volume?by=language", headers=h).json()
    assert {"period": "2024-04", "group": "zh", "count": 1} in lang
    taxon = c.get("/api/dashboard/volume?by=taxon", headers=h).json()
    assert {p["group"] for p in taxon} == {"Loxodonta africana", "Loxodonta", "Rhinocerotidae"}
    assert c.get("/api/dashboard/volume?by=seller", headers=h).status_code == 422


def test_prices_countries_and_network(env: WebEnv) -> None:
    c = env.client()
    h = env.token("vic")
    prices = c.get("/api/dashboard/prices", headers=h).json()
    eur = next(p for p in prices if p["group"] == "forumx")
    assert eur["currency"] == "EUR" and eur["n"] == 1 and eur["median"] == 90.0
    # One price has no quartiles: they would be made up.
    assert (eur["min"], eur["p25"], eur["p75"], eur["max"]) == (90.0, None, None, 90.0)
    countries = {r["iso2"]: r["count"] for r in
                 c.get("/api/dashboard/countries", headers=h).json()}
    assert countries == {"VN": 1, "NG": 1, "CN": 1}
    net = c.get("/api/dashboard/network", headers=h).json()
    # ivorytrader88 and hornking share a WhatsApp number.
    assert {n["id"] for n in net["nodes"]} == {"ivorytrader88", "hornking"}
    assert net["edges"] == [{"source": "hornking", "target": "ivorytrader88", "weight": 1,
                             "via": ["whatsapp"]}]


def test_dashboard_page_is_inline_svg_without_external_assets(env: WebEnv) -> None:
    c = env.client()
    login(c, "vic")
    page = c.get("/dashboard?by=language").text
    assert page.count("<svg") == 4
    assert "http://" not in page and "https://" not in page  # nothing from the internet
    assert "<script>" not in page and "<b>evil</b>" not in page


def test_charts_escape_labels() -> None:
    svg = charts.bar_chart([{"period": "2024-01", "group": "<script>x</script>", "count": 3}])
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    net = charts.network_chart({"nodes": [{"id": "<img onerror=1>", "listings": 1,
                                           "platform": "a"},
                                          {"id": "b", "listings": 2, "platform": "a"}],
                                "edges": [{"source": "<img onerror=1>", "target": "b",
                                           "weight": 1, "via": ["phone"]}]})
    assert "<img" not in net and net.count("<circle") == 2
    world = charts.world_map([{"iso2": "VN", "name": "<i>Vietnam</i>", "lat": 14.1,
                               "lon": 108.3, "count": 5}])
    assert "&lt;i&gt;Vietnam&lt;/i&gt;: 5 listings" in world and world.startswith("<svg")
    assert "<i>" not in world


def test_dashboard_figures_follow_new_data(env: WebEnv) -> None:
    from wildtrace.records import Assessment, ListingDraft
    from wildtrace.store import content_key

    h = env.token("vic")
    c = env.client()
    before = sum(p["count"] for p in c.get("/api/dashboard/volume?by=language",
                                           headers=h).json())
    draft = ListingDraft(source="late", title="Turtle shell comb", posted="2024-06-01",
                         language="vi")
    env.ws.store.add_listings([(draft, content_key(draft))])
    late = max(x.id for x in env.ws.store.iter_listings())
    run = env.ws.store.start_run("assess", "test-2")
    env.ws.store.save_assessments(run, [(late, Assessment(
        relevant=True, score=0.7, taxa=(), cites="", flags=(), reasons=(), model="rules",
        model_version="test-2"))])
    env.ws.store.finish_run(run)
    after = c.get("/api/dashboard/volume?by=language", headers=h).json()
    assert sum(p["count"] for p in after) == before + 1
    assert {"period": "2024-06", "group": "vi", "count": 1} in after


def test_a_single_month_is_one_bar_and_undated_listings_are_counted_apart() -> None:
    svg = charts.bar_chart([{"period": "2026-03", "group": "x", "count": 4410}], undated=12)
    assert svg.count('class="bar"') == 1  # drawn, not an empty axis
    assert "x 2026-03: 4,410" in svg and "12 listings without a posting date" in svg
    assert "No dated listings" in charts.bar_chart([], undated=3)


def test_ticks_are_round_and_counts_whole() -> None:
    from wildtrace.numbers import nice_ticks

    assert nice_ticks(3) == [0, 1, 2, 3]
    assert nice_ticks(4410) == [0, 2000, 4000, 6000]
    assert all(float(t).is_integer() for t in nice_ticks(7))


def test_prices_in_another_currency_and_counts(env: WebEnv) -> None:
    c = env.client()
    h = env.token("vic")
    usd = {p["group"]: p for p in c.get("/api/dashboard/prices?currency=usd",
                                        headers=h).json()}
    assert {p["currency"] for p in usd.values()} == {"USD"}
    assert usd["forumx"]["median"] > 90.0  # 90 EUR bought more than 90 USD in 2024
    counts = c.get("/api/dashboard/counts?currency=USD", headers=h).json()
    assert counts["currency"] == "USD" and counts["priced"] == 3
    assert counts["dated"] + counts["undated"] == counts["listings"]
    assert c.get("/api/dashboard/prices?currency=XXX", headers=h).status_code == 422
    assert c.get("/api/dashboard/prices?currency=1234", headers=h).status_code == 422


def test_map_is_a_choropleth_of_natural_earth_shapes(env: WebEnv) -> None:
    c = env.client()
    login(c, "vic")
    page = c.get("/dashboard?currency=USD").text
    assert page.count("<path") > 150  # every country is drawn, not a dot per centroid
    assert "Vietnam: 1 listing</title>" in page and "Brazil: none" in page
    assert "Prices in USD" in page and 'value="USD" selected' in page


def test_a_network_of_one_account_says_what_the_run_found(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient
    from web_seed import PASSWORD

    from wildtrace.app.accounts import Accounts
    from wildtrace.records import Identifier, ListingDraft
    from wildtrace.store import content_key
    from wildtrace.web import create_app
    from wildtrace.workspace import open_workspace

    ws = open_workspace(tmp_path / "ws")
    try:
        phone = (Identifier("phone", "+84912345678"),)
        drafts = [ListingDraft(source="demo", title=f"ivory bangle {i}", seller="thanh_hang",
                               identifiers=phone, posted="2024-03-0{i}") for i in (1, 2)]
        ws.store.add_listings([(d, content_key(d)) for d in drafts])
        resolve(ws)  # links the two listings of one account by its phone number
        Accounts(ws.store).add_user("vic", "viewer", PASSWORD)
        client = TestClient(create_app(ws, capture_tips=False))
        login(client, "vic")
        page = client.get("/dashboard").text
        assert 'id="network-empty"' in page and "joined no two different accounts" in page
        assert "<code>wildtrace sellers</code> lists every link" in page
    finally:
        ws.close()
