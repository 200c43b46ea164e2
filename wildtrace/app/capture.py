"""The ``capture`` use case: evidence of the pages a user names, fetched now.

Each URL is fetched once more even when it was captured before (capturing is an
explicit act), preserved durably (WARC, capture record, custody) and extracted like a
crawled page, without following its links. With the browser, headless Chromium then
renders each captured page and its screenshot and DOM are stored as further evidence of
that capture. Both fetch through one network guard: only the origins of the URLs the
user named may be at an internal address; whatever a page asks for beyond them must be
public, and each refusal is recorded (``wildtrace errors``). With the ``proxy`` setting
(Tor) both go through the SOCKS5 proxy, names resolved by it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from wildtrace.app.crawl import check_onions, check_urls, proxied_fetcher
from wildtrace.app.pages import evidence_session, page_processor
from wildtrace.app.pageworker import LocalPages
from wildtrace.app.photos import analyse_photos
from wildtrace.app.runner import Failure, RunOptions, run_crawler
from wildtrace.collect.canonical import domain_of
from wildtrace.collect.frontier import Entry, Frontier
from wildtrace.collect.netguard import NetPolicy
from wildtrace.collect.watch import DEFAULT_TERMS, keyword_scorer
from wildtrace.config import user_agent
from wildtrace.preserve.browser import Chromium, Rendering, browser_unavailable
from wildtrace.preserve.capture import Preserver
from wildtrace.preserve.warc import WarcRecorder
from wildtrace.records import RowError
from wildtrace.workspace import Workspace

CAPTURE_PRIORITY = 2.0  # above any crawl's seeds: an explicit capture goes first


@dataclass(frozen=True)
class CapturedPage:
    """A page captured: the URL asked for, and its capture record."""

    url: str
    capture_id: int


@dataclass(frozen=True)
class Screenshot:
    """The browser's evidence of one capture: its screenshot and DOM, or why not."""

    url: str
    capture_id: int
    screenshot_sha256: str = ""
    dom_sha256: str = ""
    error: str = ""
    refused: tuple[tuple[str, str], ...] = ()  # (URL, why) the page asked for, refused

    def as_dict(self) -> dict[str, Any]:
        """As ``capture --json`` prints it."""
        refused = [{"url": u, "reason": why} for u, why in self.refused]
        if self.error:
            return {"url": self.url, "capture_id": self.capture_id, "error": self.error,
                    "refused": refused}
        return {"url": self.url, "capture_id": self.capture_id,
                "screenshot_sha256": self.screenshot_sha256, "dom_sha256": self.dom_sha256,
                "refused": refused}


@dataclass(frozen=True)
class CaptureResult:
    """What a capture run stored, what failed, and what the browser added."""

    captured: tuple[CapturedPage, ...]
    failures: tuple[Failure, ...]
    browser: tuple[Screenshot, ...]
    photos: dict[str, Any] | None = None  # the photo step (setting images), when it ran

    def as_dict(self) -> dict[str, Any]:
        """As ``capture --json`` prints it."""
        return {"captured": [{"url": c.url, "capture_id": c.capture_id}
                             for c in self.captured],
                "failures": [{"url": f.url, "reason": f.reason} for f in self.failures],
                "browser": [s.as_dict() for s in self.browser],
                **({"photos": self.photos} if self.photos is not None else {})}


