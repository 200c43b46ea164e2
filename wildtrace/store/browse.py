"""Browsing every listing in the database: filters, full-text search in any script,
sorting, pages, facet counts, bulk labels and saved views.

Each listing is shown with its newest assessment (if any) and its newest label (if
any). Text search uses two indexes: on SQLite the FTS5 ``trigram`` table
``listings_trgm`` answers every word of three characters or more as a substring
(``出售象牙`` inside ``出售象牙手镯``, ``งาช้าง`` inside an unbroken Thai run), and
shorter words (``象牙``, ``ox``) are a LIKE over the rows the long words left;
on PostgreSQL every word is an ILIKE that the ``pg_trgm`` index serves. Facet counts
are one statement: the filtered set is materialised once and grouped per facet, each
facet capped to its top values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from wildtrace.store import tables as t
from wildtrace.store.core import utcnow
from wildtrace.store.tables.browse import listing_countries, saved_views

MIN_TRIGRAM = 3  # characters a word needs to be looked up in the trigram index
FACET_TOP = 12  # values shown per facet
DATE_TOP = 36  # months shown in the date facet
LABEL_VALUES = {"confirm": 1, "reject": 0, "unsure": -1}
VERDICTS = ("flagged", "not_flagged", "unassessed")
FACETS = ("taxon", "appendix", "platform", "language", "country", "seller", "form",
          "verdict", "label", "month")
FORM_PREFIX = "product_form:"


@dataclass(frozen=True, slots=True)
class BrowseFilter:
    """What the analyst narrowed every listing to; empty strings mean no filter."""

    q: str = ""
    taxon: str = ""
    appendix: str = ""
    platform: str = ""
    language: str = ""
    country: str = ""
    seller: str = ""
    form: str = ""
    verdict: str = ""  # flagged, not_flagged, unassessed
    label: str = ""  # confirm, reject, unsure, none
    date_from: str = ""
    date_to: str = ""


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_words(query: str) -> list[str]:
    """The words of a search: split on spaces, quotes and control characters removed
    (a NUL would end an FTS5 string early)."""
    cleaned = "".join(" " if c == '"' or ord(c) < 32 or 127 <= ord(c) < 160 else c
                      for c in query)
    return [w for w in cleaned.split() if w]


class _Columns:
    """The expressions of one browse query: listing, newest assessment, newest label,
    country (correlated on ``listings``)."""

    def __init__(self) -> None:
        self.l = lst = t.listings
        self.a = t.assessments
        a2 = t.assessments.alias("a_newer")
        self.newest = (sa.select(sa.func.max(a2.c.id)).where(a2.c.listing_id == lst.c.id)
                       .scalar_subquery())
        lb = t.labels
        self.label = (sa.select(lb.c.label).where(lb.c.listing_id == lst.c.id)
                      .order_by(lb.c.id.desc()).limit(1).scalar_subquery())
        self.c = listing_countries
        self.verdict = sa.case((self.a.c.id.is_(None), "unassessed"),
                               (self.a.c.relevant.is_(True), "flagged"),
                               else_="not_flagged")
        self.month = sa.func.substr(lst.c.posted, 1, 7)
        self.appendix_rank = sa.case((self.a.c.cites == "I", 1), (self.a.c.cites == "II", 2),
                                     (self.a.c.cites == "III", 3), else_=4)

    def source(self) -> sa.FromClause:
        return (self.l.outerjoin(self.a, self.a.c.id == self.newest)
                .outerjoin(self.c, self.c.c.listing_id == self.l.c.id))


def _text_filter(dialect: str, words: list[str]) -> list[sa.ColumnElement[bool]]:
    """One condition per search word (all must hold)."""
    lst = t.listings
    out: list[sa.ColumnElement[bool]] = []
    if dialect == "sqlite":
        long = [w for w in words if len(w) >= MIN_TRIGRAM]
        if long:
            match = " ".join('"' + w + '"' for w in long)
            trgm: sa.Select[Any] = (
                sa.select(sa.column("rowid")).select_from(sa.table("listings_trgm"))
                .where(sa.text("listings_trgm MATCH :trgm").bindparams(trgm=match)))
            out.append(lst.c.id.in_(trgm))
        for w in words:
            if len(w) < MIN_TRIGRAM:
                pat = "%" + _like_escape(w) + "%"
                out.append(sa.or_(lst.c.title.like(pat, escape="\\"),
                                  lst.c.description.like(pat, escape="\\")))
        return out
    # The exact expression of the pg_trgm index (migration 0017), so the planner uses it.
    text: sa.ColumnElement[str] = sa.literal_column("(coalesce(listings.title, '') || ' ' || "
                             "coalesce(listings.description, ''))")
    return [text.ilike("%" + _like_escape(w) + "%", escape="\\") for w in words]


def _where(k: _Columns, flt: BrowseFilter, dialect: str) -> list[sa.ColumnElement[bool]]:
    lst, a = k.l, k.a
    cond = _text_filter(dialect, search_words(flt.q)) if flt.q.strip() else []
    if flt.taxon:
        cond.append(a.c.taxa.ilike("%" + _like_escape(flt.taxon) + "%", escape="\\"))
    if flt.appendix:
        cond.append(sa.func.coalesce(a.c.cites, "") ==
                    ("" if flt.appendix == "none" else flt.appendix))
    if flt.platform:
        cond.append(lst.c.source == flt.platform)
    if flt.language:
        cond.append(lst.c.language == ("" if flt.language == "none" else flt.language))
    if flt.country:
        cond.append(sa.func.coalesce(k.c.c.country, "") ==
                    ("" if flt.country == "none" else flt.country))
    if flt.seller:
        cond.append(lst.c.seller == ("" if flt.seller == "none" else flt.seller))
    if flt.form:
        cond.append(a.c.flags.like("%" + _like_escape(FORM_PREFIX + flt.form) + "%",
                                   escape="\\"))
    if flt.verdict:
        cond.append(k.verdict == flt.verdict)
    if flt.label == "none":
        cond.append(k.label.is_(None))
    elif flt.label:
        cond.append(k.label == LABEL_VALUES[flt.label])
    if flt.date_from:
        cond.append(sa.func.substr(lst.c.posted, 1, 10) >= flt.date_from)
    if flt.date_to:
        # An unknown date (empty) is never inside a range.
        cond.append(sa.and_(lst.c.posted != "",
                            sa.func.substr(lst.c.posted, 1, 10) <= flt.date_to))
    return cond


def _sort_key(k: _Columns, sort: str) -> sa.ColumnElement[Any]:
    keys: dict[str, sa.ColumnElement[Any]] = {
        "id": k.l.c.id, "posted": k.l.c.posted, "score": k.a.c.score, "price": k.l.c.price,
        "title": k.l.c.title, "platform": k.l.c.source, "seller": k.l.c.seller,
        "language": k.l.c.language, "country": k.c.c.country, "cites": k.appendix_rank,
    }
    return keys[sort]


SORTS = ("id", "posted", "score", "price", "title", "platform", "seller", "language",
         "country", "cites")


class BrowseStore:
    """Every listing, filtered, searched, sorted and counted; saved views."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def _dialect(self) -> str:
        return str(self.engine.dialect.name)

    def _filtered(self, flt: BrowseFilter, columns: Sequence[sa.ColumnElement[Any]],
                  k: _Columns) -> sa.Select[Any]:
        return sa.select(*columns).select_from(k.source()).where(
            *_where(k, flt, self._dialect))

    def rows(self, flt: BrowseFilter, sort: str = "id", descending: bool = True,
             offset: int = 0, limit: int = 50) -> list[dict[str, Any]]:
        """One page of listings passing ``flt`` in ``sort`` order (then id), each with
        its newest assessment's fields, newest label and country."""
        k = _Columns()
        cols = [k.l.c.id, k.l.c.title, k.l.c.description, k.l.c.source, k.l.c.url,
                k.l.c.price, k.l.c.currency, k.l.c.seller, k.l.c.language, k.l.c.posted,
                k.l.c.location, k.a.c.score, k.a.c.risk, k.a.c.relevant, k.a.c.taxa,
                k.a.c.cites, k.a.c.flags, k.label.label("label"),
                sa.func.coalesce(k.c.c.country, "").label("country")]
        key = _sort_key(k, sort)
        first = key.desc().nulls_last() if descending else key.asc().nulls_last()
        tie = k.l.c.id.desc() if descending else k.l.c.id.asc()
        q = self._filtered(flt, cols, k).order_by(first, tie).offset(offset).limit(limit)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def ids(self, flt: BrowseFilter, limit: int) -> list[int]:
        """Up to ``limit`` ids of listings passing ``flt``, in id order."""
        k = _Columns()
        q = self._filtered(flt, [k.l.c.id], k).order_by(k.l.c.id).limit(limit)
        with self.engine.connect() as conn:
            return [int(i) for i in conn.execute(q).scalars()]

    def facets(self, flt: BrowseFilter) -> tuple[int, dict[str, list[tuple[str, int]]]]:
        """The number of listings passing ``flt`` and, per facet, its top values with
        their counts within that set (one statement; see the module's docstring)."""
        k = _Columns()
        cols = [k.l.c.source.label("platform"), k.l.c.language.label("language"),
                k.l.c.seller.label("seller"),
                sa.func.coalesce(k.c.c.country, "").label("country"),
                sa.func.coalesce(k.a.c.cites, "").label("appendix"),
                sa.func.coalesce(k.a.c.taxa, "").label("taxa"),
                sa.func.coalesce(k.a.c.flags, "").label("flags"),
                k.verdict.label("verdict"), k.label.label("label"),
                k.month.label("month")]
        f = self._filtered(flt, cols, k).cte("f").prefix_with("MATERIALIZED")
        # Every part is a (facet, value, n) SELECT: the typed Selects differ only there.
        parts: list[Any] = [sa.select(
            sa.literal("total").label("facet"), sa.literal("").label("value"),
            sa.func.count().label("n")).select_from(f)]
        for name in ("platform", "language", "seller", "country", "appendix", "verdict",
                     "month"):
            col = f.c[name]
            grouped = (sa.select(sa.literal(name).label("facet"), col.label("value"),
                                 sa.func.count().label("n")).group_by(col))
            if name == "month":
                grouped = grouped.order_by(col.desc()).limit(DATE_TOP)
            else:
                grouped = grouped.order_by(sa.func.count().desc(), col).limit(FACET_TOP)
            parts.append(sa.select(grouped.subquery()))
        lab = sa.func.coalesce(sa.cast(f.c.label, sa.String), "none")
        parts.append(sa.select(sa.select(sa.literal("label").label("facet"),
                                         lab.label("value"), sa.func.count().label("n"))
                               .group_by(lab).subquery()))
        parts += self._split_facets(f)
        out: dict[str, list[tuple[str, int]]] = {name: [] for name in FACETS}
        total = 0
        with self.engine.connect() as conn:
            for facet, value, n in conn.execute(sa.union_all(*parts)):
                if facet == "total":
                    total = int(n)
                else:
                    out[facet].append((str(value if value is not None else ""), int(n)))
        names = {"1": "confirm", "0": "reject", "-1": "unsure", "none": "none"}
        out["label"] = sorted(((names.get(v, v), n) for v, n in out["label"]),
                              key=lambda p: -p[1])
        return total, out

    def _split_facets(self, f: sa.CTE) -> list[Any]:
        """Taxon and product form: values of ``;``-joined lists, counted per value."""
        parts: list[Any] = []
        for name, column, prefix in (("taxon", "taxa", ""), ("form", "flags", FORM_PREFIX)):
            if self._dialect == "postgresql":
                items = sa.select(sa.func.unnest(sa.func.string_to_array(
                    f.c[column], ";")).label("v")).subquery()
            else:
                # A recursive split: (value, rest of the list) until the list is used up.
                start = sa.select(sa.literal("").label("v"),
                                  (f.c[column] + ";").label("rest")).where(f.c[column] != "")
                split = start.cte(f"split_{name}", recursive=True)
                cut = sa.func.instr(split.c.rest, ";")
                split = split.union_all(sa.select(
                    sa.func.substr(split.c.rest, 1, cut - 1),
                    sa.func.substr(split.c.rest, cut + 1)).where(split.c.rest != ""))
                items = sa.select(split.c.v).subquery()
            v = items.c.v
            keep = v != "" if not prefix else v.like(prefix + "%")
            value = v if not prefix else sa.func.substr(v, len(prefix) + 1)
            parts.append(sa.select(sa.select(
                sa.literal(name).label("facet"), value.label("value"),
                sa.func.count().label("n")).where(keep).group_by(value)
                .order_by(sa.func.count().desc(), value).limit(FACET_TOP).subquery()))
        return parts

    def add_labels(self, ids: Sequence[int], label: int, user: str, note: str) -> None:
        """Label every listing of ``ids`` at once (one transaction)."""
        now = utcnow()
        rows = [{"listing_id": i, "label": label, "user": user, "note": note,
                 "created_at": now} for i in ids]
        if rows:
            with self.engine.begin() as conn:
                conn.execute(t.labels.insert(), rows)

    # -- countries ----------------------------------------------------------------------
    def uncountried(self, limit: int) -> list[tuple[int, str, str]]:
        """(id, url, location) of up to ``limit`` listings newer than any given a
        country yet (listings are only ever added, so the newest ids are the new ones)."""
        done = sa.select(sa.func.coalesce(sa.func.max(listing_countries.c.listing_id), 0))
        q = (sa.select(t.listings.c.id, t.listings.c.url, t.listings.c.location)
             .where(t.listings.c.id > done.scalar_subquery())
             .order_by(t.listings.c.id).limit(limit))
        with self.engine.connect() as conn:
            return [(int(i), u or "", loc or "") for i, u, loc in conn.execute(q)]

    def set_countries(self, found: Sequence[tuple[int, str]]) -> None:
        """Record each listing's country ("" unknown); another server that recorded
        one first wins (the same answer)."""
        if not found:
            return
        rows = [{"listing_id": i, "country": c} for i, c in found]
        insert = (postgresql.insert(listing_countries) if self._dialect == "postgresql"
                  else sqlite.insert(listing_countries))
        with self.engine.begin() as conn:
            conn.execute(insert.on_conflict_do_nothing(), rows)

    # -- saved views --------------------------------------------------------------------
    def views(self, user: str) -> list[tuple[str, str]]:
        """(name, query string) of ``user``'s saved views, by name."""
        q = (sa.select(saved_views.c.name, saved_views.c.query)
             .where(saved_views.c.user == user).order_by(saved_views.c.name))
        with self.engine.connect() as conn:
            return [(n, qs) for n, qs in conn.execute(q)]

    def save_view(self, user: str, name: str, query: str) -> None:
        """Save (or replace) ``user``'s view ``name``."""
        sv = saved_views
        with self.engine.begin() as conn:
            conn.execute(sv.delete().where(sv.c.user == user, sv.c.name == name))
            conn.execute(sv.insert().values(user=user, name=name, query=query,
                                            created_at=utcnow()))

    def delete_view(self, user: str, name: str) -> bool:
        """Remove ``user``'s view ``name``; False when there was none."""
        sv = saved_views
        with self.engine.begin() as conn:
            res = conn.execute(sv.delete().where(sv.c.user == user, sv.c.name == name))
            return bool(res.rowcount)
