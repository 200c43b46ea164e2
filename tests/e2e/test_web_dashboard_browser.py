"""End to end in headless Debian chromium: the dashboard's figures say what is true.

Undated listings are counted apart (not drawn on the day they were imported), a count
per month is a bar, prices in a currency without a rate are listed apart, the currency
can be changed from the page (a shareable URL), the map is Natural Earth's country
shapes shaded by listings, and the dashboard's content fits a 390 px phone. Saves
``dashboard-figures.png`` and ``dashboard-phone.png`` when WILDTRACE_E2E_SCREENSHOTS
names a folder.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from web_seed import PASSWORD, seed  # noqa: E402

from wildtrace.app.sellers import resolve  # noqa: E402
from wildtrace.records import Assessment, ListingDraft  # noqa: E402
from wildtrace.store import content_key  # noqa: E402
from wildtrace.workspace import open_workspace  # noqa: E402

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("WILDTRACE_CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
_SHOTS_ENV = os.environ.get("WILDTRACE_E2E_SCREENSHOTS", "")
ROOT = Path(__file__).resolve().parents[2]
# Two tweets posted on no known day, one priced in Zimbabwe dollars (no bundled rate for ZWL).
UNDATED = [ListingDraft(source="twitter", description="ngà voi thật giá rẻ", language="vi",
                        price=15000000.0, currency="ZWL", location="Hà Nội"),
           ListingDraft(source="twitter", description="pangolin scales wholesale",
                        language="en", location="Lagos, NG")]
# Every element of the page's content that reaches past a 390 px screen, except inside a
# box that scrolls sideways on its own (a wide table, a chart kept readable).
TOO_WIDE = """[...document.querySelectorAll('main *')].filter(e => {
  if (e.getBoundingClientRect().right <= 390.5) return false;
  for (let a = e.parentElement; a && a.tagName !== 'MAIN'; a = a.parentElement) {
    const o = getComputedStyle(a).overflowX;
    if (o === 'auto' || o === 'scroll') return false;
  }
  return true;
}).map(e => e.tagName + ' ' + (e.getAttribute('aria-label') || e.className))"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"chromium not found at {CHROMIUM} (Debian: apt-get install chromium)")
    pytest.importorskip("playwright", reason="playwright not installed "
                        "(pip install 'wildtrace[browser]')")
    wsdir = tmp_path_factory.mktemp("e2e-dash") / "ws"
    ws = open_workspace(wsdir)
    seed(ws)
    ws.store.add_listings([(d, content_key(d)) for d in UNDATED])
    new = sorted(x.id for x in ws.store.iter_listings())[-len(UNDATED):]
    run = ws.store.start_run("assess", "dash-1")
    ws.store.save_assessments(run, [(lid, Assessment(
        relevant=True, score=0.7, taxa=("Manis",), cites="I", flags=(), reasons=(),
        model="rules", model_version="dash-1")) for lid in new])
    ws.store.finish_run(run)
    resolve(ws)
    ws.close()
    port = _free_port()
    exe = shutil.which("wildtrace", path=str(Path(sys.executable).parent)) or "wildtrace"
    proc = subprocess.Popen([exe, "--workspace", str(wsdir), "serve", "--host", "127.0.0.1",
                             "--port", str(port), "--no-tip-capture"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1):
                break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise RuntimeError("wildtrace serve did not start")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def test_dashboard_figures_are_honest(base: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    shots = Path(_SHOTS_ENV) if _SHOTS_ENV else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(base + "/dashboard")
        page.fill("input[name=username]", "ana")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/dashboard")

        counts = page.locator("#dash-counts").inner_text()
        assert "5 listings counted; 3 with a posting date, 2 without" in counts
        assert "2 listings without a posting date are not drawn" in page.inner_text("body")
        assert page.locator("rect.bar").count() == 3  # platform × month, none undated
        titles = page.eval_on_selector_all("rect.bar title", "ts => ts.map(t => t.textContent)")
        assert {t.split()[-2].rstrip(":") for t in titles} == {"2024-03", "2024-04"}

        # The map: every country's shape, shaded where listings are, counts on hover.
        assert page.locator("svg.map path").count() > 150
        names = page.eval_on_selector_all("svg.map path title",
                                          "ts => ts.map(t => t.textContent)")
        assert "Vietnam: 2 listings" in names and "Brazil: none" in names
        # Prices: the dong price is listed apart, never on the converted axis.
        unconverted = page.locator("#unconverted").inner_text()
        assert "ZWL" in unconverted and "15,000,000" in unconverted
        page.screenshot(path=str(shots / "dashboard-figures.png"), full_page=True)

        # Another currency from the page: a shareable URL.
        page.select_option("select[name=currency]", "USD")
        page.click(".dash-filters button")
        page.wait_for_url("**currency=USD**")
        assert "Prices in USD" in page.inner_text("body")
        page.goto(base + "/dashboard?by=language&currency=GBP")
        assert "Prices in GBP" in page.inner_text("body")
        assert page.locator("a.current").inner_text() == "language"

        # A phone: the dashboard's content fits (the site header is the layout's own).
        phone = browser.new_page(viewport={"width": 390, "height": 844})
        phone.context.add_cookies(page.context.cookies())
        phone.goto(base + "/dashboard")
        assert phone.locator("#dash-counts").count() == 1  # logged in, on the dashboard
        wide = phone.evaluate(TOO_WIDE)
        assert wide == [], wide
        map_right = phone.evaluate(
            "document.querySelector('svg.map').getBoundingClientRect().right")
        assert map_right <= 390  # the map shrinks to the screen: it has no axis labels
        phone.screenshot(path=str(shots / "dashboard-phone.png"), full_page=True)
        browser.close()