def capture(ws: Workspace, urls: Sequence[str], *, browser: bool = True) -> CaptureResult:
    """Capture ``urls`` as evidence (with ``browser``, also screenshot and DOM)."""
    check_urls(urls)
    proxy = ws.settings.proxy
    check_onions(urls, proxy)
    frontier = Frontier(ws.store.frontier)
    frontier.add(Entry(u, priority=CAPTURE_PRIORITY) for u in urls)
    session = evidence_session(ws, durable=True, purpose="wildtrace capture")
    processor = page_processor(ws, session, keyword_scorer(DEFAULT_TERMS), None)
    processor.remember = True
    entries = [Entry(u, priority=CAPTURE_PRIORITY) for u in urls]
    # The user named these pages; nothing a page says is named.
    policy = NetPolicy(urls, proxied=bool(proxy))
    summary = run_crawler(ws, LocalPages(processor), frontier,
                          RunOptions(domains={domain_of(u) for u in urls}, entries=entries,
                                     stage="capture", policy=policy))
    shots = screenshots(ws, session.preserver, processor.captures, policy,
                        recorder=session.recorder) if browser else []
    session.recorder.seal()  # what the browser loaded went into a WARC file of its own
    # The captured listings' photos, through the same guard (a page names any image URL).
    photos = analyse_photos(ws, policy, fetcher=proxied_fetcher(ws, policy)).as_dict() \
        if ws.settings.images else None
    return CaptureResult(
        captured=tuple(CapturedPage(u, cid) for u, cid in processor.captures.items()),
        failures=summary.failures, browser=tuple(shots), photos=photos)


def _to_warc(recorder: WarcRecorder, url: str, capture_id: int, shown: Rendering,
             version: str) -> None:
    """The browser's responses, screenshot and collection metadata, into the WARC."""
    ids = [recorder.record(ex) for ex in shown.exchanges]
    main = ids[shown.main] if 0 <= shown.main < len(ids) else ""
    ended = str(shown.detail.get("ended", ""))
    final = str(shown.detail.get("final_url", url))
    recorder.metadata(final, {"collected-by": "wildtrace capture (browser)",
                              "browser": f"chromium {version}", "capture-id": capture_id,
                              "requested-url": url, "final-url": final,
                              "responses-recorded": len(ids), "logged-in": False,
                              "refused": shown.detail.get("refused", []),
                              **({"proxy": shown.detail["proxy"]}
                                 if shown.detail.get("proxy") else {})},
                      refers_to=main, date=ended)
    recorder.resource(f"urn:screenshot:{final}", shown.png, "image/png",
                      concurrent_to=main, date=ended)


def screenshots(ws: Workspace, preserver: Preserver, captures: Mapping[str, int],
                policy: NetPolicy | None = None, recorder: WarcRecorder | None = None
                ) -> list[Screenshot]:
    """Render each ``url -> capture id`` in headless Chromium (fetching only what
    ``policy`` allows: public addresses when None) and store its screenshot and DOM as
    artefacts of the capture; failures are reported per URL, and every request the guard
    refused is recorded as an error of a ``capture-browser`` run. With ``recorder``,
    every response the page loaded (its pictures included), the screenshot and how it
    was taken are written to the WARC too, so the WACZ replays the page as shown."""
    chromium = ws.settings.chromium_path
    why = browser_unavailable(chromium, ws.settings.proxy)
    if why:
        return [Screenshot(u, c, error=why) for u, c in captures.items()]
    out: list[Screenshot] = []
    with Chromium(chromium, user_agent=user_agent(ws.settings), timeout=ws.settings.timeout,
                  policy=policy, max_redirects=int(ws.settings.max_redirects),
                  record=recorder is not None,
                  max_response_bytes=int(ws.settings.max_body_bytes),
                  max_page_bytes=int(ws.settings.browser_page_bytes),
                  proxy=ws.settings.proxy) as chromium_run:
        for url, capture_id in captures.items():
            shown = chromium_run.render(url)
            refused = tuple(chromium_run.refused)
            if isinstance(shown, str):
                out.append(Screenshot(url, capture_id, error=shown, refused=refused))
                continue
            shot = preserver.add_artefact(capture_id, "screenshot", shown.png, "image/png",
                                          shown.detail)
            dom = preserver.add_artefact(capture_id, "dom", shown.dom,
                                         "text/html; charset=utf-8", shown.detail)
            if recorder is not None:
                _to_warc(recorder, url, capture_id, shown, chromium_run.version)
            out.append(Screenshot(url, capture_id, shot, dom, refused=refused))
    errors = [RowError(u, None, f"{why} (asked for by {s.url})")
              for s in out for u, why in s.refused]
    if errors:
        run_id = ws.store.start_run("capture-browser", "1", {"pages": len(out)})
        ws.store.record_errors(run_id, errors)
        ws.store.finish_run(run_id, {"refused": len(errors)})
    return out
