"""The crawl frontier, persisted in the workspace database.

Every canonical URL the crawler has seen has one row. A run takes the highest-priority
queued rows, marks them ``active``, and marks them ``done``, ``failed`` or ``skipped``
(with the reason) when they are settled. Writes are batched by the caller and flushed
often; a run killed with ``kill -9`` leaves rows ``active`` or unsettled, and the next
run's :meth:`Frontier.recover` puts those back in the queue, so nothing is lost. What
was captured is marked done from the capture index (see :meth:`mark_done`), so nothing
captured is fetched again.

The rows live in :class:`wildtrace.store.frontier.FrontierStore`; this module decides
what a URL's row is (its canonical form and key, what is fetchable at all) and what the
states and reasons mean.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from wildtrace.collect.canonical import acceptable, canonical_url, domain_of, url_key
from wildtrace.store.frontier import FrontierRow, FrontierStore

QUEUED, ACTIVE, DONE, FAILED, SKIPPED = "queued", "active", "done", "failed", "skipped"
# What a captured page was, in its "done" reason: a listing, or a page without one (a
# home, category, search or forum index page: where new adverts appear).
LISTING, HUB = "listing", "no listing"


@dataclass(frozen=True, slots=True)
class Entry:
    """A URL waiting in, or taken from, the frontier."""

    url: str
    priority: float = 0.0
    depth: int = 0
    kind: str = "page"  # page or sitemap
    parent: str = ""
    anchor: str = ""

    @property
    def key(self) -> str:
        """The canonical URL's SHA-256."""
        return url_key(self.url)


class Frontier:
    """Queue of URLs to crawl, kept in the ``frontier`` table."""

    def __init__(self, rows: FrontierStore) -> None:
        self.rows = rows

    def add(self, entries: Iterable[Entry]) -> int:
        """Queue URLs not seen before (by canonical form); returns how many were new."""
        rows = []
        for e in entries:
            if not acceptable(e.url):
                continue  # nothing the crawler could fetch (bad port, host, length)
            canon = canonical_url(e.url)
            # Keyed as settle/requeue key it (url_key of the stored form), so the two
            # always agree even where canonicalising twice changes a URL again.
            rows.append(FrontierRow(url_key(canon), canon, domain_of(canon), e.kind,
                                    e.priority, e.depth, e.parent[:2000], e.anchor[:500]))
        return self.rows.add(rows) if rows else 0

    def requeue(self, urls: Iterable[str], priority: float = 1.0) -> None:
        """Put URLs (new or settled) back in the queue: explicit captures and re-seeds."""
        entries = [Entry(u, priority=priority) for u in urls]
        self.add(entries)
        self.rows.requeue([e.key for e in entries], priority)

    def hubs(self, domains: Sequence[str] | None, max_depth: int, limit: int = 5000
             ) -> list[str]:
        """Captured pages that held no listing (index, category, search pages) within
        ``max_depth`` links of the seeds, shallowest first: what a monitoring re-crawl
        fetches again to find new adverts."""
        return self.rows.done_urls(f"captured % ({HUB})%", domains, max_depth, limit)

    def recover(self) -> int:
        """Put rows left ``active`` by an interrupted run back in the queue."""
        return self.rows.recover()

    def mark_done(self, keys: Iterable[str], reason: str = "captured") -> int:
        """Mark URL keys done (e.g. those the capture index already holds)."""
        return self.rows.mark_done(list(keys), reason)

    def take(self, n: int, domains: Sequence[str] | None = None,
             per_domain: int | None = None, exclude: Sequence[str] = ()) -> list[Entry]:
        """Up to ``n`` of the best queued URLs, marked active: highest priority first,
        at most ``per_domain`` from one domain (default ``n // 8``, at least 2), none
        from the domains in ``exclude`` (those with enough in flight already).

        The crawler fetches one URL at a time per site, so a batch holding a single
        site's URLs would leave every other site idle however relevant its pages; the
        cap makes each batch span the sites that have work, best URLs of each first.
        """
        cap = per_domain if per_domain is not None else max(2, n // 8)
        return [Entry(r.url, r.priority, r.depth, r.kind, r.parent, r.anchor)
                for r in self.rows.take(n, domains, cap, exclude)]

    def settle(self, results: Sequence[tuple[str, str, str]]) -> None:
        """Record final states: ``(url, state, reason)`` triples, in one transaction."""
        self.rows.settle([(url_key(u), s, r[:1000]) for u, s, r in results])

    def counts(self, domains: Sequence[str] | None = None) -> dict[str, int]:
        """How many URLs are in each state."""
        return self.rows.counts(domains)

    def state_of(self, url: str) -> tuple[str, str] | None:
        """``(state, reason)`` of a URL, or None when it was never seen."""
        return self.rows.state_of(url_key(url))

    def settled(self, states: Sequence[str] = (FAILED, SKIPPED)) -> list[tuple[str, str, str]]:
        """``(url, state, reason)`` of URLs in the given states, oldest first."""
        return self.rows.in_states(states)
