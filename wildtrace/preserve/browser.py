"""Render captured pages in headless Chromium: a full-page PNG and the rendered DOM,
stored as evidentiary artefacts of their capture.

Uses Debian's chromium (setting ``chromium_path``) through Playwright with
``executable_path``; no browser is downloaded. Needs the ``[browser]`` extra.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wildtrace.preserve.capture import Preserver
from wildtrace.workspace import Workspace

LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]
VIEWPORT: Any = {"width": 1280, "height": 900}  # Playwright's ViewportSize
MAX_HEIGHT = 16_000  # px; taller pages are cut (Chromium's own limit is near this)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def browser_unavailable(chromium: str) -> str:
    """Why the browser cannot run here, or ``""`` when it can."""
    if not Path(chromium).exists():
        return f"chromium not found at {chromium} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install 'wildtrace[browser]')"
    return ""


def render_all(ws: Workspace, preserver: Preserver,
               captures: dict[str, int]) -> list[dict[str, Any]]:
    """Screenshot and DOM for each ``url -> capture id``; failures are reported per URL."""
    from wildtrace.config import user_agent

    chromium = str(ws.settings.chromium_path)
    why = browser_unavailable(chromium)
    if why:
        return [{"url": u, "capture_id": c, "error": why} for u, c in captures.items()]
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    out: list[dict[str, Any]] = []
    timeout_ms = max(1.0, float(ws.settings.timeout)) * 1000
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True,
                                     args=LAUNCH_ARGS)
        version = browser.version
        try:
            context = browser.new_context(user_agent=user_agent(ws.settings),
                                          viewport=VIEWPORT, service_workers="block")
            for url, capture_id in captures.items():
                page = context.new_page()
                started = _now()
                try:
                    resp = page.goto(url, wait_until="load", timeout=timeout_ms)
                    height = page.evaluate("document.documentElement.scrollHeight")
                    clip: Any = None
                    if isinstance(height, (int, float)) and height > MAX_HEIGHT:
                        clip = {"x": 0, "y": 0, "width": VIEWPORT["width"],
                                "height": MAX_HEIGHT}
                    png = page.screenshot(full_page=True, type="png", clip=clip)
                    dom = page.content().encode("utf-8")
                    ended = _now()
                    detail = {"url": url, "final_url": page.url, "started": started,
                              "ended": ended, "chromium": version,
                              "status": resp.status if resp is not None else None,
                              "viewport": f"{VIEWPORT['width']}x{VIEWPORT['height']}",
                              "truncated": clip is not None}
                    shot = preserver.add_artefact(capture_id, "screenshot", png, "image/png",
                                                  detail)
                    dom_sha = preserver.add_artefact(capture_id, "dom", dom,
                                                     "text/html; charset=utf-8", detail)
                    out.append({"url": url, "capture_id": capture_id,
                                "screenshot_sha256": shot, "dom_sha256": dom_sha})
                except PlaywrightError as exc:
                    out.append({"url": url, "capture_id": capture_id,
                                "error": str(exc).splitlines()[0][:300]})
                finally:
                    page.close()
        finally:
            browser.close()
    return out
