"""The ``revisit`` use case: do adverts come down?

Each captured advert is fetched again at the ages of the ``revisit_after`` setting
(``1d,7d,30d`` by default: a day, a week and a month after it was captured), politely
(robots.txt and its Crawl-delay, ``delay`` seconds between two requests to one site),
through the network guard (public addresses only, unless the user names a site with
``allow``) and through the ``proxy`` setting when one is set. What each revisit
found is stored (:mod:`wildtrace.store.revisits`) with its date:

* **gone**: HTTP 404 or 410; a page that says the advert was removed or not found
  (:func:`~wildtrace.extract.pagekind.classify_page` calls it an error page); a
  redirect to the site's front or an index page, or to a login page (platforms hide
  removed adverts behind both);
* **changed**: still up, but its text or its price differs from the capture;
* **up**: still up as captured;
* **failed**: no verdict (the fetch failed, the server answered 5xx or 429, or a robot
  check was served); the advert stays due and is tried again at the next run.

From these, :meth:`~wildtrace.store.revisits.RevisitStore.persistence` measures per
platform how many adverts came down, how fast, whether they stayed down, and whether
the same seller reposted. A revisit is an observation, not evidence: the page is not
archived again (capture it with ``wildtrace capture`` when it matters).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from wildtrace.app.crawl import proxied_fetcher
from wildtrace.app.photos import photo_politeness
from wildtrace.collect.netguard import Fetched, NetPolicy, named_origins
from wildtrace.collect.photos import PhotoFetcher
from wildtrace.config import user_agent
from wildtrace.errors import FetchError
from wildtrace.extract import generic
from wildtrace.extract.html import decode_html, parse_html, text_of
from wildtrace.extract.pagekind import CAPTCHA, ERROR, INDEX, LOGIN, classify_tree
from wildtrace.store import utcnow
from wildtrace.store.revisits import CHANGED, FAILED, GONE, UP, DueAdvert, Revisit
from wildtrace.workspace import Workspace

_SPACE = re.compile(r"\s+")
_DIGITS = re.compile(r"\d{1,2}[:/.-]\d{1,2}([:/.-]\d{2,4})?")  # clocks and dates on pages


@dataclass
class RevisitResult:
    """What one ``revisit`` run did."""

    due: int = 0
    revisits: list[Revisit] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Revisits per outcome."""
        out = {o: 0 for o in (GONE, CHANGED, UP, FAILED)}
        for r in self.revisits:
            out[r.outcome] += 1
        return out

    def as_dict(self) -> dict[str, Any]:
        """The result as ``revisit --json`` prints it."""
        return {"due": self.due, **self.counts(),
                "revisits": [r.as_dict() for r in self.revisits]}


def page_text(body: bytes, media_type: str = "") -> tuple[str, float | None, Any]:
    """The visible text of a page (whitespace folded, clocks and dates dropped, so a
    page that only shows the time is not "changed"), the price it shows, and its tree."""
    root = parse_html(decode_html(body, media_type).text)
    for bad in root.xpath("//script|//style|//noscript"):
        bad.getparent().remove(bad)
    body_el = root.find("body")
    text = _DIGITS.sub(" ", text_of(body_el if body_el is not None else root))
    lang = str(root.get("lang") or "").split("-")[0].lower()
    price = generic.choose_price(generic.price_candidates(root, "", lang))
    return _SPACE.sub(" ", text).strip(), (price[0] if price is not None else None), root


def _text_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _is_front(url: str, original: str) -> bool:
    """Whether ``url`` is a site's front page or a shallower page than ``original``
    (where a removed advert's URL is sent)."""
    path = urlsplit(url).path.strip("/")
    return not path or len(path.split("/")) < len(urlsplit(original).path.strip("/")
                                                  .split("/"))


