"""End to end in headless Debian chromium: browse every listing, search in Chinese and
Thai, narrow by facets, sort a column, save the view, label the filtered set after the
confirmation dialog, and use the page at phone width. Saves the README's screenshots
(``browse.png``, ``browse-phone.png``) when WILDTRACE_E2E_SCREENSHOTS names a folder."""

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

from wildtrace.records import ListingDraft  # noqa: E402
from wildtrace.store import content_key  # noqa: E402
from wildtrace.workspace import open_workspace  # noqa: E402

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("WILDTRACE_CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
_SHOTS_ENV = os.environ.get("WILDTRACE_E2E_SCREENSHOTS", "")
ROOT = Path(__file__).resolve().parents[2]
EXTRA = [ListingDraft(source="taobao", title="出售象牙手镯", description="正品 老料",
                      posted="2024-06-01", seller="象牙阁", location="广州"),
         ListingDraft(source="kaidee", title="", description="ขายงาช้างแท้ ราคาถูก ส่งฟรี",
                      location="Bangkok")]


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
    wsdir = tmp_path_factory.mktemp("e2e-browse") / "ws"
    ws = open_workspace(wsdir)
    seed(ws)
    ws.store.add_listings([(d, content_key(d)) for d in EXTRA])
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


def test_browse_search_facets_views_and_bulk_label(base: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    shots = Path(_SHOTS_ENV) if _SHOTS_ENV else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        dialogs: list[str] = []

        def on_dialog(d: object) -> None:
            dialogs.append(d.message)  # type: ignore[attr-defined]
            d.accept()  # type: ignore[attr-defined]

        page.on("dialog", on_dialog)
        page.goto(base + "/browse")
        page.fill("input[name=username]", "ana")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/browse")
        assert page.locator("#total").inner_text() == "6"  # every listing, flagged or not
        page.screenshot(path=str(shots / "browse.png"), full_page=True)

        # Search in Chinese (two characters), then Thai inside an unbroken run.
        page.fill("#q", "象牙")
        page.press("#q", "Enter")
        page.wait_for_url("**/browse?q=*")
        assert page.locator("#browse tbody tr").count() == 1
        assert "出售象牙手镯" in page.locator("#browse").inner_text()
        page.fill("#q", "งาช้าง")
        page.press("#q", "Enter")
        page.wait_for_load_state()
        assert "ขายงาช้างแท้" in page.locator("#browse").inner_text()

        # Facets narrow the view and show in the URL; a column header sorts it.
        page.goto(base + "/browse")
        page.click("[data-facet=platform] a:has-text('shopmart')")
        page.wait_for_url("**platform=shopmart**")
        assert page.locator("#total").inner_text() == "2"
        page.click("a[data-sort=price]")
        page.wait_for_url("**sort=price**")
        first_price = page.locator("#browse tbody tr").first.locator("td.num").inner_text()
        assert first_price.startswith("2,000.00")  # descending first
        view_url = page.url

        # Save the view; it is listed with its JSON and CSV twins.
        page.fill("#save-view input[name=name]", "shopmart by price")
        page.click("#save-view button")
        page.wait_for_url("**/browse?platform=shopmart**")
        assert page.locator("#saved-views a:has-text('shopmart by price')").count() == 1
        assert page.locator("#saved-views a:has-text('JSON')").count() == 1

        # Bulk label the two listings after the confirmation dialog.
        page.goto(view_url)
        page.select_option("#bulk-label select[name=label]", "reject")
        page.click("#bulk-label button")
        page.wait_for_selector("#labelled")
        assert dialogs == ["Label all 2 listings of this view?"]
        assert page.locator("#labelled").inner_text() == "Labelled 2 listings."
        page.goto(base + "/browse?label=reject")
        assert page.locator("#total").inner_text() == "2"

        # At phone width the page does not scroll sideways (the table scrolls inside).
        phone = browser.new_page(viewport={"width": 390, "height": 844})
        phone.context.add_cookies(page.context.cookies())
        phone.goto(base + "/browse")
        width = phone.evaluate("document.documentElement.scrollWidth")
        phone.screenshot(path=str(shots / "browse-phone.png"), full_page=True)
        assert width <= 390 + 1, width
        browser.close()
