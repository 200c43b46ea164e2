"""The crawl frontier, persisted in the workspace database.

Every canonical URL the crawler has seen has one row. A run takes the highest-priority
queued rows, marks them ``active`` and leased to itself, and marks them ``done``,
``failed`` or ``skipped`` (with the reason) when they are settled. Writes are batched by
the caller and flushed often. Several workers (on one machine or many, sharing one
PostgreSQL database) may take from one frontier at once: each row goes to one worker,
which renews its leases while it runs (:meth:`Frontier.heartbeat`). A worker killed with
``kill -9`` leaves rows ``active``; they go back in the queue when their lease expires,
or at once when the next run on the same machine finds its process gone
(:meth:`Frontier.recover`), never while their worker lives, so nothing is lost and
nothing fetched twice. What was captured is marked done from the capture index, so
nothing captured is fetched again.

The rows live in :class:`wildtrace.store.frontier.FrontierStore`; this module decides
what a URL's row is (its canonical form and key, what is fetchable at all) and what the
states and reasons mean.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from wildtrace.collect.canonical import acceptable, canonical_url, domain_of, url_key
from wildtrace.collect.workers import WorkerId, gone_here
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
    """Queue of URLs to crawl, kept in the ``frontier`` table, taken as ``worker``
    (this process, unless given) with leases of ``lease`` seconds."""

    def __init__(self, rows: FrontierStore, worker: WorkerId | None = None,
                 lease: float = 120.0) -> None:
        self.rows = rows
        self.worker = worker or WorkerId.here()
        self.lease = lease
        self.registered = False

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
        """Put back in the queue the rows of workers that are gone: leases that expired,
        those of workers of this machine whose process no longer runs (a crawl killed
        here and started again resumes at once), and those of takers that never
        registered; a running worker's rows on any machine stay its own. Returns how
        many went back."""
        running = self.rows.workers.all(running_only=True, limit=100_000)
        gone = gone_here(running, self.worker)
        self.rows.workers.stop(gone)
        return self.rows.reclaim([w.id for w in running if w.id not in gone])

    def join(self, detail: dict[str, object] | None = None) -> None:
        """Register this worker (``crawl status`` lists it) before it takes anything."""
        if not self.registered:
            self.rows.workers.register(self.worker.id, self.worker.host, self.worker.pid,
                                       dict(detail or {}))
            self.registered = True

    def heartbeat(self, pages: int) -> int:
        """Say this worker is alive, renew its leases, and put the expired leases of
        other workers back in the queue; returns how many went back."""
        if self.registered:
            self.rows.workers.beat(self.worker.id, pages)
        self.rows.renew(self.worker.id, self.lease)
        return self.rows.reclaim()

    def leave(self, pages: int) -> int:
        """Give back what this worker took and never settled, and mark it stopped;
        returns how many rows went back in the queue."""
        n = self.rows.release(self.worker.id)
        if self.registered:
            self.rows.workers.stop([self.worker.id], pages)
        return n

    def others_busy(self) -> bool:
        """Whether other workers hold live leases (their pages may queue more links)."""
        return any(w != self.worker.id and n > expired
                   for w, n, expired, _ in self.rows.leases())

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
                for r in self.rows.take(n, domains, cap, exclude, self.worker.id,
                                        self.lease)]

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