def judge(ad: DueAdvert, got: Fetched | FetchError, before: bytes | None,
          now: datetime) -> Revisit:
    """The verdict on one revisit of ``ad`` (see the module doc for the rules)."""
    def verdict(outcome: str, reason: str, final: str = "", status: int = 0,
                sha: str = "", price: float | None = None) -> Revisit:
        return Revisit(ad.listing_id, ad.age, now, ad.url, final, status, outcome, reason,
                       sha, price)

    if isinstance(got, FetchError):
        return verdict(FAILED, got.message[:300])
    final, status = got.url, got.status
    if status in (404, 410):
        return verdict(GONE, f"HTTP {status}", final, status)
    if status == 429 or status >= 500:
        return verdict(FAILED, f"HTTP {status}: no verdict", final, status)
    if status >= 400:
        return verdict(GONE, f"HTTP {status}", final, status)
    text, price, root = page_text(got.body, got.media_type)
    sha = _text_sha(text)
    kind = classify_tree(root, final, has_price=price is not None, posts=0)
    moved = bool(got.redirects) and final.rstrip("/") != ad.url.rstrip("/")
    if kind.kind == CAPTCHA:
        return verdict(FAILED, "a robot check was served: no verdict", final, status, sha)
    if kind.kind == ERROR:
        return verdict(GONE, f"removal notice ({kind.reason})", final, status, sha, price)
    if kind.kind == LOGIN:
        return verdict(GONE, "redirected to a login page" if moved else
                       "now behind a login page", final, status, sha, price)
    if moved and (kind.kind == INDEX or _is_front(final, ad.url)):
        return verdict(GONE, "redirected to the site's index", final, status, sha, price)
    if before is not None:
        old_text, old_price, _ = page_text(before)
        old_price = ad.price if ad.price is not None else old_price
        if price is not None and old_price is not None and abs(price - old_price) > 1e-6:
            return verdict(CHANGED, f"price {old_price:g} -> {price:g}", final, status, sha,
                           price)
        if _text_sha(old_text) != sha:
            return verdict(CHANGED, "text changed since capture", final, status, sha, price)
    return verdict(UP, "still up" + ("" if before is not None else
                                     " (capture body not found: change not checked)"),
                   final, status, sha, price)


def revisit(ws: Workspace, *, allow: Sequence[str] = (), limit: int = 1000,
            now: datetime | None = None,
            fetch: Callable[[str], Fetched] | None = None) -> RevisitResult:
    """Revisit the adverts that are due (see the module doc); stores and returns what
    each revisit found. ``allow`` names sites that may be at internal addresses (as
    ``crawl --allow-domain``); ``fetch`` replaces the guarded fetcher (tests)."""
    s = ws.settings
    now = now or utcnow()
    due = ws.store.revisits.due(s.revisit_after, now, limit=limit)
    result = RevisitResult(due=len(due))
    if not due:
        return result
    named = [o for a in allow if a.strip() for o in named_origins(a.strip())]
    policy = NetPolicy([str(o) for o in named], proxied=bool(s.proxy))
    # robots.txt and Crawl-delay as for photos; through the proxy setting when set.
    polite = photo_politeness(ws)
    get = fetch or (proxied_fetcher(ws, policy) or PhotoFetcher(
        policy, user_agent=user_agent(s), timeout=float(s.timeout), delay=float(s.delay),
        max_bytes=int(s.max_body_bytes), politeness=polite)).fetch
    batch: list[Revisit] = []
    for ad in due:
        try:
            got: Fetched | FetchError = get(ad.url)
        except FetchError as exc:
            got = exc
        before = _body(ws, ad.capture_sha256)
        batch.append(judge(ad, got, before, utcnow() if now is None else now))
        if len(batch) >= 50:
            ws.store.revisits.add(batch)
            result.revisits += batch
            batch = []
    ws.store.revisits.add(batch)
    result.revisits += batch
    return result


def _body(ws: Workspace, sha: str) -> bytes | None:
    """The captured page body the listing came from, if the blob store has it."""
    if not sha:
        return None
    try:
        return ws.blobs.get(sha)
    except Exception:  # noqa: BLE001 - a missing blob only means "change not checked"
        return None


def persistence(ws: Workspace) -> list[dict[str, Any]]:
    """Takedown persistence per platform (see RevisitStore.persistence)."""
    return ws.store.revisits.persistence()


def rebound(ws: Workspace, weeks: int = 4) -> list[dict[str, Any]]:
    """New adverts per week before and after each platform's largest wave of removals
    (see RevisitStore.rebound)."""
    return ws.store.revisits.rebound(weeks)
