"""The browser crawl, composed: the collect stage's loop
(:mod:`wildtrace.collect.browsercrawl`) driving the preserve stage's Chromium, with the
analyst's sessions, and each page's screenshot and collection metadata kept as evidence.

A crawl goes through the browser when asked (``crawl --browser``), when a site profile
of one of its sites says ``render = "browser"``, or when one of its sites has a stored
session (logged-in collection needs the browser's cookie jar). For every page stored:

* every response the page loaded is already in the WARC (request and response records);
* its screenshot is written to the WARC as a ``resource`` record
  (``urn:screenshot:URL``, which WACZ players show) and kept as a ``screenshot``
  artefact of the capture (custody-logged);
* a ``metadata`` record says how it was collected: by which browser, what was scrolled
  or pressed, what the guard refused, and, logged in, as which of the analyst's
  accounts (the capture's custody entry names the account too).

A lapsed session pauses its site (:func:`wildtrace.app.sessions.pause`): the summary
lists paused sites, and ``wildtrace session renew`` resumes them.

With the ``proxy`` setting (Tor), everything the browser loads goes through the SOCKS5
proxy, names resolved by the proxy (:mod:`wildtrace.preserve.browser`); the metadata
record and each capture's custody entry name the proxy, as a plain crawl's do.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from wildtrace.app.audit import cli_user
from wildtrace.app.pageworker import LocalPages
from wildtrace.app.plan import CrawlPlan, crawl_processor
from wildtrace.app.runner import CrawlSummary, RunOptions, run_crawler
from wildtrace.app.sessions import LiveSession, pause, sessions_for
from wildtrace.collect.browsercrawl import (
    BrowserCrawl,
    Rendered,
    RenderRule,
    load_render_rules,
    rule_for,
)
from wildtrace.collect.frontier import Frontier
from wildtrace.collect.proxy import shown_proxy
from wildtrace.collect.sessions import LOGIN_PATH, host_matches, lapse_reason
from wildtrace.collect.spider import CrawlContext, CrawlStats
from wildtrace.config import user_agent
from wildtrace.errors import ConfigError
from wildtrace.extract.pagekind import CAPTCHA, LOGIN, classify_page
from wildtrace.extract.profiles import PACKAGED
from wildtrace.preserve.browser import Chromium, Rendering, browser_unavailable
from wildtrace.records import Page, PageOutcome, RowError
from wildtrace.workspace import Workspace


def render_rules(ws: Workspace) -> list[RenderRule]:
    """The rendering rules of the packaged and the workspace's site profiles."""
    return load_render_rules(PACKAGED, ws.root / "profiles")


def wants_browser(ws: Workspace, domains: set[str], asked: bool) -> bool:
    """Whether a crawl of ``domains`` goes through the browser (see the module doc)."""
    if asked:
        return True
    rules = render_rules(ws)
    if any((r := rule_for(rules, f"http://{d}/")) is not None and r.browser
           for d in domains):
        return True
    sites = {r.site for r in ws.store.sessions.all()}
    return any(d == s or d.endswith("." + s) for d in
               (x.removeprefix("www.") for x in domains) for s in sites)


def _rendered(shown: Rendering) -> Rendered:
    d = shown.detail
    return Rendered(url=str(d.get("final_url", d.get("url", ""))),
                    status=int(d.get("status") or 0), dom=shown.dom,
                    redirects=tuple(d.get("redirects", ())), exchanges=shown.exchanges,
                    main=shown.main, started=str(d.get("started", "")),
                    ended=str(d.get("ended", "")), png=shown.png, detail=d)


def _lapse(shown: Rendered, asked: str, logged_in: bool) -> str:
    """Why the rendered page is a lapsed session's or a robot check, or ``""``.

    The status and the address the browser ended on are collect's to judge
    (:func:`~wildtrace.collect.sessions.lapse_reason`); what the page itself is comes
    from the extract stage's page kinds (a CAPTCHA always counts; a login page only
    where the site is collected logged in, and not when it is the page asked for)."""
    html = shown.dom[:400_000].decode("utf-8", errors="replace")
    why = lapse_reason(shown.status, shown.url, asked, html, logged_in=logged_in)
    if why or shown.status >= 400:
        return why
    try:
        kind = classify_page(html, shown.url)
    except Exception:  # noqa: BLE001 - a hostile page: judged by the rules above only
        return ""
    if kind.kind == CAPTCHA or (logged_in and kind.kind == LOGIN
                                and not LOGIN_PATH.search(urlsplit(asked).path)):
        return f"a {kind.kind} page was served ({kind.reason})"
    return ""


