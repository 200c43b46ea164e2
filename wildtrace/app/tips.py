"""Citizen tips, from the public form to the analyst's triage.

A tip is checked (:func:`wildtrace.collect.tips.validate_tip`), stored at once so the
citizen gets an answer, and its page captured afterwards, only through the SSRF guard
(:class:`wildtrace.collect.netguard.SafeFetcher`): a tip must never make the server
reach an internal address. The page is then preserved like any capture (WARC record,
body blob, capture record, custody entry naming the tip), and the tip's screenshot is
logged in custody when it arrives. The capture's outcome is recorded on the tip.
"""

from __future__ import annotations

from typing import Any, Protocol

from wildtrace.act.triage import TipBook
from wildtrace.collect.netguard import Fetched, SafeFetcher
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

    def __init__(self, ws: Workspace, fetcher: PageFetcher | None = None) -> None:
        self.ws = ws
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
            self.book.record_page(tip_id, str(tip["url"]), fetched, session,
                                  started=started, ended=ended, user_agent=agent)
        finally:
            session.close()

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
