"""The report's size as Chromium renders it, on a workspace of 23,000 listings (the size
of the import that drew a 216,046 px by 4,460 px report): at a 1280 px viewport the page
must not scroll sideways and must stay a few screens of summaries and one capped table.
The contents list must lead to its sections, and the period report's charts must draw.

Measured on this seed (tests/report_seed.py, 23,000 listings, about 60 % flagged):
before, 1,721 x 345,347 px and 506 kB; after, 1,280 x about 14,300 px and 138 kB.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from report_seed import seed_market

from wildtrace.app.report import write_report
from wildtrace.app.report_period import write_period_report
from wildtrace.workspace import open_workspace

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = os.environ.get("WILDTRACE_CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
LISTINGS = 23_000
WIDTH = 1280
MAX_HEIGHT = 20_000  # px: about 22 screens, most of it the capped flagged table


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"chromium not found at {CHROMIUM} (Debian: apt-get install chromium)")
    pytest.importorskip("playwright", reason="playwright not installed")
    ws = open_workspace(tmp_path_factory.mktemp("scale") / "ws")
    try:
        assert seed_market(ws, LISTINGS) == LISTINGS
        html = write_report(ws, ws.root / "report.html")
        period = write_period_report(ws, "2026-Q1", ws.root / "pub" / "market-2026-Q1.html")
    finally:
        ws.close()
    return {"html": html, "period": period.html}


@pytest.fixture(scope="module")
def page(reports: dict[str, Path]) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser.new_page(viewport={"width": WIDTH, "height": 900})
        browser.close()


def _size(page: object) -> tuple[int, int]:
    w, h = page.evaluate(  # type: ignore[attr-defined]
        "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    return int(w), int(h)


def test_report_of_23000_listings_fits_the_viewport(page: object,
                                                    reports: dict[str, Path]) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)  # type: ignore[attr-defined]
    page.goto(reports["html"].as_uri())  # type: ignore[attr-defined]
    width, height = _size(page)
    size = reports["html"].stat().st_size
    print(f"report of {LISTINGS:,} listings: {width:,} x {height:,} px, {size:,} bytes")
    assert width <= WIDTH, "the report scrolls sideways"
    assert height < MAX_HEIGHT
    assert size < 400_000
    # The contents list leads to each section.
    page.click('nav.toc a[href="#flagged"]')  # type: ignore[attr-defined]
    top = page.evaluate(  # type: ignore[attr-defined]
        "document.getElementById('flagged').getBoundingClientRect().top")
    assert abs(top) < 5
    assert page.locator("#prices table").count() >= 1  # type: ignore[attr-defined]
    assert page.locator("text=Showing 100 of").count() == 1  # type: ignore[attr-defined]
    assert errors == []


def test_period_report_draws_its_charts(page: object, reports: dict[str, Path]) -> None:
    page.goto(reports["period"].as_uri())  # type: ignore[attr-defined]
    drawn = page.evaluate(  # type: ignore[attr-defined]
        "Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)")
    assert drawn == [True] * 4
    width, height = _size(page)
    assert width <= WIDTH and height < 8000
