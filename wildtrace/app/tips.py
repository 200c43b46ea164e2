"""Citizen tips, from the public form to the analyst's triage.

A tip is checked (:func:`wildtrace.collect.tips.validate_tip`), stored at once so the
citizen gets an answer, and its page captured afterwards, only through the SSRF guard
(:class:`wildtrace.collect.netguard.SafeFetcher`): a tip must never make the server
reach an internal address. The page is then preserved like any capture (WARC record,
body blob, capture record, custody entry naming the tip), and the tip's screenshot is
logged in custody when it arrives. When the browser is available, headless Chromium
then renders the tip's page and its screenshot and DOM are stored as artefacts of that
capture, with custody, exactly as ``wildtrace capture`` does
(:func:`wildtrace.app.capture.screenshots`); its network policy names no origin, so
everything it loads must be at a public address (a tip is never a named origin).
Without a browser, why not is noted on the tip. The capture's outcome is recorded on
the tip.
"""

from __future__ import annotations

from typing import Any, Protocol

from wildtrace.act.triage import TipBook
from wildtrace.app.capture import screenshots
from wildtrace.collect.netguard import Fetched, NetPolicy, SafeFetcher
from wildtrace.collect.tips import MAX_SCREENSHOT, validate_tip
from wildtrace.errors import FetchError
from wildtrace.preserve.session import EvidenceSession, custody_log
from wildtrace.store import utcnow
from wildtrace.workspace import Workspace

# How much of an uploaded screenshot to read: one byte over the limit, so an oversized
# file is refused as too large rather than cut to size.
SCREENSHOT_READ = MAX_SCREENSHOT + 1


def _now() -> str:
    return utcnow().strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class PageFetcher(Protocol):
    """What fetches a tip's page: the SSRF guard, :class:`SafeFetcher` (tests pass one
    with a fake resolver)."""

    def fetch(self, url: str) -> Fetched:
        """GET ``url``; raises FetchError when refused or failed."""
        ...


class TipDesk:
    """Tip intake, page capture and triage for one workspace."""

    def __init__(self, ws: Workspace, fetcher: PageFetcher | None = None, *,
                 browser: bool = True, browser_policy: NetPolicy | None = None) -> None:
        self.ws = ws
        # The browser's guard: public addresses only, never what a tip says. Tests pass
        # a policy naming their local test origin, as they pass a fetcher.
        self.browser = browser
        self.browser_policy = browser_policy if browser_policy is not None else NetPolicy()
        self.book = TipBook(ws.store, ws.blobs,
                            custody_log(ws.evidence_dir, ws.store, "public (tip form)"))
        self.fetcher: PageFetcher = fetcher or SafeFetcher(
            max_bytes=int(ws.settings.max_body_bytes), timeout=float(ws.settings.timeout))

    def submit(self, url: str, description: str, language: str = "",
               screenshot: bytes = b"") -> int:
        """Check and store a citizen's tip (audited as from ``public``); returns its id.
        Raises InputError naming the first problem."""
        draft = validate_tip(url, description, language, screenshot)
        tip_id = self.book.add(draft)
        self.ws.store.audit.record("public", "tip", "tip", tip_id)
        return tip_id

    def capture(self, tip_id: int) -> None:
        """Fetch the tip's page through the guard and keep it as evidence (run in the
        background after the citizen has had the answer)."""
        tip = self.ws.store.tips.get(tip_id)
        if tip is None:
            return
        started = _now()
        try:
            fetched = self.fetcher.fetch(str(tip["url"]))
        except FetchError as exc:
            refused = "not a public" in exc.message or "internal" in exc.message
            self.book.record_capture(tip_id, "refused" if refused else "failed", str(exc))
            return
        ended = _now()
        agent = str(getattr(self.fetcher, "user_agent", "") or "wildtrace tip capture")
        # The same preserve path as a crawl: a WARC file of its own (sealed at once),
        # the body blob, a capture record and its custody entry naming the tip. Open
        # WARC files are left alone: they may be a running crawl's.
        session = EvidenceSession(
            self.ws.evidence_dir, self.ws.store, self.ws.blobs,
            operator=self.ws.settings.operator, user_agent=agent,
            robots_policy="not consulted (a page reported in a citizen's tip)",
            purpose=f"tip {tip_id}: {tip['url']} fetched through the SSRF guard; the "
                    "response record keeps the Content-Type header only", recover=False)
        try:
            capture_id = self.book.record_page(tip_id, str(tip["url"]), fetched, session,
                                               started=started, ended=ended,
                                               user_agent=agent)
            if self.browser:
                self._render(tip_id, str(tip["url"]), capture_id, fetched, session)
        finally:
            session.close()

    def _render(self, tip_id: int, url: str, capture_id: int, fetched: Fetched,
                session: EvidenceSession) -> None:
        """Screenshot and DOM of the tip's page as artefacts of its capture (or why not,
        noted on the tip beside the capture's outcome)."""
        shot = screenshots(self.ws, session.preserver, {url: capture_id},
                           self.browser_policy)[0]
        tip = self.ws.store.tips.get(tip_id) or {}
        if shot.error:
            note = f"no screenshot: {shot.error}"
        else:
            note = (f"screenshot {shot.screenshot_sha256} and DOM {shot.dom_sha256} "
                    f"stored with capture {capture_id}")
        if shot.refused:
            note += f"; the browser refused {len(shot.refused)} request(s)"
        page = (str(tip.get("capture_sha256", "")), len(fetched.body),
                fetched.media_type or "application/octet-stream")
        self.ws.store.tips.set_capture(tip_id, "captured",
                                       f"{tip.get('capture_detail', '')}; {note}", page)

    def get(self, tip_id: int) -> dict[str, Any] | None:
        """One tip (its columns), or None."""
        return self.ws.store.tips.get(tip_id)

    def queue(self, status: str = "new", limit: int = 100,
              before: int | None = None) -> list[dict[str, Any]]:
        """The triage queue: tips with a status (any when empty), newest first,
        continued ``before`` a tip id."""
        return self.ws.store.tips.recent(status, limit, before)

    def triage(self, tip_id: int, status: str, user: str) -> None:
        """Mark a tip triaged or dismissed (audited); InputError for an unknown status or
        tip."""
        self.book.set_status(tip_id, status)
        self.ws.store.audit.record(user, "triage", "tip", tip_id, {"status": status})
