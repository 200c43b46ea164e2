"""Queries of advert revisits (:mod:`wildtrace.store.tables.revisits`): which adverts are
due, what each revisit found, when each advert went down, and how takedowns hold per
platform. Other parts read it through ``store.revisits`` (the alert "removed advert
reposted" rule, the takedown export, the dashboard).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from statistics import median
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wildtrace.store.tables import listings
from wildtrace.store.tables.photos import photos as photo_rows
from wildtrace.store.tables.revisits import revisits

GONE = "gone"
CHANGED = "changed"
UP = "up"
FAILED = "failed"
OUTCOMES = (GONE, CHANGED, UP, FAILED)


@dataclass(frozen=True)
class DueAdvert:
    """An advert to revisit: its listing, URL, capture and the age it is due at."""

    listing_id: int
    url: str
    capture_sha256: str
    price: float | None
    captured_at: datetime
    age: int  # seconds after capture


@dataclass(frozen=True)
class Revisit:
    """What one revisit found."""

    listing_id: int
    age: int
    revisited_at: datetime
    url: str
    final_url: str
    status: int
    outcome: str
    reason: str
    text_sha256: str = ""
    price: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """The revisit as JSON shows it."""
        return {"listing_id": self.listing_id, "age_days": round(self.age / 86400, 2),
                "revisited_at": _iso(self.revisited_at), "url": self.url,
                "final_url": self.final_url, "status": self.status,
                "outcome": self.outcome, "reason": self.reason, "price": self.price}


@dataclass(frozen=True)
class Repost:
    """An advert seen gone, and a later advert of the same seller on its platform."""

    listing_id: int  # the advert that came down
    repost_id: int  # the later advert
    gone_at: datetime  # when a revisit first found the first one gone
    reposted_at: datetime  # when the later one was first captured
    via: tuple[str, ...]  # what they share: seller, phone, telegram, photo…


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def _iso(dt: datetime) -> str:
    return _aware(dt).strftime("%Y-%m-%dT%H:%M:%SZ")


def platform_of(url: str, source: str) -> str:
    """The platform of an advert: its URL's host without www., else its source."""
    host = (urlsplit(url or "").hostname or "").removeprefix("www.")
    return host or source or "unknown"


