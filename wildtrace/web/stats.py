"""Figures behind the dashboards: volume over time, prices, countries, seller network.

All are aggregated in SQL where the database can, and bounded where it cannot (the
network looks at the top flagged listings only), so a dashboard stays quick on a
large workspace.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from itertools import combinations
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wildtrace.store import tables as t
from wildtrace.web.countries import country_of

GROUPINGS = ("platform", "taxon", "language")
MAX_GROUPS = 8


def _period() -> Any:
    # Listings' own dates when they have one (YYYY-MM...), else when we stored them.
    posted = t.listings.c.posted
    return sa.case((posted.like("____-__%"), sa.func.substr(posted, 1, 7)),
                   else_=sa.func.substr(sa.cast(t.listings.c.created_at, sa.String), 1, 7))


def volume(engine: Engine, by: str) -> list[dict[str, Any]]:
    """Listings per month and group (top groups only, the rest as "other")."""
    period = _period().label("period")
    if by == "taxon":
        pairs = (sa.select(t.taxon_matches.c.listing_id, t.taxon_matches.c.taxon.label("g"))
                 .distinct().subquery())
        q = (sa.select(period, pairs.c.g, sa.func.count().label("n"))
             .select_from(pairs.join(t.listings, t.listings.c.id == pairs.c.listing_id))
             .group_by(period, pairs.c.g))
    else:
        col = t.listings.c.source if by == "platform" else t.listings.c.language
        q = sa.select(period, col.label("g"), sa.func.count().label("n")).group_by(period, col)
    with engine.connect() as conn:
        rows = [(str(r.period or ""), str(r.g or "unknown"), int(r.n)) for r in conn.execute(q)]
    totals: Counter[str] = Counter()
    for _, g, n in rows:
        totals[g] += n
    top = {g for g, _ in totals.most_common(MAX_GROUPS)}
    merged: Counter[tuple[str, str]] = Counter()
    for p, g, n in rows:
        merged[(p, g if g in top else "other")] += n
    return [{"period": p, "group": g, "count": n} for (p, g), n in sorted(merged.items())]


def prices(engine: Engine, limit: int = 200_000) -> list[dict[str, Any]]:
    """Price quartiles per platform and currency (the newest ``limit`` priced listings)."""
    q = (sa.select(t.listings.c.source, t.listings.c.currency, t.listings.c.price)
         .where(t.listings.c.price.is_not(None), t.listings.c.price > 0)
         .order_by(t.listings.c.id.desc()).limit(limit))
    groups: dict[tuple[str, str], list[float]] = defaultdict(list)
    with engine.connect() as conn:
        for r in conn.execute(q):
            groups[(r.source or "unknown", r.currency or "?")].append(float(r.price))
    out: list[dict[str, Any]] = []
    for (g, cur), values in groups.items():
        arr = np.asarray(values)
        p25, med, p75 = np.percentile(arr, [25, 50, 75])
        out.append({"group": g, "currency": cur, "n": int(arr.size), "median": float(med),
                    "p25": float(p25), "p75": float(p75)})
    return sorted(out, key=lambda r: -r["n"])[:30]


def by_country(engine: Engine) -> tuple[list[dict[str, Any]], int]:
    """Listings per country (from free-text locations) and how many had none we knew."""
    q = (sa.select(t.listings.c.location, sa.func.count().label("n"))
         .group_by(t.listings.c.location).order_by(sa.func.count().desc()).limit(20_000))
    counts: Counter[str] = Counter()
    meta: dict[str, Any] = {}
    unknown = 0
    with engine.connect() as conn:
        for r in conn.execute(q):
            c = country_of(r.location or "")
            if c is None:
                unknown += int(r.n)
                continue
            counts[c.iso2] += int(r.n)
            meta[c.iso2] = c
    rows = [{"iso2": k, "name": meta[k].name, "lat": meta[k].lat, "lon": meta[k].lon,
             "count": n} for k, n in counts.most_common()]
    return rows, unknown


def seller_network(engine: Engine, max_listings: int = 2000) -> dict[str, list[Any]]:
    """Sellers of flagged listings (nodes) joined when they share a contact identifier."""
    q = (sa.select(t.listings.c.seller, t.listings.c.identifiers, t.listings.c.source)
         .join(t.assessments, t.assessments.c.listing_id == t.listings.c.id)
         .where(t.assessments.c.relevant.is_(True), t.listings.c.seller != "")
         .order_by(t.assessments.c.score.desc()).limit(max_listings))
    owners: dict[tuple[str, str], set[str]] = defaultdict(set)
    listings_of: Counter[str] = Counter()
    platform: dict[str, str] = {}
    with engine.connect() as conn:
        for r in conn.execute(q):
            seller = str(r.seller)[:200]
            listings_of[seller] += 1
            platform.setdefault(seller, r.source or "")
            try:
                idents = json.loads(r.identifiers or "[]")
            except ValueError:
                continue
            for i in idents if isinstance(idents, list) else []:
                if isinstance(i, dict) and i.get("value"):
                    owners[(str(i.get("kind", "")), str(i["value"]))].add(seller)
    edges: Counter[tuple[str, str]] = Counter()
    shared: dict[tuple[str, str], list[str]] = defaultdict(list)
    for (kind, _value), sellers in owners.items():
        if 1 < len(sellers) <= 50:  # a value shared by very many is noise, not a link
            for a, b in combinations(sorted(sellers), 2):
                edges[(a, b)] += 1
                shared[(a, b)].append(kind)
    linked = {s for pair in edges for s in pair}
    nodes = [{"id": s, "listings": listings_of[s], "platform": platform.get(s, "")}
             for s in sorted(linked)][:300]
    keep = {n["id"] for n in nodes}
    return {"nodes": nodes,
            "edges": [{"source": a, "target": b, "weight": w, "via": sorted(set(shared[(a, b)]))}
                      for (a, b), w in edges.items() if a in keep and b in keep]}
