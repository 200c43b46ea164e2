"""What an analyst reviews, in the database: the queue, listing pages, and a listing's
assessments, taxon matches and labels.

Each listing's newest assessment is the one that counts. The queue walks assessments in
``(score, id)`` order through an index and keeps those that are their listing's newest
(an index lookup on ``(listing_id, id)``), so the first page of a million-listing
workspace costs a few hundred index probes, not a full scan. Many listings tie on
score (every rule-flagged Appendix I listing scores 1.00), so ties are broken by what
matters next: CITES Appendix I before II before III, then the newer posting (unknown
dates last), then the seller with more listings on the platform (reach), then the
newer assessment. Pages continue after that whole key (keyset pagination), never from
an OFFSET; the index still orders by score, and only each block of tied scores is
sorted. The cursor format and the active-learning choice are
:mod:`wildtrace.act.review`'s.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wildtrace.store import tables as t

SELECTIVE = 20_000  # fewer listings than this behind a filter: start from them
MAX_VOCABULARY = 200_000  # distinct taxa values kept per workspace for the taxon filter
REREAD = 10_000  # assessments below the last one read, read again with new ones
GAVE_UP = "\0too many"  # marks a vocabulary too large to keep

# (score, appendix rank, reach, assessment id, posted day) of the previous page's last row
After = tuple[float, int, int, int, str]


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """What the analyst narrowed the queue to; empty strings mean no filter."""

    taxon: str = ""
    appendix: str = ""
    platform: str = ""
    language: str = ""
    date_from: str = ""
    date_to: str = ""
    include_labelled: bool = False
    include_unflagged: bool = False


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class TaxaVocabulary:
    """The distinct ``taxa`` values of each workspace's assessments, kept up to date
    incrementally (assessments are only ever added), so a taxon filter that matches no
    assessment at all is answered at once.

    The queue's taxon filter is a case-insensitive substring test, which no index can
    serve; one that matches nothing would otherwise walk the whole score index (6.6 s
    for a million listings). The answer "nothing matches" must never be wrong, so the
    test here is looser than the database's: only ASCII filters are answered (every
    database lower-cases ASCII the same way, near enough), and values holding other
    characters always count as possible matches (PostgreSQL may fold them differently).
    """

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}  # one per database
        # database -> (last id read, that row's created_at, values)
        self._known: dict[str, tuple[int, Any, set[str]]] = {}

    def _read(self, engine: Engine, where: str, fresh: bool) -> set[str] | None:
        a = t.assessments
        with self._guard:
            lock = self._locks.setdefault(where, threading.Lock())
        with lock:
            last, stamp, values = self._known.get(where, (0, None, set()))
            with engine.connect() as conn:
                if last and conn.execute(sa.select(a.c.created_at).where(
                        a.c.id == last)).scalar() != stamp:
                    last, values = 0, set()  # another database at the same address
                newest, stamp = conn.execute(sa.select(a.c.id, a.c.created_at).order_by(
                    a.c.id.desc()).limit(1)).first() or (0, None)
                if newest > last or fresh:
                    # Read again a window below the last id read: on PostgreSQL the
                    # ids of concurrent writers can commit out of order.
                    values = values | {str(v) for v in conn.execute(
                        sa.select(a.c.taxa).where(a.c.id > last - REREAD).distinct()
                    ).scalars() if v}
            if len(values) > MAX_VOCABULARY:
                values = {GAVE_UP}
            self._known[where] = (newest, stamp, values)
        return None if GAVE_UP in values else values

    def matching(self, engine: Engine, text: str) -> list[str] | None:
        """Values that may contain ``text``; None when this cannot tell (a filter with
        characters other than ASCII, or a vocabulary too large to keep): the filter
        then runs as a plain substring walk."""
        if not text.isascii():
            return None
        where = engine.url.render_as_string(hide_password=True)
        needle = text.lower()
        for fresh in (False, True):
            values = self._read(engine, where, fresh)
            if values is None:
                return None
            found = [v for v in values if not v.isascii() or needle in v.lower()]
            if found:
                return found
            # About to answer "nothing": read the recent window again first, in case
            # an earlier transaction committed since.
        return []


VOCABULARY = TaxaVocabulary()


def _base(flt: QueueFilter, language_index: bool = False) -> sa.Select[Any]:
    """Newest assessments joined with their listings, narrowed by the filter.

    Without ``language_index`` the language test is written so no index can serve it
    (``language || ''``): the planner then keeps walking the score index, which is the
    fast plan when many listings match.
    """
    a, lst = t.assessments, t.listings
    a2 = t.assessments.alias("a2")
    newer = (sa.select(sa.func.max(a2.c.id)).where(a2.c.listing_id == a.c.listing_id)
             .scalar_subquery())
    q = (sa.select(lst.c.id, lst.c.title, lst.c.source, lst.c.url, lst.c.price,
                   lst.c.currency, lst.c.seller, lst.c.language, lst.c.posted,
                   lst.c.location,
                   # the start of the text is the heading of a row without a title
                   sa.func.substr(lst.c.description, 1, 400).label("description"),
                   a.c.id.label("assessment_id"), a.c.score, a.c.risk,
                   a.c.relevant, a.c.taxa, a.c.cites, a.c.flags, a.c.model_version)
         .select_from(a.join(lst, lst.c.id == a.c.listing_id))
         .where(a.c.id == newer))
    if not flt.include_unflagged:
        q = q.where(a.c.relevant.is_(True))
    if not flt.include_labelled:
        q = q.where(~sa.exists().where(t.labels.c.listing_id == a.c.listing_id))
    if flt.taxon:
        q = q.where(a.c.taxa.ilike("%" + _like_escape(flt.taxon) + "%", escape="\\"))
    if flt.appendix:
        q = q.where(a.c.cites == flt.appendix)
    if flt.platform:
        dom = _like_escape(flt.platform.lower())
        q = q.where(sa.or_(lst.c.source == flt.platform,
                           lst.c.url.like("%://" + dom + "/%", escape="\\"),
                           lst.c.url.like("%://www." + dom + "/%", escape="\\")))
    if flt.language:
        column = lst.c.language if language_index else lst.c.language + ""
        q = q.where(column == flt.language)
    if flt.date_from:
        q = q.where(sa.func.substr(lst.c.posted, 1, 10) >= flt.date_from)
    if flt.date_to:
        q = q.where(sa.func.substr(lst.c.posted, 1, 10) <= flt.date_to)
    return q


def queue_query(flt: QueueFilter, after: After | None = None, limit: int = 50,
                by_listing: bool = False) -> sa.Select[Any]:
    """The SELECT of one queue page (exposed so the bench can EXPLAIN it).

    ``by_listing`` orders by ``score + 0``, which no index provides, so the database
    starts from the listings the (indexed) filter selects and sorts just those: the
    fast plan when that filter matches few listings.
    """
    a = t.assessments
    rank, day, reach = tie_breaks()
    q = _base(flt, language_index=by_listing).add_columns(
        rank.label("appendix_rank"), day.label("posted_day"), reach.label("reach"))
    if after is not None:
        score, after_rank, after_reach, aid, after_day = after
        q = q.where(sa.or_(a.c.score < score, sa.and_(a.c.score == score, sa.or_(
            rank > after_rank, sa.and_(rank == after_rank, sa.or_(
                day < after_day, sa.and_(day == after_day, sa.or_(
                    reach < after_reach, sa.and_(reach == after_reach,
                                                 a.c.id < aid)))))))))
    key = (a.c.score + 0) if by_listing else a.c.score
    return q.order_by(key.desc(), rank, day.desc(), reach.desc(), a.c.id.desc()).limit(limit)


def tie_breaks() -> tuple[sa.ColumnElement[int], sa.ColumnElement[str],
                          sa.ColumnElement[int]]:
    """The queue's keys after the score: appendix rank (I=1 … none=4), the posted day
    ("" when unknown, so it sorts last in newest-first order) and the seller's reach
    (listings of the same account on the same platform; 0 without a seller)."""
    a, lst = t.assessments, t.listings
    rank = sa.case((a.c.cites == "I", 1), (a.c.cites == "II", 2), (a.c.cites == "III", 3),
                   else_=4)
    day = sa.func.substr(lst.c.posted, 1, 10)
    other = t.listings.alias("same_seller")
    count = (sa.select(sa.func.count()).where(other.c.source == lst.c.source,
                                              other.c.seller == lst.c.seller)
             .scalar_subquery())
    reach = sa.case((lst.c.seller == "", 0), else_=count)
    return rank, day, reach


class ReviewStore:
    """The review queue and a listing's judgements, in one workspace database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _few_listings(self, flt: QueueFilter) -> bool:
        """True when an indexed filter (language) selects fewer than ``SELECTIVE``
        listings: walking the score index then finds matches only rarely, possibly never
        (a full scan), and starting from those listings is faster."""
        if not flt.language:
            return False
        capped = (sa.select(t.listings.c.id).where(t.listings.c.language == flt.language)
                  .limit(SELECTIVE).subquery())
        with self.engine.connect() as conn:
            n = conn.execute(sa.select(sa.func.count()).select_from(capped)).scalar() or 0
        return int(n) < SELECTIVE

    def names_taxon(self, text: str) -> bool:
        """False when no assessment's taxa contain ``text`` (answered at once from the
        vocabulary); True when some may."""
        return VOCABULARY.matching(self.engine, text) != []

    def queue_rows(self, flt: QueueFilter, after: After | None,
                   limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` newest assessments (with their listings' fields) that pass the
        filter, highest score first, after the key ``after``."""
        query = queue_query(flt, after, limit, by_listing=self._few_listings(flt))
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def nearest(self, flt: QueueFilter, threshold: float,
                pool: int) -> list[dict[str, Any]]:
        """Up to ``pool`` newest assessments passing the filter (flagged or not) whose
        scores are nearest ``threshold``: half from above it, half from below (two index
        range scans)."""
        a = t.assessments
        base = _base(flt)
        above = base.where(a.c.score >= threshold).order_by(a.c.score, a.c.id).limit(pool // 2)
        below = (base.where(a.c.score < threshold).order_by(a.c.score.desc(), a.c.id.desc())
                 .limit(pool // 2))
        with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(above)]
            rows += [dict(r._mapping) for r in conn.execute(below)]
        return rows

    def possible(self, flt: QueueFilter, threshold: float, band: float,
                 after: tuple[float, int] | None, limit: int) -> list[dict[str, Any]]:
        """Newest assessments *not* judged relevant that name a CITES-listed taxon or
        scored within ``band`` below ``threshold``: the misses an analyst should still
        see. Highest score first, keyset pages after ``(score, assessment id)``."""
        a = t.assessments
        q = (_base(replace(flt, include_unflagged=True))
             .where(a.c.relevant.is_(False))
             .where(sa.or_(a.c.cites.in_(("I", "II", "III")),
                           a.c.score >= threshold - band)))
        if after is not None:
            score, aid = after
            q = q.where(sa.or_(a.c.score < score, sa.and_(a.c.score == score, a.c.id < aid)))
        q = q.order_by(a.c.score.desc(), a.c.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def listing_row(self, listing_id: int) -> dict[str, Any] | None:
        """One stored listing row (every column, JSON columns as text), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.listings).where(
                t.listings.c.id == listing_id)).first()
        return dict(row._mapping) if row else None

    def listing_page(self, *, ids: Sequence[int] | None = None, source: str = "",
                     after: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        """Stored listing rows in id order after id ``after``: only ``ids`` when given
        (a search's matches), only platform ``source`` when given."""
        lst = t.listings
        q = sa.select(lst).order_by(lst.c.id).limit(limit)
        if ids is not None:
            q = q.where(lst.c.id.in_(list(ids) or [-1]))
        if source:
            q = q.where(lst.c.source == source)
        if after:
            q = q.where(lst.c.id > after)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def assessments_of(self, listing_id: int) -> list[dict[str, Any]]:
        """Every assessment of a listing (each model version), newest first."""
        q = (sa.select(t.assessments).where(t.assessments.c.listing_id == listing_id)
             .order_by(t.assessments.c.id.desc()))
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def latest_assessment(self, listing_id: int) -> dict[str, Any] | None:
        """The newest assessment of a listing, or None."""
        q = (sa.select(t.assessments).where(t.assessments.c.listing_id == listing_id)
             .order_by(t.assessments.c.id.desc()).limit(1))
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        return dict(row._mapping) if row else None

    def matches_of(self, listing_id: int, run_id: int | None) -> list[dict[str, Any]]:
        """Taxon matches of one run (the newest assessment's), or of any run if None,
        in text order."""
        q = sa.select(t.taxon_matches).where(t.taxon_matches.c.listing_id == listing_id)
        if run_id is not None:
            q = q.where(t.taxon_matches.c.run_id == run_id)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q.order_by(t.taxon_matches.c.start))]

    def newest_matches(self, listing_id: int) -> list[dict[str, Any]]:
        """Taxon matches of the run of the listing's newest assessment (of any run when
        it has none), in text order: :meth:`matches_of` in one query."""
        tm, a = t.taxon_matches, t.assessments
        newest_run = (sa.select(a.c.run_id).where(a.c.listing_id == listing_id)
                      .order_by(a.c.id.desc()).limit(1).scalar_subquery())
        q = (sa.select(tm).where(tm.c.listing_id == listing_id,
                                 tm.c.run_id == sa.func.coalesce(newest_run, tm.c.run_id))
             .order_by(tm.c.start))
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def labels_of(self, listing_id: int) -> list[dict[str, Any]]:
        """Every label given to a listing, newest first (``label``: 1, 0 or -1)."""
        q = (sa.select(t.labels).where(t.labels.c.listing_id == listing_id)
             .order_by(t.labels.c.id.desc()))
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]
