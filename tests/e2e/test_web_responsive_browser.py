"""Every page of the web app on a 390×844 phone and a 1280 px desktop, in headless Debian
chromium against ``wildtrace serve``: the page body never scrolls sideways (wide tables
scroll inside their own box), no text is drawn below 12 px (SVG labels measured as drawn,
after the chart is scaled), buttons and menu links are at least 40 px to tap, and the menu
stays on screen and works by tapping, without JavaScript.

Saves ``<page>.png`` (1280 px) and ``<page>-phone.png`` (390 px) for each page when
WILDTRACE_E2E_SCREENSHOTS names a folder. WILDTRACE_E2E_WORKSPACE serves an existing
workspace instead of the seeded one (the README's screenshots are taken on imported real
data that way); the analyst ``ana`` and the admin ``root`` are added to it when missing.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from web_seed import PASSWORD, seed  # noqa: E402

from wildtrace.app.accounts import Accounts  # noqa: E402
from wildtrace.app.sellers import resolve  # noqa: E402
from wildtrace.workspace import open_workspace  # noqa: E402

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("WILDTRACE_CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
# Read at import: the shared fixture clears WILDTRACE_* variables during tests.
_SHOTS_ENV = os.environ.get("WILDTRACE_E2E_SCREENSHOTS", "")
_WORKSPACE_ENV = os.environ.get("WILDTRACE_E2E_WORKSPACE", "")
ROOT = Path(__file__).resolve().parents[2]
WIDTHS = (390, 1280)
# Full-page screenshots of a long page stop here, so a queue of 16,000 rows stays a picture.
SHOT_MAX_HEIGHT = 2000

# One pass over the page in the browser: what scrolls sideways, what text is too small
# (an SVG label's size is its font size times the chart's scale on screen), which buttons
# and menu links are too small to tap, and whether the menu stays on screen.
MEASURE = """() => {
  const W = window.innerWidth;
  const visible = e => { const r = e.getBoundingClientRect();
    const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + (typeof e.className === 'string' && e.className
       ? '.' + e.className.split(' ').join('.') : '');
  const scrollsInside = e => { for (let p = e.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if ((o === 'auto' || o === 'scroll' || o === 'hidden') && p !== document.body
          && p !== document.documentElement) return true; } return false; };
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => visible(e) && e.getBoundingClientRect().right > W + 1 && !scrollsInside(e))
    .map(e => name(e) + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 8);
  const small = [];
  for (const e of document.querySelectorAll('body *')) {
    if (!visible(e)) continue;
    const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    let px = parseFloat(getComputedStyle(e).fontSize);
    const svg = e.closest('svg');
    // The map shrinks to any screen by design (it has no axis labels; every country's
    // count is also written out in text beneath it), so only its legend could shrink.
    if (svg && svg.matches('svg.map')) continue;
    if (svg && svg.viewBox && svg.viewBox.baseVal && svg.viewBox.baseVal.width) {
      px *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width; }
    if (px < 11.95) small.push(name(e) + ' ' + px.toFixed(1) + 'px: '
                               + e.textContent.trim().slice(0, 30));
  }
  const taps = [...document.querySelectorAll(
      'header.top nav a, header.top button, main button, main .button, main input[type=submit]')]
    .filter(visible);
  const tiny = taps.filter(e => { const r = e.getBoundingClientRect();
      return r.height < 39.5 || r.width < 39.5; })
    .map(e => name(e) + ' ' + Math.round(e.getBoundingClientRect().width) + 'x'
              + Math.round(e.getBoundingClientRect().height) + ' ' + e.textContent.trim());
  const nav = [...document.querySelectorAll('header.top nav a')].filter(visible);
  const offscreen = nav.filter(e => { const r = e.getBoundingClientRect();
      return r.left < 0 || r.right > W + 1; }).map(e => e.textContent.trim());
  return {scrollWidth: document.scrollingElement.scrollWidth, wide, small, tiny,
          nav: nav.map(e => e.textContent.trim()), offscreen, taps: taps.length};
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _workspace(tmp: Path) -> Path:
    """The workspace to serve: the one WILDTRACE_E2E_WORKSPACE names, else a seeded one."""
    if _WORKSPACE_ENV:
        wsdir = Path(_WORKSPACE_ENV)
        ws = open_workspace(wsdir)
        acc = Accounts(ws.store)
        have = {u.name for u in acc.list_users()}
        for user, role in (("ana", "analyst"), ("root", "admin")):
            if user not in have:
                acc.add_user(user, role, PASSWORD)
        ws.close()
        return wsdir
    wsdir = tmp / "ws"
    ws = open_workspace(wsdir)
    seed(ws)
    resolve(ws)  # a link run, as `wildtrace process` makes one: the network draws from it
    ws.close()
    return wsdir


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"chromium not found at {CHROMIUM} (Debian: apt-get install chromium)")
    pytest.importorskip("playwright", reason="playwright not installed "
                        "(pip install 'wildtrace[browser]')")
    wsdir = _workspace(tmp_path_factory.mktemp("e2e-responsive"))
    port = _free_port()
    exe = shutil.which("wildtrace", path=str(Path(sys.executable).parent)) or "wildtrace"
    proc = subprocess.Popen([exe, "--workspace", str(wsdir), "serve", "--host", "127.0.0.1",
                             "--port", str(port), "--no-tip-capture"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1):
                break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise RuntimeError("wildtrace serve did not start")
    # A citizen's tip, so the triage page has a row (public API: no login).
    tip = json.dumps({"url": "https://classifieds.example/ad/4471",
                      "description": "Cockatoo chicks, no papers, cash only"}).encode()
    req = urllib.request.Request(url + "/api/tips", data=tip, method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10):
        pass
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def _check(page: Any, label: str, width: int, shots: Path | None) -> list[str]:
    """What breaks the screen contract on the page now shown (saving its screenshot)."""
    # Frames and pictures drawn before measuring and before the screenshot.
    page.wait_for_load_state("networkidle")
    got = page.evaluate(MEASURE)
    where = f"{label} at {width} px: "
    problems = []
    if got["scrollWidth"] > width:
        problems.append(f"{where}page {got['scrollWidth']} px wide: {got['wide']}")
    if got["small"]:
        problems.append(f"{where}text below 12 px: {got['small'][:6]}")
    if got["tiny"]:
        problems.append(f"{where}tap targets below 40 px: {got['tiny'][:6]}")
    if got["offscreen"]:
        problems.append(f"{where}menu links off screen: {got['offscreen']}")
    if shots is not None:
        name = label + ("-phone" if width < 700 else "") + ".png"
        height = min(int(page.evaluate("document.scrollingElement.scrollHeight")),
                     SHOT_MAX_HEIGHT)
        page.screenshot(path=str(shots / name), full_page=True,
                        clip={"x": 0, "y": 0, "width": width, "height": height})
    return problems


def _login(page: Any, base: str, user: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/queue")


def _case_url(page: Any, base: str, listing: str) -> str:
    """The first case's address, opening one from ``listing`` when there is none yet."""
    page.goto(base + "/cases")
    first = page.locator("main table a[href^='/cases/']")
    if first.count():
        return base + str(first.first.get_attribute("href"))
    page.goto(base + listing)
    form = page.locator("#add-to-case")
    form.locator("select[name=case_id]").select_option("new")
    form.locator("input[name=new_title]").fill("Cockatoo chicks without papers")
    form.locator("button").click()
    page.wait_for_url("**/cases/*")
    return str(page.url)


def test_every_page_fits_a_phone_and_a_desktop(base: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    shots = Path(_SHOTS_ENV) if _SHOTS_ENV else None
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        problems: list[str] = []
        # Logged out first: the login page and the citizens' form.
        for width in WIDTHS:
            ctx = browser.new_context(viewport={"width": width, "height": 844})
            page = ctx.new_page()
            page.goto(base + "/login")
            problems += _check(page, "login", width, shots)
            page.goto(base + "/tips/new")
            problems += _check(page, "tip-form", width, shots)
            ctx.close()

        # The admin sees every page, the audit log included, and every form.
        desk = browser.new_context(viewport={"width": 1280, "height": 900})
        page = desk.new_page()
        _login(page, base, "root")
        listing = str(page.locator("#queue a, #browse a[href^='/listings/']")
                      .first.get_attribute("href") or "")
        if not listing:
            page.goto(base + "/browse")
            listing = str(page.locator("#browse td.title a").first.get_attribute("href"))
        listing = listing.split("?")[0]
        case = _case_url(page, base, listing).removeprefix(base)
        pages = [("queue", "/queue"), ("browse", "/browse"), ("listing", listing),
                 ("cases", "/cases"), ("case", case), ("dashboard", "/dashboard"),
                 ("triage", "/tips"), ("audit", "/audit")]
        cookies = desk.cookies()
        desk.close()
        for width in WIDTHS:
            ctx = browser.new_context(viewport={"width": width, "height": 844})
            ctx.add_cookies(cookies)  # type: ignore[arg-type]
            page = ctx.new_page()
            for label, path in pages:
                page.goto(base + path)
                assert "/login" not in page.url, (label, page.url)
                problems += _check(page, label, width, shots)
            ctx.close()
        browser.close()
    assert problems == [], "\n".join(problems)


def test_the_phone_menu_wraps_and_works_by_tapping(base: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        # A phone with touch and no JavaScript: the menu must not depend on a script.
        ctx = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True,
                                  is_mobile=True, java_script_enabled=False)
        page = ctx.new_page()
        _login(page, base, "root")
        links = page.locator("header.top nav a")
        names = [links.nth(i).inner_text() for i in range(links.count())]
        assert names == ["Queue", "Browse", "Dashboard", "Anticipate", "Cases", "Tips", "Audit log"]
        for i in range(links.count()):
            box = links.nth(i).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 391, \
                (names[i], box)
            assert box["height"] >= 40, (names[i], box)
        # The menu sits below the brand and the log-out button, on rows of its own.
        brand = page.locator("header.top .brand").bounding_box()
        first = links.first.bounding_box()
        assert brand is not None and first is not None and first["y"] >= brand["y"] + 30
        page.locator("header.top nav a", has_text="Cases").tap()
        page.wait_for_url("**/cases")
        page.locator("header.top nav a", has_text="Dashboard").tap()
        page.wait_for_url("**/dashboard")
        ctx.close()
        browser.close()
