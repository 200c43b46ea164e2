"""The browser crawl: pages that only show their listings once JavaScript has run,
fetched in headless Chromium instead of Scrapy, one page at a time.

The loop is the spider's in miniature, over the same persisted frontier and handing
pages to the same page worker: take the best queued URLs, obey robots.txt (fetched
once a site, Crawl-delay applied) and the delay between pages of a site, render the
page (scrolling and pressing "load more" as the site's profile says), record every
response it loaded for the WARC, and hand the rendered DOM on as the page, so the
extractor sees the listings the script drew and the links it made are followed.

The renderer is handed in (the preserve stage's Chromium; see
:mod:`wildtrace.app.browser_crawl`), so this stage needs no browser of its own: it calls
``render(url, rule)`` and gets a :class:`Rendered` or a one-line reason.

Logged-in sites (``accounts``: site -> the analyst's account) are watched for a lapsed
session: a page that ``lapsed`` judges a login page, a refusal or a robot check is not
stored; the site is paused (``on_pause``), its URL goes back in the queue, and nothing
more of the site is fetched this run. A robot check on a public site stops that site
for the run in the same way.

What the page shows comes from a *site profile* (TOML, kept as data beside the
extraction selectors): ``render = "browser"`` makes every crawl of the profile's
``domains`` use the browser; ``scroll = N`` scrolls to the bottom up to N times;
``load_more = "CSS selector"`` presses that button until it is gone (at most
``load_more_clicks`` times, 20 by default).

Through a SOCKS5 proxy (Tor) the renderer fetches through it, and each stored page says
so (``proxy``, as a plain crawl's pages do), for the custody log.
"""

from __future__ import annotations

import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from wildtrace.collect.canonical import domain_of
from wildtrace.collect.frontier import DONE, FAILED, HUB, LISTING, SKIPPED, Entry
from wildtrace.collect.robots import MAX_ROBOTS_BYTES, RobotsFile, parse_robots
from wildtrace.collect.sessions import host_matches
from wildtrace.collect.spider import CrawlContext, CrawlStats
from wildtrace.errors import ConfigError, PageWorkerLost, WildtraceError
from wildtrace.records import Exchange, Page, PageOutcome

MAX_SCROLL = 50
MAX_CLICKS = 100
QUEUED = "queued"


@dataclass(frozen=True)
class RenderRule:
    """How the browser shows one site's pages (from a site profile)."""

    domains: tuple[str, ...] = ()
    browser: bool = True
    scroll: int = 0
    load_more: str = ""
    max_clicks: int = 20
    profile: str = ""  # the file the rule came from

    def fits(self, url: str) -> bool:
        """Whether the rule is for the site of ``url``."""
        host = (urlsplit(url).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in self.domains)


DEFAULT_RULE = RenderRule()


def _int(data: dict[str, Any], key: str, default: int, top: int, where: Path) -> int:
    value = data.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= top:
        raise ConfigError(f"{where}: {key} must be a whole number from 0 to {top}")
    return value


def load_render_rules(*dirs: Path) -> list[RenderRule]:
    """The rendering rules of the site profiles in ``dirs`` (profiles naming
    ``domains`` and any of ``render``, ``scroll``, ``load_more``); raises
    :class:`ConfigError` naming the file when one is wrong."""
    out: list[RenderRule] = []
    for d in dirs:
        if not d.is_dir():
            continue
        for path in sorted(d.glob("*.toml")):
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise ConfigError(f"{path}: cannot read site profile: {exc}") from exc
            if not any(k in data for k in ("render", "scroll", "load_more")):
                continue
            render = data.get("render", "browser")
            if render not in ("browser", "plain"):
                raise ConfigError(f"{path}: render must be \"browser\" or \"plain\"")
            domains = data.get("domains", [])
            if not isinstance(domains, list) or not domains:
                raise ConfigError(f"{path}: a profile that sets render, scroll or "
                                  "load_more must name its domains")
            load_more = data.get("load_more", "")
            if not isinstance(load_more, str) or len(load_more) > 500:
                raise ConfigError(f"{path}: load_more must be a CSS selector")
            out.append(RenderRule(tuple(str(x).lower() for x in domains),
                                  render == "browser",
                                  _int(data, "scroll", 0, MAX_SCROLL, path), load_more,
                                  _int(data, "load_more_clicks", 20, MAX_CLICKS, path),
                                  str(path)))
    return out


def rule_for(rules: list[RenderRule], url: str) -> RenderRule | None:
    """The last rule that fits ``url`` (a workspace profile overrides a packaged one)."""
    found = [r for r in rules if r.fits(url)]
    return found[-1] if found else None