class _Keeper:
    """What a browser crawl adds to each stored page (see the module doc)."""

    def __init__(self, ws: Workspace, work: LocalPages, chromium: Chromium,
                 live: dict[str, LiveSession], errors: list[RowError]) -> None:
        self.ws = ws
        self.work = work
        self.chromium = chromium
        self.live = live
        self.errors = errors
        self.pages: Counter[str] = Counter()  # site -> pages captured logged in

    def refused(self, url: str) -> None:
        """Keep what the guard refused while ``url`` was rendered, as run errors."""
        self.errors.extend(RowError(u, None, f"{why} (asked for by {url})")
                           for u, why in self.chromium.refused)

    def stored(self, page: Page, shown: Rendered, outcome: PageOutcome) -> None:
        session = self.work.session
        recorder = session.recorder
        main_id = ""
        if 0 <= shown.main < len(page.exchanges):
            main_id = page.exchanges[shown.main]
        host = urlsplit(page.requested_url).hostname or ""
        site = next((s for s in self.live if page.account and host_matches(host, s)), "")
        meta: dict[str, Any] = {
            "collected-by": "wildtrace browser crawl",
            "browser": f"chromium {self.chromium.version}",
            "operator": session.operator, "requested-url": page.requested_url,
            "final-url": page.url, "responses-recorded": len(shown.exchanges),
            "actions": shown.detail.get("actions", {}),
            "refused": shown.detail.get("refused", []),
            "logged-in": bool(page.account)}
        if page.proxy:
            meta["proxy"] = page.proxy
        if page.account:
            meta.update({"logged-in-as": page.account, "session-site": site,
                         "account-kind": "the analyst's own account"})
            self.pages[site] += 1
        recorder.metadata(page.url, meta, refers_to=main_id, date=shown.ended)
        if shown.png:
            recorder.resource(f"urn:screenshot:{page.url}", shown.png, "image/png",
                              concurrent_to=main_id, date=shown.ended)
            capture_id = self.work.processor.captures.get(page.requested_url)
            if capture_id is not None:
                detail = {k: v for k, v in shown.detail.items() if k != "refused"}
                if page.account:
                    detail["logged_in_as"] = page.account
                session.preserver.add_artefact(capture_id, "screenshot", shown.png,
                                               "image/png", detail)

    def close(self) -> None:
        """Count the pages each session captured, and log the use in the audit log
        (whose account collected how much of which closed site)."""
        for site, n in self.pages.items():
            self.ws.store.sessions.count_pages(site, n)
            self.ws.store.audit.record(cli_user(self.ws), "session_use", "site_session",
                                       site, {"account": self.live[site].account,
                                              "pages": n})


def browser_crawl(ws: Workspace, plan: CrawlPlan, frontier: Frontier, opts: RunOptions
                  ) -> CrawlSummary:
    """Run a crawl through headless Chromium (see the module doc)."""
    executable = ws.settings.chromium_path
    why = browser_unavailable(executable, ws.settings.proxy)
    if why:
        raise ConfigError(f"the browser crawl cannot run: {why}")
    live, paused_rows = sessions_for(ws, opts.domains)
    paused = {site: f"session paused since {row.paused_at:%Y-%m-%d %H:%M} UTC: "
                    f"{row.reason} (renew it: wildtrace session renew {site} FILE)"
              for site, row in paused_rows.items() if row.paused_at is not None}
    processor, scorer = crawl_processor(ws, plan)
    processor.remember = True  # the screenshot joins its page's capture
    work = LocalPages(processor, scorer)
    s = ws.settings
    rules = render_rules(ws)
    chromium = Chromium(executable, user_agent=user_agent(s), timeout=s.timeout,
                        policy=opts.policy, max_redirects=int(s.max_redirects),
                        record=True, max_response_bytes=int(s.max_body_bytes),
                        max_page_bytes=int(s.browser_page_bytes), proxy=s.proxy)
    keeper = _Keeper(ws, work, chromium, live, opts.errors)

    def render(url: str, rule: RenderRule) -> Rendered | str:
        shown = chromium.render(url, scroll=rule.scroll, load_more=rule.load_more,
                                max_clicks=rule.max_clicks)
        keeper.refused(url)
        return shown if isinstance(shown, str) else _rendered(shown)

    def on_pause(site: str, reason: str, url: str) -> None:
        pause(ws, site, reason, url)

    run_paused = dict(paused)  # the crawl adds the sites it pauses

    def engine(ctx: CrawlContext) -> CrawlStats:
        with chromium:
            for session in live.values():
                chromium.add_cookies([c.for_browser() for c in session.cookies])
            crawl = BrowserCrawl(
                ctx, render, chromium.fetch, rules, float(s.delay),
                obey_robots=bool(s.obey_robots),
                accounts={site: x.account for site, x in live.items()},
                lapsed=_lapse, on_pause=on_pause, on_stored=keeper.stored,
                paused=run_paused, proxy=shown_proxy(s.proxy))
            try:
                return crawl.run()
            finally:
                keeper.close()

    summary = run_crawler(ws, work, frontier, opts, engine=engine)
    return summary.with_paused(run_paused)