class RevisitStore:
    """The ``revisits`` table of one workspace."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def due(self, ages: Sequence[int], now: datetime, limit: int = 1000) -> list[DueAdvert]:
        """Adverts (listings with an http(s) URL) past a revisit age they have not been
        revisited at, oldest first; each at the largest such age (a late revisit covers
        the ages it missed). A failed revisit does not count: it is due again."""
        if not ages:
            return []
        done = (sa.select(revisits.c.listing_id, sa.func.max(revisits.c.age).label("age"))
                .where(revisits.c.outcome != FAILED).group_by(revisits.c.listing_id)
                .subquery())
        oldest = now - timedelta(seconds=min(ages))
        q = (sa.select(listings.c.id, listings.c.url, listings.c.capture_sha256,
                       listings.c.price, listings.c.created_at, done.c.age)
             .select_from(listings.outerjoin(done, done.c.listing_id == listings.c.id))
             .where(listings.c.created_at <= oldest,
                    sa.or_(listings.c.url.like("http://%"), listings.c.url.like("https://%")))
             .order_by(listings.c.created_at, listings.c.id))
        out: list[DueAdvert] = []
        with self.engine.connect() as conn:
            for r in conn.execute(q):
                elapsed = (now - _aware(r.created_at)).total_seconds()
                reached = [a for a in ages if a <= elapsed]
                if reached and max(reached) > (r.age or 0):
                    out.append(DueAdvert(r.id, r.url, r.capture_sha256, r.price,
                                         _aware(r.created_at), max(reached)))
                    if len(out) >= limit:
                        break
        return out

    def add(self, rows: Iterable[Revisit]) -> int:
        """Store revisits; returns how many."""
        values = [{"listing_id": r.listing_id, "age": r.age, "revisited_at": r.revisited_at,
                   "url": r.url[:4000], "final_url": r.final_url[:4000], "status": r.status,
                   "outcome": r.outcome, "reason": r.reason[:500],
                   "text_sha256": r.text_sha256, "price": r.price} for r in rows]
        if values:
            with self.engine.begin() as conn:
                conn.execute(revisits.insert(), values)
        return len(values)

    def history(self, listing_id: int) -> list[Revisit]:
        """Every revisit of one advert, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(revisits).where(
                revisits.c.listing_id == listing_id).order_by(revisits.c.revisited_at,
                                                              revisits.c.id))
            return [_revisit(r) for r in rows]

    def gone_dates(self, listing_ids: Iterable[int]) -> dict[int, datetime]:
        """When each advert was first seen gone (adverts never seen gone are absent):
        it went down between its last revisit still up and this date."""
        ids = sorted(set(listing_ids))
        out: dict[int, datetime] = {}
        with self.engine.connect() as conn:
            for i in range(0, len(ids), 500):
                q = (sa.select(revisits.c.listing_id,
                               sa.func.min(revisits.c.revisited_at).label("at"))
                     .where(revisits.c.outcome == GONE,
                            revisits.c.listing_id.in_(ids[i:i + 500]))
                     .group_by(revisits.c.listing_id))
                out.update({r.listing_id: _aware(r.at) for r in conn.execute(q)})
        return out

    def removed_since(self, since: datetime) -> list[Revisit]:
        """Adverts first seen gone at or after ``since``, with that revisit (what an
        alert on a removed advert that comes back starts from)."""
        first = (sa.select(revisits.c.listing_id,
                           sa.func.min(revisits.c.revisited_at).label("at"))
                 .where(revisits.c.outcome == GONE).group_by(revisits.c.listing_id)
                 .subquery())
        q = (sa.select(revisits).join(first, sa.and_(
            first.c.listing_id == revisits.c.listing_id, first.c.at == revisits.c.revisited_at))
             .where(revisits.c.outcome == GONE, first.c.at >= since)
             .order_by(revisits.c.revisited_at))
        with self.engine.connect() as conn:
            return [_revisit(r) for r in conn.execute(q)]

    def _observed(self) -> tuple[dict[int, Any], dict[int, list[tuple[str, datetime]]],
                                 dict[int, set[str]],
                                 dict[str, list[tuple[int, datetime, set[str]]]]]:
        """What persistence and reposts are computed from: the revisited adverts, their
        verdicts in order, each listing's photo keys and every keyed advert."""
        with self.engine.connect() as conn:
            rows = list(conn.execute(sa.select(
                revisits.c.listing_id, revisits.c.outcome, revisits.c.revisited_at)
                .where(revisits.c.outcome != FAILED)
                .order_by(revisits.c.listing_id, revisits.c.revisited_at, revisits.c.id)))
            ids = sorted({r.listing_id for r in rows})
            ads: dict[int, Any] = {}
            for i in range(0, len(ids), 500):
                for row in conn.execute(sa.select(
                        listings.c.id, listings.c.url, listings.c.source, listings.c.seller,
                        listings.c.identifiers, listings.c.created_at)
                        .where(listings.c.id.in_(ids[i:i + 500]))):
                    ads[row.id] = row
            platforms = {platform_of(a.url, a.source) for a in ads.values()}
            photos = _photo_keys(conn)
            later = self._keyed_adverts(conn, platforms, photos)
        seen: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
        for r in rows:
            if r.listing_id in ads:
                seen[r.listing_id].append((r.outcome, _aware(r.revisited_at)))
        return ads, seen, photos, later

    @staticmethod
    def _reposts_of(lid: int, ad: Any, visits: list[tuple[str, datetime]],
                    photos: dict[int, set[str]],
                    later: dict[str, list[tuple[int, datetime, set[str]]]]
                    ) -> list[Repost]:
        """The reposts of one advert seen gone (empty when it never was)."""
        outcomes = [o for o, _ in visits]
        if GONE not in outcomes:
            return []
        k = outcomes.index(GONE)
        # It went down after it was last seen up: a later advert of the seller's first
        # seen after that is a repost (the removal is only seen at a revisit).
        last_up = max([_aware(ad.created_at), *(at for _, at in visits[:k])])
        keys = _keys(ad.seller, ad.identifiers) | photos.get(lid, set())
        return [Repost(lid, other_id, visits[k][1], created,
                       tuple(sorted(k_.split(":", 1)[0] for k_ in keys & other_keys)))
                for other_id, created, other_keys in later.get(platform_of(ad.url,
                                                                           ad.source), [])
                if other_id != lid and created > last_up and keys & other_keys]

    def reposts(self, since: datetime | None = None) -> list[Repost]:
        """Adverts seen gone whose seller posted again on the same platform afterwards
        (same seller name, a shared identifier or the same photo), one row per pair;
        with ``since``, only reposts first captured at or after it (what the alert
        "removed advert reposted" asks for). Oldest repost first."""
        ads, seen, photos, later = self._observed()
        out = [r for lid, visits in seen.items()
               for r in self._reposts_of(lid, ads[lid], visits, photos, later)
               if since is None or r.reposted_at >= _aware(since)]
        return sorted(out, key=lambda r: (r.reposted_at, r.repost_id))

    def persistence(self) -> list[dict[str, Any]]:
        """Per platform: adverts revisited, how many came down, how long after capture
        they were first seen gone (median days), how many stayed down at every later
        revisit or came back, and how many were reposted by the same seller (a later
        advert of the same platform with the same seller name, a shared identifier
        (phone, messenger handle, e-mail) or the same photo)."""
        ads, seen, photos, later = self._observed()
        stats: dict[str, dict[str, Any]] = {}
        for lid, visits in seen.items():
            ad = ads[lid]
            platform = platform_of(ad.url, ad.source)
            s = stats.setdefault(platform, {"platform": platform, "revisited": 0,
                                            "gone": 0, "changed": 0, "still_up": 0,
                                            "stayed_down": 0, "came_back": 0,
                                            "reposted": 0, "_days": []})
            s["revisited"] += 1
            outcomes = [o for o, _ in visits]
            if GONE not in outcomes:
                s["changed" if CHANGED in outcomes else "still_up"] += 1
                continue
            s["gone"] += 1
            k = outcomes.index(GONE)
            s["_days"].append((visits[k][1] - _aware(ad.created_at)).total_seconds()
                              / 86400)
            s["came_back" if any(o != GONE for o in outcomes[k + 1:]) else
              "stayed_down"] += 1
            s["reposted"] += int(bool(self._reposts_of(lid, ad, visits, photos, later)))
        out = []
        for s in sorted(stats.values(), key=lambda x: (-x["revisited"], x["platform"])):
            days = s.pop("_days")
            s["median_days_to_down"] = round(median(days), 1) if days else None
            s["takedown_rate"] = round(s["gone"] / s["revisited"], 3)
            out.append(s)
        return out

    def rebound(self, weeks: int = 4, now: datetime | None = None,
                min_removed: int = 3) -> list[dict[str, Any]]:
        """Per platform, whether the trade came back after its largest wave of removals.

        The wave is the week (Monday to Monday, UTC) in which revisits first found the
        most of the platform's adverts gone (at least ``min_removed``). Compared: new
        adverts per week (first captured by wildtrace) in the ``weeks`` weeks before
        the wave and in the weeks after it (up to ``weeks``, or to ``now``);
        ``rebound`` is after / before (None when nothing came before, or no full day
        has passed since)."""
        now = now or datetime.now(UTC)
        with self.engine.connect() as conn:
            first = list(conn.execute(
                sa.select(revisits.c.listing_id, sa.func.min(revisits.c.revisited_at))
                .where(revisits.c.outcome == GONE).group_by(revisits.c.listing_id)))
            ids = [int(lid) for lid, _ in first]
            where: dict[int, str] = {}
            for i in range(0, len(ids), 500):
                for r in conn.execute(sa.select(listings.c.id, listings.c.url,
                                                listings.c.source)
                                      .where(listings.c.id.in_(ids[i:i + 500]))):
                    where[r.id] = platform_of(r.url, r.source)
            waves: dict[str, Counter[datetime]] = defaultdict(Counter)
            for lid, at in first:
                if lid in where:
                    day = _aware(at).replace(hour=0, minute=0, second=0, microsecond=0)
                    waves[where[lid]][day - timedelta(days=day.weekday())] += 1
            out = []
            for platform, counted in sorted(waves.items()):
                week, removed = max(counted.items(), key=lambda kv: (kv[1], kv[0]))
                if removed < min_removed:
                    continue
                start, end = week - timedelta(weeks=weeks), week + timedelta(weeks=1)
                stop = min(end + timedelta(weeks=weeks), now)
                created = [_aware(c) for c, url, source in conn.execute(
                    sa.select(listings.c.created_at, listings.c.url, listings.c.source)
                    .where(listings.c.created_at >= start, listings.c.created_at < stop))
                    if platform_of(url, source) == platform]
                before = sum(1 for c in created if c < week)
                after = sum(1 for c in created if c >= end)
                after_weeks = max(0.0, (stop - end).total_seconds() / (7 * 86400))
                per_before = before / weeks
                per_after = after / after_weeks if after_weeks >= 1 / 7 else None
                out.append({
                    "platform": platform, "wave_week": week.strftime("%Y-%m-%d"),
                    "removed_in_wave": removed, "new_per_week_before": round(per_before, 2),
                    "new_per_week_after": round(per_after, 2) if per_after is not None
                    else None, "weeks_after": round(after_weeks, 1),
                    "rebound": round(per_after / per_before, 2)
                    if per_after is not None and per_before else None})
        return out

    @staticmethod
    def _keyed_adverts(conn: Any, platforms: set[str], photos: dict[int, set[str]]
                       ) -> dict[str, list[tuple[int, datetime, set[str]]]]:
        """Every advert of ``platforms`` with its seller keys and photos (reposts)."""
        out: dict[str, list[tuple[int, datetime, set[str]]]] = defaultdict(list)
        if not platforms:
            return out
        for r in conn.execute(sa.select(listings.c.id, listings.c.url, listings.c.source,
                                        listings.c.seller, listings.c.identifiers,
                                        listings.c.created_at)):
            platform = platform_of(r.url, r.source)
            if platform in platforms:
                keys = _keys(r.seller, r.identifiers) | photos.get(r.id, set())
                if keys:
                    out[platform].append((r.id, _aware(r.created_at), keys))
        return out