@dataclass(frozen=True)
class Rendered:
    """One page as the browser showed it: the DOM after scripts ran, the responses it
    loaded (``main`` indexes the page's own), its screenshot and how it was taken."""

    url: str  # where the browser ended up
    status: int
    dom: bytes
    redirects: tuple[str, ...]
    exchanges: tuple[Exchange, ...]
    main: int
    started: str
    ended: str
    png: bytes = b""
    detail: dict[str, Any] = field(default_factory=dict)

    def headers(self) -> tuple[tuple[str, str], ...]:
        """The page's own response headers, its Content-Type now the DOM's (UTF-8)."""
        main = self.exchanges[self.main] if 0 <= self.main < len(self.exchanges) else None
        kept = tuple((k, v) for k, v in (main.response_headers if main else ())
                     if k.lower() != "content-type")
        return (*kept, ("Content-Type", "text/html; charset=utf-8"))


Render = Callable[[str, RenderRule], "Rendered | str"]
FetchPlain = Callable[[str], "Exchange | str"]


@dataclass
class BrowserCrawl:
    """One browser crawl over ``ctx.frontier`` (see the module doc)."""

    ctx: CrawlContext
    render: Render
    fetch: FetchPlain  # robots.txt, through the same guard
    rules: list[RenderRule]
    delay: float
    obey_robots: bool = True
    agent: str = "wildtrace"
    accounts: dict[str, str] = field(default_factory=dict)  # site -> analyst's account
    proxy: str = ""  # the SOCKS proxy the renderer fetches through, as shown_proxy shows it
    # Why a page is a lapsed session's or a robot check (rendered, asked-for URL,
    # whether the site is logged in), or "".
    lapsed: Callable[[Rendered, str, bool], str] = lambda shown, asked, logged_in: ""
    on_pause: Callable[[str, str, str], None] = lambda site, reason, url: None
    on_stored: Callable[[Page, Rendered, PageOutcome], None] | None = None
    paused: dict[str, str] = field(default_factory=dict)  # site -> why, this run
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    robots: dict[str, RobotsFile] = field(default_factory=dict)
    _last: dict[str, float] = field(default_factory=dict)
    _delay: dict[str, float] = field(default_factory=dict)
    _beat: float = 0.0

    def run(self) -> CrawlStats:
        """Crawl until the frontier (for the context's domains) is empty, a limit is
        hit or every site with work is paused."""
        stats = self.ctx.stats
        try:
            while not stats.stopped:
                if self.ctx.max_pages is not None and stats.pages >= self.ctx.max_pages:
                    stats.stopped = "max_pages"
                    break
                entries = self._take()
                if not entries:
                    stats.stopped = "finished"
                    break
                for entry in entries:
                    if stats.stopped:
                        break
                    self._one(entry)
                    if self.ctx.max_pages is not None and \
                            stats.pages >= self.ctx.max_pages:
                        stats.stopped = "max_pages"
        finally:
            # Taken and not settled (a limit, a pause, a failure): back in the queue.
            self.ctx.frontier.leave(stats.pages)
            counts = self.ctx.frontier.counts(sorted(self.ctx.domains) or None)
            stats.queued = counts.get(QUEUED, 0)
        return stats

    def _take(self) -> list[Entry]:
        budget = 16
        if self.ctx.max_pages is not None:
            budget = min(budget, max(0, self.ctx.max_pages - self.ctx.stats.pages))
        exclude = sorted({domain_of(f"http://{s}/") for s in self.paused})
        return self.ctx.frontier.take(budget, sorted(self.ctx.domains) or None,
                                      per_domain=4, exclude=exclude)

    def _site(self, url: str) -> str:
        host = (urlsplit(url).hostname or "").lower()
        for site in self.accounts:
            if host_matches(host, site):
                return site
        return host.removeprefix("www.")

    def _settle(self, url: str, state: str, reason: str) -> None:
        self.ctx.frontier.settle([(url, state, reason)])

    def _fail(self, url: str, reason: str, state: str = FAILED) -> None:
        stats = self.ctx.stats
        stats.errors += int(state == FAILED)
        stats.skipped += int(state == SKIPPED)
        if len(stats.reasons) < 10_000:
            stats.reasons.append((url, reason))
        self.ctx.record_error(url, reason)
        self._settle(url, state, reason)

    def _robots(self, url: str) -> RobotsFile | None:
        """The robots.txt in force for the site of ``url`` (fetched once)."""
        if not self.obey_robots:
            return None
        parts = urlsplit(url)
        site = parts.netloc.lower()
        known = self.robots.get(site)
        if known is not None:
            return known
        robots_url = f"{parts.scheme}://{site}/robots.txt"
        got = self.fetch(robots_url)
        if isinstance(got, str):
            robots = parse_robots(robots_url, 0, None, self.agent)
            robots.unreachable += f": {got[:200]}"
        else:
            if self.ctx.sink is not None:
                self.ctx.sink(got)
            robots = parse_robots(robots_url, got.status, got.body[:MAX_ROBOTS_BYTES * 2],
                                  self.agent)
        self.robots[site] = robots
        delay = max(self.delay, min(robots.crawl_delay or 0.0, 600.0))
        self._delay[site] = delay
        return robots

    def _wait_turn(self, url: str) -> None:
        """One page at a time per site, at least the delay (or Crawl-delay) apart."""
        site = urlsplit(url).netloc.lower()
        last = self._last.get(site)
        if last is not None:
            wait = last + self._delay.get(site, self.delay) - self.clock()
            if wait > 0:
                self.sleep(wait)
        self._last[site] = self.clock()

    def _heartbeat(self) -> None:
        now = self.clock()
        if now - self._beat >= self.ctx.frontier.lease / 4:
            self._beat = now
            self.ctx.frontier.heartbeat(self.ctx.stats.pages)
        if self.ctx.progress is not None:
            self.ctx.progress(self.ctx.stats)

    def _one(self, entry: Entry) -> None:
        self._heartbeat()
        url = entry.url
        site = self._site(url)
        if site in self.paused:
            # Left taken (not settled back to queued, which this run would take again):
            # leave() hands it back to the queue when the run ends.
            return
        if entry.kind == "sitemap":
            self._settle(url, SKIPPED, "sitemaps are read by plain crawls, not the browser")
            return
        robots = self._robots(url)
        if robots is not None and not robots.allowed(url, self.agent):
            self._fail(url, robots.unreachable or "disallowed by robots.txt", SKIPPED)
            return
        self._wait_turn(url)
        rule = rule_for(self.rules, url) or DEFAULT_RULE
        shown = self.render(url, rule)
        if isinstance(shown, str):
            self._fail(url, shown)
            return
        account = self.accounts.get(site, "")
        why = self.lapsed(shown, url, bool(account))
        if why:
            self._pause(site, url, why, logged_in=bool(account))
            return
        ids = [self.ctx.sink(ex) for ex in shown.exchanges] if self.ctx.sink else []
        if shown.status >= 400:
            self._fail(url, f"HTTP {shown.status}")
            return
        recorder = getattr(self.ctx.sink, "__self__", None)
        page = Page(
            requested_url=url, url=shown.url, redirects=shown.redirects,
            status=shown.status, headers=shown.headers(), body=shown.dom,
            media_type="text/html", server_ip="", started=shown.started,
            ended=shown.ended, user_agent=self.ctx.user_agent,
            robots_url=robots.url if robots else "",
            robots_body=robots.body if robots else None, exchanges=tuple(ids),
            warc_file=str(getattr(recorder, "name", "") or ""), depth=entry.depth,
            method="browser", account=account, proxy=self.proxy)
        self._store(entry, page, shown)

    def _pause(self, site: str, url: str, why: str, *, logged_in: bool) -> None:
        """Stop fetching ``site`` this run; a logged-in site stays paused until renewed."""
        reason = (f"session lapsed at {url[:200]}: {why}" if logged_in
                  else f"robot check at {url[:200]}: {why}")
        self.paused[site] = reason
        self.ctx.record_error(url, f"{site} paused: {reason}")
        if len(self.ctx.stats.reasons) < 10_000:
            self.ctx.stats.reasons.append((url, f"{site} paused: {reason}"))
        if logged_in:
            self.on_pause(site, reason, url)

    def _store(self, entry: Entry, page: Page, shown: Rendered) -> None:
        stats = self.ctx.stats
        try:
            result = self.ctx.handle_pages([page])[0]
        except PageWorkerLost as exc:
            stats.stopped = f"page worker stopped: {exc}"
            return
        if isinstance(result, WildtraceError):
            self._fail(entry.url, str(result))
            return
        stats.pages += 1
        stats.listings += int(result.listing)
        stats.relevant += int(result.relevant)
        stats.duplicates += int(bool(result.duplicate_of))
        what = (LISTING if result.listing else "duplicate" if result.duplicate_of
                else HUB if result.read else "not read")
        reason = f"captured {result.capture_sha256[:12]} ({what})"
        if result.duplicate_of:
            reason += f"; same content as {result.duplicate_of}"
        self._settle(entry.url, DONE, reason)
        if self.on_stored is not None:
            self.on_stored(page, shown, result)
