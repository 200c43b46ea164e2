"""Queries of anticipation and sharing: term decisions, alert subscriptions and their
deliveries, watch-run history, and the reads that emerging-term and alert rules need.

Reached as ``ws.store.intel``. Tables in :mod:`wildtrace.store.tables.intel`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from wildtrace.store import tables as t
from wildtrace.store.core import utcnow
from wildtrace.store.tables.intel import (
    alert_deliveries,
    alert_subscriptions,
    term_decisions,
    watch_runs,
)


def _row(r: Any, *json_cols: str) -> dict[str, Any]:
    d = dict(r._mapping)
    for c in json_cols:
        try:
            d[c] = json.loads(d.get(c) or ("[]" if c == "evidence" else "{}"))
        except ValueError:
            d[c] = {}
    return d


class IntelStore:
    """Term decisions, alerts and watch runs."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ------------------------------------------------------------------ terms
    def decide_term(self, key: str, term: str, status: str, user: str, *, taxon: str = "",
                    kind: str = "", lang: str = "", evidence: Sequence[int] = (),
                    detail: dict[str, Any] | None = None) -> None:
        """Record (or change) the decision on one term."""
        values = {"term": term[:200], "status": status, "taxon": taxon[:200],
                  "kind": kind[:20], "lang": lang[:16], "decided_by": user[:200],
                  "decided_at": utcnow(), "evidence": json.dumps(list(evidence)[:200]),
                  "detail": json.dumps(detail or {}, default=str)}
        with self.engine.begin() as conn:
            done = conn.execute(term_decisions.update()
                                .where(term_decisions.c.term_key == key[:200])
                                .values(**values)).rowcount
            if not done:
                conn.execute(term_decisions.insert().values(term_key=key[:200], **values))

    def term_decisions(self) -> dict[str, dict[str, Any]]:
        """Every decision by term key."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(term_decisions).order_by(term_decisions.c.id))
            return {r.term_key: _row(r, "evidence", "detail") for r in rows}

    # ------------------------------------------------------------------ reads for rules
    @staticmethod
    def _assessed(where: Any, limit: int) -> Any:
        """Listings matching ``where`` (a condition on a listing id column) with their
        newest assessment's taxa, CITES appendix, flags and score, oldest first."""
        latest = (sa.select(t.assessments.c.listing_id,
                            sa.func.max(t.assessments.c.id).label("aid"))
                  .where(where(t.assessments.c.listing_id))
                  .group_by(t.assessments.c.listing_id).subquery())
        a, ls = t.assessments, t.listings
        return (sa.select(ls.c.id, ls.c.source, ls.c.url, ls.c.title, ls.c.description,
                          ls.c.seller, ls.c.location, ls.c.posted, ls.c.language,
                          ls.c.created_at, a.c.taxa, a.c.cites, a.c.flags, a.c.score)
                .select_from(ls.outerjoin(latest, latest.c.listing_id == ls.c.id)
                             .outerjoin(a, a.c.id == latest.c.aid))
                .where(where(ls.c.id)).order_by(ls.c.id).limit(limit))

    def listings_after(self, after: int, limit: int = 500) -> list[dict[str, Any]]:
        """Listings with id > ``after`` (oldest first) with their newest assessment's
        taxa, CITES appendix, flags and score."""
        q = self._assessed(lambda col: col > after, limit)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def listings_assessed(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """The listings of ``ids`` as :meth:`listings_after` gives them, by id (the
        reposts a revisit-based alert considers)."""
        wanted = sorted({int(i) for i in ids})
        out: dict[int, dict[str, Any]] = {}
        with self.engine.connect() as conn:
            for i in range(0, len(wanted), 500):
                chunk = wanted[i:i + 500]
                q = self._assessed(lambda col, c=chunk: col.in_(c), len(chunk))
                out.update({int(r.id): dict(r._mapping) for r in conn.execute(q)})
        return out

    def max_listing_id(self) -> int:
        """The newest listing id (0 for none): where a new subscription's cursor starts."""
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.max(t.listings.c.id))).scalar() or 0)

    def same_titles(self, titles: Sequence[str], before: int,
                    limit: int = 2000) -> list[dict[str, Any]]:
        """Earlier listings (id < ``before``) whose title is one of ``titles``: the
        candidates a new listing may repost (compared further by the caller)."""
        wanted = [x for x in dict.fromkeys(titles) if x][:500]
        if not wanted:
            return []
        ls = t.listings
        q = (sa.select(ls.c.id, ls.c.title, ls.c.description, ls.c.url, ls.c.seller,
                       ls.c.source, ls.c.created_at)
             .where(ls.c.id < before, ls.c.title.in_(wanted)).order_by(ls.c.id).limit(limit))
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def mentions_since(self, since: datetime | None,
                       limit: int = 500_000) -> list[dict[str, Any]]:
        """What the identify stage found in listings stored since ``since``: one row per
        (listing, taxon, kind, matched text), with the listing's source, URL, language
        and dates (the events "what is rising" counts)."""
        m, ls = t.taxon_matches, t.listings
        q = (sa.select(m.c.listing_id, m.c.taxon, m.c.kind, m.c.matched, ls.c.source,
                       ls.c.url, ls.c.language, ls.c.posted, ls.c.created_at)
             .distinct()
             .select_from(m.join(ls, ls.c.id == m.c.listing_id))
             .limit(limit))
        if since is not None:
            q = q.where(ls.c.created_at >= since)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    # ------------------------------------------------------------------ alerts
    def add_subscription(self, *, name: str, rule: str, channel: str, target: str,
                         token: str, user: str, min_interval_s: int, max_per_day: int,
                         cursor: int, params: dict[str, Any]) -> int:
        """A new subscription; returns its id."""
        with self.engine.begin() as conn:
            res = conn.execute(alert_subscriptions.insert().values(
                name=name[:200], rule=rule, channel=channel, target=target[:2000],
                token=token, active=True, min_interval_s=min_interval_s,
                max_per_day=max_per_day, cursor=cursor, params=json.dumps(params),
                created_by=user[:200], created_at=utcnow()))
            key = res.inserted_primary_key
            assert key is not None
            return int(key[0])

    def subscriptions(self, *, active_only: bool = False) -> list[dict[str, Any]]:
        """Subscriptions, oldest first."""
        q = sa.select(alert_subscriptions).order_by(alert_subscriptions.c.id)
        if active_only:
            q = q.where(alert_subscriptions.c.active.is_(True))
        with self.engine.connect() as conn:
            return [_row(r, "params") for r in conn.execute(q)]

    def unsubscribe(self, token: str) -> dict[str, Any] | None:
        """Deactivate the subscription of ``token``; the subscription, or None (no such
        token, or stopped already)."""
        with self.engine.begin() as conn:
            r = conn.execute(sa.select(alert_subscriptions)
                             .where(alert_subscriptions.c.token == token[:64])).first()
            if r is None or not r.active:
                return None
            conn.execute(alert_subscriptions.update().where(alert_subscriptions.c.id == r.id)
                         .values(active=False))
            return _row(r, "params")

    def move_cursor(self, sub_id: int, cursor: int) -> None:
        """The newest listing a subscription has considered."""
        with self.engine.begin() as conn:
            conn.execute(alert_subscriptions.update()
                         .where(alert_subscriptions.c.id == sub_id).values(cursor=cursor))

    def record_delivery(self, sub_id: int, event_key: str, rule: str, status: str,
                        detail: dict[str, Any]) -> bool:
        """One delivery row; False when the event was already recorded (sent once)."""
        now = utcnow()
        try:
            with self.engine.begin() as conn:
                conn.execute(alert_deliveries.insert().values(
                    subscription_id=sub_id, event_key=event_key[:200], rule=rule,
                    status=status, at=now, detail=json.dumps(detail, default=str)))
                if status == "sent":
                    conn.execute(alert_subscriptions.update()
                                 .where(alert_subscriptions.c.id == sub_id)
                                 .values(last_sent_at=now))
        except IntegrityError:
            return False
        return True

    def known_events(self, sub_id: int, keys: Sequence[str]) -> set[str]:
        """Which of ``keys`` a subscription has recorded already (held, sent or
        failed): a rule that looks back over all its data skips them."""
        d = alert_deliveries
        wanted = sorted({k[:200] for k in keys})
        out: set[str] = set()
        with self.engine.connect() as conn:
            for i in range(0, len(wanted), 500):
                out.update(conn.execute(sa.select(d.c.event_key).where(
                    d.c.subscription_id == sub_id,
                    d.c.event_key.in_(wanted[i:i + 500]))).scalars())
        return out

    def pending(self, sub_id: int, limit: int = 500) -> list[dict[str, Any]]:
        """Events of a subscription not yet delivered (held by the rate limit, or failed
        before), oldest first."""
        d = alert_deliveries
        q = (sa.select(d).where(d.c.subscription_id == sub_id,
                                d.c.status.in_(("held", "failed")))
             .order_by(d.c.id).limit(limit))
        with self.engine.connect() as conn:
            return [_row(r, "detail") for r in conn.execute(q)]

    def mark(self, sub_id: int, keys: Sequence[str], status: str, note: str = "") -> datetime:
        """Set the status of a subscription's events at one moment (one message)."""
        now = utcnow()
        d = alert_deliveries
        with self.engine.begin() as conn:
            for i in range(0, len(keys), 500):
                conn.execute(d.update().where(d.c.subscription_id == sub_id,
                                              d.c.event_key.in_(list(keys[i:i + 500])))
                             .values(status=status, at=now))
            if status == "sent":
                conn.execute(alert_subscriptions.update()
                             .where(alert_subscriptions.c.id == sub_id)
                             .values(last_sent_at=now))
        return now

    def messages_since(self, sub_id: int, since: datetime) -> int:
        """How many messages a subscription was sent since ``since`` (events sent at one
        moment are one message)."""
        d = alert_deliveries
        q = (sa.select(sa.func.count(sa.distinct(d.c.at)))
             .where(d.c.subscription_id == sub_id, d.c.status == "sent", d.c.at >= since))
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar() or 0)

    def deliveries(self, sub_id: int | None = None, *, status: str | None = None,
                   since: datetime | None = None, limit: int = 200) -> list[dict[str, Any]]:
        """Deliveries, newest first."""
        q = sa.select(alert_deliveries).order_by(alert_deliveries.c.id.desc()).limit(limit)
        if sub_id is not None:
            q = q.where(alert_deliveries.c.subscription_id == sub_id)
        if status is not None:
            q = q.where(alert_deliveries.c.status == status)
        if since is not None:
            q = q.where(alert_deliveries.c.at >= since)
        with self.engine.connect() as conn:
            return [_row(r, "detail") for r in conn.execute(q)]

    # ------------------------------------------------------------------ watch runs
    def start_watch_run(self, watch: str) -> int:
        """A run begins (status ``running``); returns its id."""
        with self.engine.begin() as conn:
            res = conn.execute(watch_runs.insert().values(
                watch=watch[:200], status="running", started_at=utcnow(), detail="{}"))
            key = res.inserted_primary_key
            assert key is not None
            return int(key[0])

    def finish_watch_run(self, run_id: int, status: str, detail: dict[str, Any],
                         error: str = "") -> None:
        """A run ends, ``ok`` or ``failed``, with its counts and baseline."""
        with self.engine.begin() as conn:
            conn.execute(watch_runs.update().where(watch_runs.c.id == run_id).values(
                status=status, finished_at=utcnow(), error=error[:4000],
                detail=json.dumps(detail, default=str)))

    def watch_runs(self, watch: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Runs, newest first."""
        q = sa.select(watch_runs).order_by(watch_runs.c.id.desc()).limit(limit)
        if watch is not None:
            q = q.where(watch_runs.c.watch == watch)
        with self.engine.connect() as conn:
            return [_row(r, "detail") for r in conn.execute(q)]

    def iter_texts(self, batch: int = 2000, after: int = 0) -> Iterator[dict[str, Any]]:
        """Every listing's id, text, language, source, seller, dates and newest score,
        risk, taxa and flags, with the newest analyst label (None when unlabelled)."""
        lab = (sa.select(t.labels.c.listing_id, sa.func.max(t.labels.c.id).label("lid"))
               .group_by(t.labels.c.listing_id).subquery())
        latest = (sa.select(t.assessments.c.listing_id,
                            sa.func.max(t.assessments.c.id).label("aid"))
                  .group_by(t.assessments.c.listing_id).subquery())
        a, ls, lb = t.assessments, t.listings, t.labels
        last = after
        while True:
            q = (sa.select(ls.c.id, ls.c.title, ls.c.description, ls.c.language, ls.c.source,
                           ls.c.url, ls.c.seller, ls.c.posted, ls.c.created_at, a.c.score,
                           a.c.risk, a.c.taxa, a.c.cites, a.c.flags,
                           lb.c.label.label("label"))
                 .select_from(ls.outerjoin(latest, latest.c.listing_id == ls.c.id)
                              .outerjoin(a, a.c.id == latest.c.aid)
                              .outerjoin(lab, lab.c.listing_id == ls.c.id)
                              .outerjoin(lb, lb.c.id == lab.c.lid))
                 .where(ls.c.id > last).order_by(ls.c.id).limit(batch))
            with self.engine.connect() as conn:
                rows = [dict(r._mapping) for r in conn.execute(q)]
            if not rows:
                return
            yield from rows
            last = int(rows[-1]["id"])
