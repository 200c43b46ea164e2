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

In triage, the relevance scorer (the same one ``process`` and ``score`` use, with the
workspace's newest trained model when there is one) judges the tip's description and
the text of its captured page (:meth:`TipDesk.score`); and one action makes a tip a
listing (source ``tip``, naming the tip's screenshot and captured page as its evidence)
in a new case (:meth:`TipDesk.make_case`), audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from wildtrace.act.material import TIP_PAGE
from wildtrace.act.reason_sentence import reason_sentence
from wildtrace.act.triage import TipBook
from wildtrace.app.capture import screenshots
from wildtrace.app.cases import add_to_case, open_case
from wildtrace.app.scoring import scorer_for
from wildtrace.assess.modelfile import latest_model
from wildtrace.collect.netguard import Fetched, NetPolicy, SafeFetcher
from wildtrace.collect.tips import MAX_SCREENSHOT, validate_tip
from wildtrace.errors import FetchError, InputError
from wildtrace.extract.html import decode_html, parse_html, text_of
from wildtrace.extract.title import display_title
from wildtrace.preserve.session import EvidenceSession, custody_log
from wildtrace.records import ListingDraft
from wildtrace.store import content_key, utcnow
from wildtrace.store.tips import TipScore
from wildtrace.workspace import Workspace

# How much of an uploaded screenshot to read: one byte over the limit, so an oversized
# file is refused as too large rather than cut to size.
SCREENSHOT_READ = MAX_SCREENSHOT + 1
PAGE_TEXT_CHARS = 20_000  # of a captured page, read with the description when scoring
MAX_SCORED = 200  # tips scored in one request


@dataclass(frozen=True, slots=True)
class TipCase:
    """What :meth:`TipDesk.make_case` made of a tip (or had made before)."""

    tip_id: int
    listing_id: int
    case_id: int
    created: bool  # False when the tip had already become this case


def _now() -> str:
    return utcnow().strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def score_reason(score: TipScore) -> str:
    """The scorer's judgement of a tip in one plain sentence."""
    return reason_sentence({"taxa": score.taxa, "cites": score.cites,
                            "relevant": score.relevant, "reasons": list(score.reasons)})


def _with_reason(row: dict[str, Any]) -> dict[str, Any]:
    """A tip row with ``reason``: its score in one sentence ("" until scored)."""
    scored = row.get("scored_at") is not None
    return {**row, "reason": reason_sentence(row) if scored else ""}


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

    def _page(self, tip: dict[str, Any]) -> tuple[str, str]:
        """The title and visible text of the tip's captured page ("" when none)."""
        sha = str(tip.get("capture_sha256") or "")
        if not sha or not self.ws.blobs.exists(sha):
            return "", ""
        body = self.ws.blobs.get(sha)
        root = parse_html(decode_html(body[:5_000_000]).text)
        title = " ".join(" ".join(root.xpath("//title//text()")).split())
        return title[:300], text_of(root)[:PAGE_TEXT_CHARS]

    def score(self, tip_ids: Sequence[int], user: str) -> dict[int, TipScore]:
        """Judge these tips with the relevance scorer (audited); returns each one's
        score. InputError when one of them does not exist."""
        tips = [self.ws.store.tips.get(i) for i in list(tip_ids)[:MAX_SCORED]]
        missing = [i for i, tip in zip(tip_ids, tips, strict=False) if tip is None]
        if missing:
            raise InputError(f"no tip {missing[0]}")
        if not tips:
            return {}
        texts = ["\n".join(p for p in (str(tip["description"] or ""), *self._page(tip)) if p)
                 for tip in tips if tip is not None]
        scorer = scorer_for(self.ws, latest_model(self.ws.models_dir))
        out: dict[int, TipScore] = {}
        for tip, a in zip(tips, scorer.assess(texts), strict=True):
            assert tip is not None
            out[int(tip["id"])] = TipScore(
                score=a.score, relevant=a.relevant, taxa=";".join(a.taxa), cites=a.cites,
                flags=";".join(a.flags), reasons=a.reasons, model_version=a.model_version)
        self.ws.store.tips.set_scores(list(out.items()), utcnow())
        self.ws.store.audit.record(user, "score", "tip", ",".join(map(str, out))[:200],
                                   {"model": scorer.version, "tips": list(out)})
        return out

    def _assess(self, listing_id: int, tip_id: int) -> None:
        """Assess the listing a tip became, as ``process`` would, so its case says at
        once why it matters (taxa, CITES appendix, the reason sentence)."""
        listing = self.ws.store.listing(listing_id)
        if listing is None:
            return
        scorer = scorer_for(self.ws, latest_model(self.ws.models_dir))
        [judged] = scorer.assess_listings([listing])
        run = self.ws.store.start_run("assess", scorer.version, {"tip": tip_id})
        self.ws.store.save_assessments(run, [(listing_id, judged)])
        self.ws.store.finish_run(run)

    def make_case(self, tip_id: int, user: str) -> TipCase:
        """Make the tip a listing (its evidence: the screenshot and the captured page)
        in a new case, and mark it triaged: one action, audited. A tip that became a
        case already answers with that case."""
        tip = self.ws.store.tips.get(tip_id)
        if tip is None:
            raise InputError(f"no tip {tip_id}")
        if tip.get("case_id"):
            return TipCase(tip_id, int(tip["listing_id"]), int(tip["case_id"]), False)
        page_title, _ = self._page(tip)
        extra: dict[str, Any] = {"tip_id": tip_id,
                                 "tip_received": str(tip["created_at"])}
        if tip.get("screenshot_sha256"):
            extra["screenshot_sha256"] = tip["screenshot_sha256"]
        if tip.get("capture_sha256"):
            extra[TIP_PAGE] = tip["capture_sha256"]
        draft = ListingDraft(source="tip", url=str(tip["url"]), title=page_title,
                             description=str(tip["description"] or ""),
                             language=str(tip["language"] or ""), origin=f"tip/{tip_id}",
                             extra=extra)
        # Keyed by the tip alone: two tips about one page are two reports.
        key = content_key(draft, {"tip": tip_id})
        self.ws.store.add_listings([(draft, key)])
        listing_id = self.ws.store.tips.listing_with_key(key)
        assert listing_id is not None
        heading = display_title(draft.title, draft.description, 120)
        case_id = open_case(self.ws, f"Tip {tip_id}: {heading}", user,
                            notes=f"From citizen tip {tip_id} ({tip['url']}), received "
                                  f"{str(tip['created_at'])[:19]} UTC.")
        add_to_case(self.ws, case_id, "listing", str(listing_id), user)
        self._assess(listing_id, tip_id)
        self.ws.store.tips.set_made(tip_id, listing_id, case_id)
        self.ws.store.audit.record(user, "make_case", "tip", tip_id,
                                   {"case_id": case_id, "listing_id": listing_id})
        return TipCase(tip_id, listing_id, case_id, True)

    def get(self, tip_id: int) -> dict[str, Any] | None:
        """One tip (its columns, and ``reason``: its score in a sentence), or None."""
        tip = self.ws.store.tips.get(tip_id)
        return _with_reason(tip) if tip is not None else None

    def queue(self, status: str = "new", limit: int = 100,
              before: int | None = None) -> list[dict[str, Any]]:
        """The triage queue: tips with a status (any when empty), newest first,
        continued ``before`` a tip id."""
        return [_with_reason(r) for r in self.ws.store.tips.recent(status, limit, before)]

    def triage(self, tip_id: int, status: str, user: str) -> None:
        """Mark a tip triaged or dismissed (audited); InputError for an unknown status or
        tip."""
        self.book.set_status(tip_id, status)
        self.ws.store.audit.record(user, "triage", "tip", tip_id, {"status": status})
