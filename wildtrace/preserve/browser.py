"""Render pages in headless Chromium: a full-page PNG and the rendered DOM, with how and
when they were taken, for storing as evidentiary artefacts of a capture.

Uses Debian's chromium (setting ``chromium_path``) through Playwright with
``executable_path``; no browser is downloaded. Needs the ``[browser]`` extra.

A rendered page is a criminal's program running on the investigator's machine, so:

* **Chromium's sandbox is on.** Chromium refuses to start sandboxed as root; as root
  it is started as an unprivileged user (``nobody``, through util-linux's ``setpriv``,
  with no capabilities and no new privileges), which lets its user-namespace sandbox
  run. When that is impossible the browser is not used at all (fail closed).
* **Chromium has no network of its own.** It is pointed at a proxy that refuses every
  connection (a reserved local port nothing listens on, loopback included), so nothing
  it might do unasked (preconnect, a redirect it follows, prefetch) reaches anything.
  Every request it makes (page, image, stylesheet, iframe, script, ``fetch()``/XHR) is
  intercepted and fetched on its behalf, hop by hop, only when the run's
  :class:`~wildtrace.collect.netguard.NetPolicy` allows each hop; WebSockets are never
  opened and service workers are blocked. Each refusal is kept with its reason.

A browser crawl (:mod:`wildtrace.collect.browsercrawl`) also needs what the page
loaded: with ``record``, every response fetched on the browser's behalf (the page, its
redirect hops, images, scripts, ``fetch()`` answers) is kept as an
:class:`~wildtrace.records.Exchange` for the WARC, within ``max_response_bytes`` each
and ``max_page_bytes`` a page (past them a response is refused and noted), so that the
WACZ replays the page with its pictures. :meth:`Chromium.render` can scroll and press a
"load more" button first (a site profile says how). Cookies of the analyst's own session
(``add_cookies``) are sent by the browser as usual, but never written to the WARC:
``Cookie`` request headers are left out and ``Set-Cookie`` values withheld.

**Through a SOCKS5 proxy** (``proxy``, the run's ``socks5h://`` setting; Tor), the
fetches made on Chromium's behalf go through the proxy: Playwright's fetcher is given
``socks5://HOST:PORT``, which it sends as a *name* request (it turns ``socks5`` into
``socks5h`` itself), so nothing is resolved here and ``.onion`` names reach the proxy.
Chromium itself still has only the refusing proxy (our ``--proxy-server`` comes after
Playwright's, and the last one counts), and ``--host-resolver-rules`` maps every name
but the proxy's to "not found", so even a lookup Chromium attempted on its own would
fail rather than leak. The guard runs in its proxied mode (no local DNS; internal
IP literals still refused). Chromium, and Playwright's fetcher, cannot authenticate to
a SOCKS5 proxy: a proxy URL with credentials is refused for the browser
(:func:`browser_unavailable`) rather than silently used without them.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from wildtrace.collect.netguard import NetPolicy
from wildtrace.collect.proxy import shown_proxy
from wildtrace.records import Exchange

if TYPE_CHECKING:
    from playwright.sync_api import (
        APIResponse,
        BrowserContext,
        Page,
        Playwright,
        Request,
        Route,
        WebSocketRoute,
    )

LAUNCH_ARGS = ["--headless", "--disable-gpu",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run", "--proxy-bypass-list=<-loopback>"]
VIEWPORT: Any = {"width": 1280, "height": 900}  # Playwright's ViewportSize
MAX_HEIGHT = 16_000  # px; taller pages are cut (Chromium's own limit is near this)
REDIRECTS = (301, 302, 303, 307, 308)
UNPRIVILEGED = "nobody"
# Framing the recorder must not replay as sent: Playwright hands over the body decoded.
_REFRAMED = {"content-encoding", "content-length", "transfer-encoding"}
_SECRET_REQUEST = {"cookie", "authorization", "proxy-authorization"}
WITHHELD = "[withheld by wildtrace: the analyst's session cookie]"
SETTLE_MS = 5000  # most time a scroll or click waits for the network to go quiet
QUIET_MS = 500  # ... that is, for this long with no request of the page in flight


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def proxy_refusal(proxy: str) -> str:
    """Why the browser cannot go through ``proxy`` (a ``socks5h://`` setting), or ``""``.

    Neither Chromium nor Playwright's fetcher can authenticate to a SOCKS5 proxy; using
    the proxy without its credentials would fail, or worse, lose Tor's stream isolation
    unnoticed, so such a proxy is refused for the browser with what to do instead."""
    if not proxy:
        return ""
    parts = urlsplit(proxy)
    if parts.username is not None or parts.password is not None:
        return (f"the browser cannot authenticate to a SOCKS5 proxy, and the proxy "
                f"setting has a user name or password ({shown_proxy(proxy)}): use a "
                "proxy without credentials for browser crawls and screenshots (plain "
                "crawls and captures can use this one)")
    return ""


def browser_proxy(proxy: str) -> dict[str, str] | None:
    """Playwright's proxy option for ``proxy`` (``socks5h://HOST:PORT``), or None."""
    if not proxy:
        return None
    why = proxy_refusal(proxy)
    if why:
        raise ValueError(why)
    # Playwright spells it socks5:// and sends names to the proxy (socks5h) itself.
    return {"server": "socks5://" + shown_proxy(proxy).split("://", 1)[1]}


def resolver_rules(proxy: str) -> str:
    """``--host-resolver-rules`` for a proxied browser: every name not found, except
    the proxy's own (which the operator chose, and Playwright may need to look up)."""
    host = urlsplit(proxy).hostname or ""
    return "MAP * ~NOTFOUND" + (f" , EXCLUDE {host}" if host else "")


def browser_unavailable(chromium: str, proxy: str = "") -> str:
    """Why the browser cannot run here (through ``proxy``, when set), or ``""`` when it
    can."""
    why = proxy_refusal(proxy)
    if why:
        return why
    if not Path(chromium).exists():
        return f"chromium not found at {chromium} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install 'wildtrace[browser]')"
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            return ("running as root, and Chromium's sandbox needs an unprivileged user: "
                    "install util-linux (setpriv) or run wildtrace as another user")
        try:
            pwd.getpwnam(UNPRIVILEGED)
        except KeyError:
            return (f"running as root, and there is no {UNPRIVILEGED!r} user to run "
                    "Chromium sandboxed as")
    return ""


@dataclass(frozen=True)
class Rendering:
    """One page as Chromium rendered it: the screenshot, the DOM, and ``detail`` (URL,
    final URL, times, Chromium version, HTTP status, viewport, whether it was cut)."""

    png: bytes
    dom: bytes
    detail: dict[str, Any]
    # With ``record``: every response the page loaded, in order; ``main`` indexes the
    # page's own (final) response in it, -1 when none was recorded.
    exchanges: tuple[Exchange, ...] = ()
    main: int = -1

    @property
    def main_exchange(self) -> Exchange | None:
        """The page's own response as the server sent it (None when not recorded)."""
        return self.exchanges[self.main] if 0 <= self.main < len(self.exchanges) else None


@dataclass
class _Profile:
    """Chromium's throwaway profile folder, the executable to start, and the closed
    local port that serves as its (refusing) proxy."""

    root: str
    executable: str
    env: dict[str, str | float | bool]  # Playwright's type for a child environment
    dead_port: socket.socket = field(default_factory=socket.socket)

    @property
    def folder(self) -> str:
        return os.path.join(self.root, "profile")

    def close(self) -> None:
        self.dead_port.close()
        shutil.rmtree(self.root, ignore_errors=True)


def _profile(chromium: str) -> _Profile:
    """A fresh profile; as root, with a launcher that drops to an unprivileged user
    (Chromium's sandbox will not start as root)."""
    root = tempfile.mkdtemp(prefix="wildtrace-chromium-")
    profile = _Profile(root, chromium, {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                                        "HOME": os.path.join(root, "profile")})
    # Bound, never listening: connecting to it is refused, and no one else can take it.
    profile.dead_port.bind(("127.0.0.1", 0))
    os.mkdir(profile.folder, 0o700)
    if os.geteuid() == 0:
        user = pwd.getpwnam(UNPRIVILEGED)
        os.chmod(root, 0o711)  # the unprivileged browser may pass through, not list
        os.chown(profile.folder, user.pw_uid, user.pw_gid)
        launcher = os.path.join(root, "chromium")
        with open(launcher, "w", encoding="utf-8") as fh:
            fh.write("#!/bin/sh\n"
                     f"exec setpriv --reuid={user.pw_uid} --regid={user.pw_gid} "
                     "--clear-groups --inh-caps=-all --no-new-privs -- "
                     f"'{chromium}' \"$@\"\n")
        os.chmod(launcher, 0o700)
        profile.executable = launcher
    return profile


class Chromium:
    """Headless Chromium for one run, as a context manager: one sandboxed browser, one
    context (our User-Agent, a fixed viewport, no service workers, every request through
    ``policy``), a fresh tab per page. ``refused`` lists (URL, why) of each request the
    guard stopped during the last :meth:`render`."""

    def __init__(self, executable: str, *, user_agent: str, timeout: float,
                 policy: NetPolicy | None = None, max_redirects: int = 5,
                 record: bool = False, max_response_bytes: int = 10_000_000,
                 max_page_bytes: int = 50_000_000, proxy: str = "") -> None:
        self.executable = executable
        self.proxy = proxy
        self._proxy_option = browser_proxy(proxy)  # ValueError: credentials
        self.user_agent = user_agent
        self.timeout_ms = max(1.0, timeout) * 1000
        self.policy = policy if policy is not None else NetPolicy()
        self.max_redirects = max_redirects
        self.record = record
        self.max_response_bytes = max_response_bytes
        self.max_page_bytes = max_page_bytes
        self.refused: list[tuple[str, str]] = []
        self.exchanges: list[Exchange] = []
        self._main = -1
        self._page_bytes = 0
        self._logged_in = False
        self._in_flight = 0  # requests being fetched for the page (see _settle)
        self._next = ""  # where the page's own redirect points (see _route)
        self._pw: Playwright | None = None
        self._context: BrowserContext | None = None
        self._profile: _Profile | None = None
        self.version = ""

    def __enter__(self) -> Chromium:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        try:
            self._profile = profile = _profile(self.executable)
            dead = f"--proxy-server=http://127.0.0.1:{profile.dead_port.getsockname()[1]}"
            args = [*LAUNCH_ARGS, dead]
            options: dict[str, Any] = {}
            if self._proxy_option is not None:
                # For Playwright's fetcher (route.fetch, context.request); Chromium's
                # own switch from it is overridden by ``dead``, which comes later.
                options["proxy"] = self._proxy_option
                args.append(f"--host-resolver-rules={resolver_rules(self.proxy)}")
            self._context = self._pw.chromium.launch_persistent_context(
                profile.folder, executable_path=profile.executable, headless=True,
                chromium_sandbox=True, args=args, env=profile.env,
                user_agent=self.user_agent, viewport=VIEWPORT, service_workers="block",
                **options)
            self.version = self._context.browser.version if self._context.browser else ""
            self._context.route("**/*", self._route)
            self._context.route_web_socket("**/*", self._socket)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if self._context is not None:
                self._context.close()
        finally:
            self._context = None
            if self._pw is not None:
                self._pw.stop()
                self._pw = None
            if self._profile is not None:
                self._profile.close()
                self._profile = None

    def _refuse(self, url: str, why: str) -> None:
        if len(self.refused) < 1000:
            self.refused.append((url[:500], why))

    def add_cookies(self, cookies: list[dict[str, Any]]) -> None:
        """Give the browser the analyst's own session cookies (``add_cookies`` shape);
        from now on ``Set-Cookie`` values are withheld from recorded responses."""
        assert self._context is not None, "use Chromium as a context manager"
        if cookies:
            self._context.add_cookies(cookies)  # type: ignore[arg-type]
            self._logged_in = True

    def _over_limit(self, resp: APIResponse, url: str) -> tuple[bytes, str]:
        """The body of ``resp``, or why it is refused (over a size limit)."""
        declared = resp.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_response_bytes:
            return b"", (f"refused {url[:200]}: {declared} bytes is over max_body_bytes "
                         f"({self.max_response_bytes})")
        body = resp.body()
        if len(body) > self.max_response_bytes:
            return b"", (f"refused {url[:200]}: {len(body)} bytes is over max_body_bytes "
                         f"({self.max_response_bytes})")
        if self._page_bytes + len(body) > self.max_page_bytes:
            return b"", (f"refused {url[:200]}: the page has loaded {self._page_bytes} "
                         f"bytes; browser_page_bytes ({self.max_page_bytes}) would be "
                         "passed")
        self._page_bytes += len(body)
        return body, ""

    def _keep(self, request: Request, url: str, resp: APIResponse, body: bytes,
              started: str, top: bool) -> None:
        """Keep one fetched response as an exchange for the WARC."""
        if not self.record:
            return
        req_headers = [(k, v) for k, v in request.headers.items()
                       if k.lower() not in _SECRET_REQUEST]
        host = url.split("/")[2] if "://" in url else ""
        if host and not any(k.lower() == "host" for k, _ in req_headers):
            req_headers.insert(0, ("Host", host))
        headers: list[tuple[str, str]] = []
        for item in resp.headers_array:
            name, value = item["name"], item["value"]
            low = name.lower()
            if low in _REFRAMED:
                headers.append((f"X-Archive-Orig-{name}", value))
            elif low == "set-cookie" and self._logged_in:
                headers.append((name, WITHHELD))
            else:
                headers.append((name, value))
        headers.append(("Content-Length", str(len(body))))
        if top and resp.status not in REDIRECTS:
            self._main = len(self.exchanges)
        self.exchanges.append(Exchange(
            url=url, method=request.method,
            request_headers=tuple(req_headers), status=resp.status,
            reason=resp.status_text or "", protocol="HTTP/1.1",
            response_headers=tuple(headers), body=body, server_ip="", started=started,
            ended=_now()))

    def _route(self, route: Route, request: Request) -> None:
        """Fetch one request for Chromium, hop by hop, each hop checked by the policy.

        Chromium itself can reach nothing (module doc), and Playwright does not show a
        redirect's next hop to a route, so redirects are never handed back to Chromium
        to follow: a sub-resource's hops are followed here; the page's own redirect is
        noted and :meth:`render` navigates to it (so it is routed, and checked, anew).
        """
        url = request.url
        if url.split(":", 1)[0].lower() in ("data", "blob"):
            route.continue_()  # the page's own bytes: no network
            return
        self._in_flight += 1
        try:
            self._fetch_for(route, request, url)
        finally:
            self._in_flight -= 1

    def _fetch_for(self, route: Route, request: Request, url: str) -> None:
        """:meth:`_route`'s work (counted in flight around it)."""
        from playwright.sync_api import Error as PlaywrightError

        top = request.is_navigation_request() and request.frame.parent_frame is None
        current = url
        for _hop in range(self.max_redirects + 1):
            why = self.policy.refusal(current)
            if why:
                self._refuse(current, why)
                route.abort("blockedbyclient")
                return
            started = _now()
            try:
                resp = route.fetch(url=current, max_redirects=0, timeout=self.timeout_ms)
                body, why = self._over_limit(resp, current)
            except PlaywrightError as exc:
                self._refuse(current, f"fetch failed: {str(exc).splitlines()[0][:200]}")
                route.abort("failed")
                return
            if why:
                self._refuse(current, why)
                route.abort("blockedbyclient")
                return
            self._keep(request, current, resp, body, started, top)
            location = resp.headers.get("location", "") if resp.status in REDIRECTS else ""
            if not location:
                route.fulfill(response=resp)
                return
            current = urljoin(current, location)
            if top:
                self._next = current
                route.abort("aborted")
                return
        self._refuse(url, f"more than {self.max_redirects} redirects")
        route.abort("failed")

    def _socket(self, ws: WebSocketRoute) -> None:
        # Never connected: a screenshot needs no live socket, and a socket is a channel
        # out of the page that a route cannot inspect.
        self._refuse(ws.url, "WebSockets are not opened by the capture browser")
        ws.close()

    def fetch(self, url: str) -> Exchange | str:
        """GET ``url`` outside any page (robots.txt), hop by hop under the policy; the
        final exchange (for the caller to record), or why it failed."""
        from playwright.sync_api import Error as PlaywrightError

        assert self._context is not None, "use Chromium as a context manager"
        current = url
        for _hop in range(self.max_redirects + 1):
            why = self.policy.refusal(current)
            if why:
                return why
            started = _now()
            try:
                resp = self._context.request.get(current, max_redirects=0,
                                                 timeout=self.timeout_ms)
                self._page_bytes = 0
                body, why = self._over_limit(resp, current)
            except PlaywrightError as exc:
                return f"fetch failed: {str(exc).splitlines()[0][:200]}"
            if why:
                return why
            headers = tuple((h["name"], h["value"]) for h in resp.headers_array
                            if h["name"].lower() not in _REFRAMED)
            ex = Exchange(url=current, method="GET",
                          request_headers=(("Host", current.split("/")[2]),
                                           ("User-Agent", self.user_agent)),
                          status=resp.status, reason=resp.status_text or "",
                          protocol="HTTP/1.1",
                          response_headers=(*headers, ("Content-Length", str(len(body)))),
                          body=body, server_ip="", started=started, ended=_now())
            location = resp.headers.get("location", "") if resp.status in REDIRECTS else ""
            if not location:
                return ex
            current = urljoin(current, location)
        return f"more than {self.max_redirects} redirects"

    def _settle(self, page: Page) -> None:
        """Wait for the page's requests to go quiet (none in flight for QUIET_MS) after
        a scroll or a click, at most SETTLE_MS. (Playwright's "networkidle" state is
        reached once per page, so it cannot tell when a click's fetch has finished.)"""
        deadline = time.monotonic() + min(SETTLE_MS, self.timeout_ms) / 1000
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            page.wait_for_timeout(50)  # route handlers run while Playwright waits
            now = time.monotonic()
            if self._in_flight:
                quiet_since = now
            elif now - quiet_since >= QUIET_MS / 1000:
                return

    def _act(self, page: Page, scroll: int, load_more: str, max_clicks: int
             ) -> dict[str, Any]:
        """Scroll to the bottom ``scroll`` times and press the ``load_more`` button
        (a CSS selector) until it is gone or ``max_clicks`` presses; what was done."""
        from playwright.sync_api import Error as PlaywrightError

        done: dict[str, Any] = {"scrolls": 0, "clicks": 0}
        for _ in range(max(0, scroll)):
            before = page.evaluate("document.documentElement.scrollHeight")
            page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
            self._settle(page)
            done["scrolls"] += 1
            if page.evaluate("document.documentElement.scrollHeight") == before:
                break  # nothing more came
        for _ in range(max(0, max_clicks) if load_more else 0):
            try:
                button = page.locator(f"css={load_more}").first
                if not button.count() or not button.is_visible() or \
                        not button.is_enabled():
                    break
                size = page.evaluate("document.documentElement.outerHTML.length")
                button.click(timeout=min(5000.0, self.timeout_ms))
            except PlaywrightError as exc:
                done["click_error"] = str(exc).splitlines()[0][:200]
                break
            self._settle(page)
            done["clicks"] += 1
            if page.evaluate("document.documentElement.outerHTML.length") == size:
                break  # the button brought nothing: a decoy, or the end
        return done

    def render(self, url: str, *, scroll: int = 0, load_more: str = "",
               max_clicks: int = 20, screenshot: bool = True) -> Rendering | str:
        """Load ``url`` (then scroll and press "load more" as asked) and take its
        screenshot and DOM; on a browser error or a refusal, a one-line reason instead."""
        from playwright.sync_api import Error as PlaywrightError

        assert self._context is not None, "use Chromium as a context manager"
        self.refused = []
        self.exchanges = []
        self._main = -1
        self._page_bytes = 0
        page = self._context.new_page()
        started = _now()
        try:
            current, hops = url, []
            for _hop in range(self.max_redirects + 1):
                self._next = ""
                try:
                    resp = page.goto(current, wait_until="load", timeout=self.timeout_ms)
                    break
                except PlaywrightError as exc:
                    if not self._next:
                        refused = [why for u, why in self.refused if u == current]
                        return refused[0] if refused else str(exc).splitlines()[0][:300]
                    current = self._next
                    hops.append(current)
            else:
                return f"more than {self.max_redirects} redirects"
            # "load" fires before the page's own fetches have drawn it: a crawl waits
            # for them (a capture of a static page takes it as loaded).
            if self.record or scroll or load_more:
                self._settle(page)
            actions = self._act(page, scroll, load_more, max_clicks) \
                if scroll or load_more else {}
            height = page.evaluate("document.documentElement.scrollHeight")
            clip: Any = None
            if isinstance(height, (int, float)) and height > MAX_HEIGHT:
                clip = {"x": 0, "y": 0, "width": VIEWPORT["width"], "height": MAX_HEIGHT}
            png = page.screenshot(full_page=True, type="png", clip=clip) \
                if screenshot else b""
            dom = page.content().encode("utf-8")
            detail: dict[str, Any] = {"url": url, "final_url": page.url, "redirects": hops,
                      "started": started, "ended": _now(), "chromium": self.version,
                      "status": resp.status if resp is not None else None,
                      "viewport": f"{VIEWPORT['width']}x{VIEWPORT['height']}",
                      "truncated": clip is not None, "sandbox": True,
                      "refused": [{"url": u, "reason": why} for u, why in self.refused]}
            if self.proxy:
                detail["proxy"] = shown_proxy(self.proxy)
            if actions:
                detail["actions"] = actions
            if self.record:
                detail["responses"] = len(self.exchanges)
                detail["response_bytes"] = self._page_bytes
            return Rendering(png, dom, detail, tuple(self.exchanges), self._main)
        finally:
            page.close()
