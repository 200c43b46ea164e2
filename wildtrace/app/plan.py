"""A crawl's plan, and the page processor it makes: what a page worker needs to store a
crawl's pages.

The plan is plain data (terms, sites, follow rules), so it crosses to the page-worker
process cheaply; each side builds the same processor from it. Relevance comes from the
assess stage's model when one is usable (``focus = "assess"``), else from the watch's
keywords, and the links of each page are ranked with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from wildtrace.app.pages import PageProcessor, evidence_session, page_processor
from wildtrace.collect.discovery import DiscoveryBook
from wildtrace.collect.links import LinkPolicy, Score
from wildtrace.collect.venues import VenueBook
from wildtrace.collect.watch import DEFAULT_TERMS, keyword_scorer
from wildtrace.config import Settings
from wildtrace.errors import WildtraceError
from wildtrace.workspace import Workspace


@dataclass(frozen=True)
class CrawlPlan:
    """What a crawl's page worker needs; plain data, so it can cross to a process."""

    terms: tuple[str, ...] = DEFAULT_TERMS
    domains: tuple[str, ...] = ()
    follow: bool = True
    max_depth: int = 10
    purpose: str = "wildtrace crawl"


class BatchScore:
    """A relevance function that also scores a batch at once (``many``)."""

    def __init__(self, many: Callable[[list[str]], list[float]]) -> None:
        self.many = many

    def __call__(self, text: str) -> float:
        return self.many([text])[0]


def page_scorer(settings: Settings, fallback: Score) -> tuple[Score, str]:
    """The assess stage's relevance score as a function (with a batch form), or
    ``fallback``; and the name of the one chosen."""
    if settings.focus.strip().lower() == "keywords":
        return fallback, "keywords"
    try:
        # Deferred: loading the assess stage (and its model) is what "keywords" avoids.
        from wildtrace.assess import load_scorer

        scorer = load_scorer(settings)
        score = BatchScore(lambda texts: [float(a.score) for a in scorer.assess(texts)])
        score("test")  # fail here, not mid-crawl, if the model is unusable
        return score, "assess"
    except (ImportError, AttributeError, WildtraceError, TypeError, ValueError) as exc:
        return fallback, f"keywords ({type(exc).__name__})"


def crawl_processor(ws: Workspace, plan: CrawlPlan) -> tuple[PageProcessor, str]:
    """The page processor of a crawl under ``plan``, and the name of its scorer."""
    keywords = keyword_scorer(list(plan.terms))
    score, scorer = page_scorer(ws.settings, keywords)
    session = evidence_session(ws, durable=False, purpose=plan.purpose)
    links = LinkPolicy(frozenset(plan.domains), keywords, plan.follow, plan.max_depth)
    # Links and handles leading outside the crawl's sites become candidate venues.
    return page_processor(ws, session, score, VenueBook(ws.store.venues), links=links,
                          discovery=DiscoveryBook(plan.domains)), scorer
