"""Which links of a fetched page the crawler follows, and how urgently.

A :class:`LinkPolicy` reads the links of a page from the same parsed tree extraction
uses (each page is parsed once), keeps the same-site http(s) ones, honours a robots
``nofollow`` meta tag, and ranks each by how relevant the linking page was judged and
how relevant its anchor text and URL words look.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from wildtrace.collect.canonical import acceptable, same_site
from wildtrace.collect.frontier import Entry
from wildtrace.records import Page

MAX_LINKS_PER_PAGE = 500
ANCHOR_CACHE = 20_000  # anchor texts whose score is remembered (menus repeat on every page)
Score = Callable[[str], float]
_SKIP = ("#", "javascript:", "mailto:", "tel:", "data:")


def link_priority(page_score: float, anchor_score: float, depth: int) -> float:
    """Frontier priority of a link found at ``depth`` (the linking page's depth + 1)."""
    return 0.5 * page_score + 0.5 * anchor_score - 0.01 * depth


def meta_nofollow(root: Any) -> bool:
    """True when a robots meta tag asks robots not to follow the page's links."""
    for content in root.xpath("//meta[@name='robots' or @name='ROBOTS']/@content"):
        value = str(content).lower()
        if "nofollow" in value or "none" in value:
            return True
    return False


@dataclass
class LinkPolicy:
    """Follow rules of one crawl: sites, depth, and the anchor relevance function."""

    domains: frozenset[str]
    anchor_score: Score
    follow: bool = True
    max_depth: int = 10
    _cache: dict[str, float] = field(default_factory=dict, repr=False)

    def allowed(self, url: str) -> bool:
        """True for URLs on the crawl's sites (any site when none were named)."""
        return not self.domains or same_site(url, self.domains)

    def wanted(self, page: Page) -> bool:
        """True when ``page``'s links should be followed at all."""
        return self.follow and page.depth < self.max_depth and "html" in page.media_type

    def _score(self, text: str) -> float:
        if text not in self._cache:
            if len(self._cache) > ANCHOR_CACHE:
                self._cache.clear()
            self._cache[text] = float(self.anchor_score(text)) if text.strip() else 0.0
        return self._cache[text]

    def entries(self, root: Any, page: Page, page_score: float) -> list[Entry]:
        """Frontier entries for the followable links of ``page`` (parsed as ``root``)."""
        if root is None or not self.wanted(page) or meta_nofollow(root):
            return []
        base = page.url
        for el in root.iter("base"):
            href = (el.get("href") or "").strip()
            if href:
                base = urljoin(page.url, href)
            break
        depth = page.depth + 1
        seen: set[str] = set()
        out: list[Entry] = []
        for n, a in enumerate(root.iter("a")):
            if n >= MAX_LINKS_PER_PAGE * 4:
                break
            href = (a.get("href") or "").strip()
            if not href or href.lower().startswith(_SKIP):
                continue
            try:
                url = urljoin(base, href).split("#", 1)[0]
            except ValueError:  # e.g. an invalid IPv6 literal in a hostile href
                continue
            if url in seen or not acceptable(url) or not self.allowed(url):
                continue
            seen.add(url)
            anchor = " ".join(" ".join(a.itertext()).split())[:200]
            words = url.rsplit("/", 2)[-2:]
            hint = " ".join([anchor, *(w.replace("-", " ").replace("_", " ") for w in words)])
            out.append(Entry(url, priority=link_priority(page_score, self._score(hint), depth),
                             depth=depth, parent=page.requested_url, anchor=anchor))
            if len(seen) >= MAX_LINKS_PER_PAGE:
                break
        return out
