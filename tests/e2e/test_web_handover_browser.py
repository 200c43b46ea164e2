"""End to end in headless Debian chromium against ``wildtrace serve``: an analyst scores
a citizen's tip, makes it a case in one click, moves the case to "submitted" with a
note, removes an item, and downloads the evidence ZIP, whose files all carry
extensions. Saves screenshots of the triage and case pages (for docs/ with
WILDTRACE_E2E_SCREENSHOTS=docs/screenshots), at a laptop's and a phone's width."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from web_seed import PASSWORD, seed  # noqa: E402

from wildtrace.workspace import open_workspace  # noqa: E402

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("WILDTRACE_CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
_SHOTS_ENV = os.environ.get("WILDTRACE_E2E_SCREENSHOTS", "")
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"chromium not found at {CHROMIUM} (Debian: apt-get install chromium)")
    pytest.importorskip("playwright", reason="playwright not installed "
                        "(pip install 'wildtrace[browser]')")
    wsdir = tmp_path_factory.mktemp("e2e-handover") / "ws"
    ws = open_workspace(wsdir)
    info = seed(ws)
    ws.close()
    port = _free_port()
    exe = shutil.which("wildtrace", path=str(Path(sys.executable).parent)) or "wildtrace"
    proc = subprocess.Popen([exe, "--workspace", str(wsdir), "serve", "--host", "127.0.0.1",
                             "--port", str(port), "--no-tip-capture"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise RuntimeError("wildtrace serve did not start: "
                           + (proc.stderr.read().decode() if proc.stderr else ""))
    yield {"base": base, "info": info}
    proc.terminate()
    proc.wait(timeout=10)
    if proc.stderr:
        proc.stderr.close()


def test_tip_to_case_to_handover_in_the_browser(server: dict[str, object],
                                                tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    base = str(server["base"])
    shots = Path(_SHOTS_ENV) if _SHOTS_ENV else tmp_path / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    # A citizen reports a post through the public endpoint.
    req = urllib.request.Request(base + "/api/tips", method="POST", data=(
        b'{"url": "https://shop.example/p/77", "description": '
        b'"Genuine elephant ivory bangles for sale, raw tusk too, WhatsApp me"}'),
        headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 202
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        ctx = browser.new_context(viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)
        page = ctx.new_page()
        page.goto(base + "/tips")
        page.fill("input[name=username]", "ana")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.goto(base + "/tips")
        page.click("#score-all button")
        page.wait_for_selector("td.tip-score .score")
        assert "Offers " in page.locator("td.tip-score .why").first.inner_text()
        page.screenshot(path=str(shots / "tips-scored.png"), full_page=True)
        page.click("button.make-case")
        page.wait_for_url("**/cases/*")
        assert "Tip 1:" in page.locator("h1").inner_text()
        # Add a seeded listing, then move the case on and take the listing out again.
        ids = server["info"]["ids"]  # type: ignore[index]
        case_url = page.url
        page.goto(base + f"/listings/{ids[0]}")
        page.goto(case_url)
        page.select_option("#case-edit select[name=status]", "submitted")
        page.fill("#case-edit textarea[name=notes]", "Reported to shop.example T&S")
        page.click("#case-edit button[type=submit]")
        page.wait_for_selector("#case-status")
        assert page.locator("#case-status").inner_text() == "submitted"
        assert page.locator("#case-edit textarea").input_value() == \
            "Reported to shop.example T&S"
        assert page.locator("#case-items tbody tr, #case-items tr").count() >= 1
        page.screenshot(path=str(shots / "case-handover.png"), full_page=True)
        with page.expect_download() as dl:
            page.click("#export-zip")
        path = tmp_path / "evidence.zip"
        dl.value.save_as(str(path))
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
        assert "MANIFEST-SHA256.txt" in names and any(n.startswith("listings/") for n in names)
        assert all("." in n.rsplit("/", 1)[-1] for n in names), names
        # The case's content fits a phone: wide tables scroll inside their box, the
        # page does not (the header is the site layout's, tested with it).
        phone = browser.new_context(viewport={"width": 390, "height": 844})
        phone.add_cookies(ctx.cookies())  # type: ignore[arg-type]
        mobile = phone.new_page()
        mobile.goto(case_url)
        mobile.screenshot(path=str(shots / "case-handover-390.png"), full_page=True)
        width = mobile.evaluate("document.querySelector('main').scrollWidth")
        assert width <= 390 + 1, width
        # Removing the tip's listing empties the case.
        page.click("button.remove-item")
        page.wait_for_load_state()
        assert page.locator("button.remove-item").count() == 0
        browser.close()
