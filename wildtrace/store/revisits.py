"""Queries of advert revisits (:mod:`wildtrace.store.tables.revisits`): which adverts are
due, what each revisit found, when each advert went down, and how takedowns hold per
platform. Other parts read it through ``store.revisits`` (the alert "removed advert
reposted" rule, the takedown export, the dashboard).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from statistics import median
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wildtrace.store.tables import listings
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

    def persistence(self) -> list[dict[str, Any]]:
        """Per platform: adverts revisited, how many came down, how long after capture
        they were first seen gone (median days), how many stayed down at every later
        revisit or came back, and how many were reposted by the same seller (a later
        advert of the same platform with the same seller name or a shared identifier:
        phone, messenger handle, e-mail)."""
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
            later = self._keyed_adverts(conn, platforms)
        seen: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
        for r in rows:
            seen[r.listing_id].append((r.outcome, _aware(r.revisited_at)))
        stats: dict[str, dict[str, Any]] = {}
        for lid, visits in seen.items():
            ad = ads.get(lid)
            if ad is None:
                continue
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
            down_at = visits[k][1]
            s["_days"].append((down_at - _aware(ad.created_at)).total_seconds() / 86400)
            s["came_back" if any(o != GONE for o in outcomes[k + 1:]) else
              "stayed_down"] += 1
            # It went down after it was last seen up: a later advert of the seller's
            # first seen after that is a repost (the removal is seen only at a revisit).
            last_up = max([_aware(ad.created_at), *(at for _, at in visits[:k])])
            keys = _keys(ad.seller, ad.identifiers)
            if keys and any(other_id != lid and created > last_up and keys & other_keys
                            for other_id, created, other_keys in later.get(platform, [])):
                s["reposted"] += 1
        out = []
        for s in sorted(stats.values(), key=lambda x: (-x["revisited"], x["platform"])):
            days = s.pop("_days")
            s["median_days_to_down"] = round(median(days), 1) if days else None
            s["takedown_rate"] = round(s["gone"] / s["revisited"], 3)
            out.append(s)
        return out

    @staticmethod
    def _keyed_adverts(conn: Any, platforms: set[str]
                       ) -> dict[str, list[tuple[int, datetime, set[str]]]]:
        """Every advert of ``platforms`` with its seller keys (for reposts)."""
        out: dict[str, list[tuple[int, datetime, set[str]]]] = defaultdict(list)
        if not platforms:
            return out
        for r in conn.execute(sa.select(listings.c.id, listings.c.url, listings.c.source,
                                        listings.c.seller, listings.c.identifiers,
                                        listings.c.created_at)):
            platform = platform_of(r.url, r.source)
            if platform in platforms:
                keys = _keys(r.seller, r.identifiers)
                if keys:
                    out[platform].append((r.id, _aware(r.created_at), keys))
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
