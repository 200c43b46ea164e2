"""Render pages in headless Chromium: a full-page PNG and the rendered DOM, with how and
when they were taken, for storing as evidentiary artefacts of a capture.

Uses Debian's chromium (setting ``chromium_path``) through Playwright with
``executable_path``; no browser is downloaded. Needs the ``[browser]`` extra.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Playwright

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


@dataclass(frozen=True)
class Rendering:
    """One page as Chromium rendered it: the screenshot, the DOM, and ``detail`` (URL,
    final URL, times, Chromium version, HTTP status, viewport, whether it was cut)."""

    png: bytes
    dom: bytes
    detail: dict[str, Any]


class Chromium:
    """Headless Chromium for one run, as a context manager: one browser, one context
    (our User-Agent, a fixed viewport, no service workers), a fresh tab per page."""

    def __init__(self, executable: str, *, user_agent: str, timeout: float) -> None:
        self.executable = executable
        self.user_agent = user_agent
        self.timeout_ms = max(1.0, timeout) * 1000
        self._pw: Playwright | None = None
        self._browser: Browser | None = None
        self._context: BrowserContext | None = None
        self.version = ""

    def __enter__(self) -> Chromium:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        try:
            self._browser = self._pw.chromium.launch(
                executable_path=self.executable, headless=True, args=LAUNCH_ARGS)
            self.version = self._browser.version
            self._context = self._browser.new_context(
                user_agent=self.user_agent, viewport=VIEWPORT, service_workers="block")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if self._browser is not None:
                self._browser.close()
        finally:
            self._browser = self._context = None
            if self._pw is not None:
                self._pw.stop()
                self._pw = None

    def render(self, url: str) -> Rendering | str:
        """Load ``url`` and take its screenshot and DOM; on a browser error, the first
        line of its message instead."""
        from playwright.sync_api import Error as PlaywrightError

        assert self._context is not None, "use Chromium as a context manager"
        page = self._context.new_page()
        started = _now()
        try:
            resp = page.goto(url, wait_until="load", timeout=self.timeout_ms)
            height = page.evaluate("document.documentElement.scrollHeight")
            clip: Any = None
            if isinstance(height, (int, float)) and height > MAX_HEIGHT:
                clip = {"x": 0, "y": 0, "width": VIEWPORT["width"], "height": MAX_HEIGHT}
            png = page.screenshot(full_page=True, type="png", clip=clip)
            dom = page.content().encode("utf-8")
            detail = {"url": url, "final_url": page.url, "started": started,
                      "ended": _now(), "chromium": self.version,
                      "status": resp.status if resp is not None else None,
                      "viewport": f"{VIEWPORT['width']}x{VIEWPORT['height']}",
                      "truncated": clip is not None}
            return Rendering(png, dom, detail)
        except PlaywrightError as exc:
            return str(exc).splitlines()[0][:300]
        finally:
            page.close()
