"""Storage of the report: counts aggregated in the database, and the top flagged rows.

The report used to load every listing with its assessment into memory, which at a
million listings meant gigabytes of dicts for a page that shows a hundred rows. These
queries let the database count (per source, relevance and appendix; per taxa string)
and return only the rows the report prints, with long texts cut in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wildtrace.store.market import _newest_assessment
from wildtrace.store.tables import assessments, input_errors, listings

TEXT_CHARS = 1000  # of a title or description returned for a flagged row


@dataclass(frozen=True, slots=True)
class SourceCount:
    """Assessed listings of one source (platform, import file) and how many are flagged
    relevant, by the highest CITES appendix their newest assessment named."""

    source: str
    relevant: bool
    cites: str
    listings: int


@dataclass(frozen=True, slots=True)
class FlaggedRow:
    """One flagged listing as the report's table shows it."""

    listing_id: int
    source: str
    url: str
    origin: str
    title: str
    description: str
    score: float
    taxa: str
    cites: str
    flags: str
    reasons: str  # JSON list


class ReportStore:
    """Read-only queries of ``wildtrace report``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def source_counts(self) -> list[SourceCount]:
        """Assessed listings grouped by source, relevance and appendix (newest
        assessment of each listing); listings never assessed are not counted."""
        a, lst = assessments.c, listings.c
        q = (sa.select(lst.source, a.relevant, a.cites, sa.func.count())
             .select_from(listings.join(assessments, a.id == _newest_assessment()))
             .group_by(lst.source, a.relevant, a.cites))
        with self.engine.connect() as conn:
            return [SourceCount(str(s or ""), bool(r), str(c or ""), int(n))
                    for s, r, c, n in conn.execute(q)]

    def relevant_taxa(self) -> list[tuple[str, str, int]]:
        """``(taxa, cites, listings)`` per distinct ``;``-joined taxa string among
        listings flagged relevant: far fewer rows than listings."""
        a = assessments.c
        q = (sa.select(a.taxa, a.cites, sa.func.count())
             .select_from(listings.join(assessments, a.id == _newest_assessment()))
             .where(a.relevant.is_(True)).group_by(a.taxa, a.cites))
        with self.engine.connect() as conn:
            return [(str(t or ""), str(c or ""), int(n)) for t, c, n in conn.execute(q)]

    def top_flagged(self, limit: int) -> list[FlaggedRow]:
        """Up to ``limit`` listings flagged relevant, highest score first (then newest
        id), with titles and descriptions cut to :data:`TEXT_CHARS` characters."""
        a, lst = assessments.c, listings.c
        q = (sa.select(lst.id, lst.source, lst.url, lst.origin,
                       sa.func.substr(lst.title, 1, TEXT_CHARS),
                       sa.func.substr(lst.description, 1, TEXT_CHARS),
                       a.score, a.taxa, a.cites, a.flags, a.reasons)
             .select_from(listings.join(assessments, a.id == _newest_assessment()))
             .where(a.relevant.is_(True))
             .order_by(a.score.desc(), lst.id).limit(limit))
        with self.engine.connect() as conn:
            return [FlaggedRow(int(i), str(s or ""), str(u or ""), str(o or ""),
                               str(t or ""), str(d or ""), float(sc), str(tx or ""),
                               str(c or ""), str(f or ""), str(r or "[]"))
                    for i, s, u, o, t, d, sc, tx, c, f, r in conn.execute(q)]

    def error_count(self) -> int:
        """How many input problems are recorded in all."""
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count())
                                    .select_from(input_errors)).scalar() or 0)