def _photo_keys(conn: Any) -> dict[int, set[str]]:
    """Each listing's photos as keys: near-duplicate photos share a ``photo_key`` (the
    photo step's perceptual hash of the first one kept), so the same picture reposted
    is the same key. Empty when no photo was analysed."""
    out: dict[int, set[str]] = defaultdict(set)
    for lid, key in conn.execute(sa.select(photo_rows.c.listing_id, photo_rows.c.photo_key)
                                 .where(photo_rows.c.photo_key.is_not(None))):
        out[int(lid)].add(f"photo:{int(key)}")
    return out


def _keys(seller: str, identifiers: str) -> set[str]:
    """What identifies a seller across adverts: the account name and the contact
    identifiers extracted from the advert."""
    keys = {f"seller:{seller.strip().lower()}"} if (seller or "").strip() else set()
    try:
        items = json.loads(identifiers or "[]")
    except ValueError:
        items = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            value = str(item.get("normalized") or item.get("value") or "").strip().lower()
            if value:
                keys.add(f"{item.get('kind', '')}:{value}")
        elif isinstance(item, str) and item.strip():
            keys.add(item.strip().lower())
    return keys


def _revisit(r: Any) -> Revisit:
    return Revisit(r.listing_id, r.age, _aware(r.revisited_at), r.url, r.final_url,
                   r.status, r.outcome, r.reason, r.text_sha256, r.price)
