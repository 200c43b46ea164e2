"""Market measures over a workspace: prices, volume over time, and where it changed.

* **Prices** in one currency (the bundled dated rates), with distributions per taxon and
  per product (ivory, horn, scales…).
* **Volume**: listings per period (month or ISO week) per platform, taxon and language,
  with zero-filled gaps so a platform going quiet shows as zeros, not as a hole.
* **Changes**: PELT change points in each volume series; a fall on one platform with a
  rise on another near the same period is flagged as possible *displacement*, a fall
  followed by a rise on the same series as a possible *rebound*.

Only relevant listings count when any listing has been assessed (otherwise all do).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from wildtrace.measure.changepoint import pelt, segments
from wildtrace.measure.rates import convert
from wildtrace.measure.seller_histories import parse_day
from wildtrace.store.tables import measure as mt
from wildtrace.workspace import Workspace

DIMENSIONS = ("all", "platform", "taxon", "language")


@dataclass(frozen=True)
class MarketRow:
    """One listing as the market measures see it."""

    listing_id: int
    day: str  # ISO date, or "" when unknown
    platform: str
    language: str
    taxon: str  # first (most specific) taxon, or ""
    product: str
    price: float | None
    currency: str
    price_converted: float | None
    target_currency: str
    rate_year: int | None


def market_rows(ws: Workspace, target: str = "EUR",
                relevant_only: bool | None = None) -> Iterator[MarketRow]:
    """Every listing (or every relevant one) with its date, taxon, product and price."""
    products = mt.products(ws.store.engine)
    rows = list(ws.store.iter_listings_with_assessment())
    if relevant_only is None:
        relevant_only = any(r.get("relevant") is not None for r in rows)
    for r in rows:
        if relevant_only and not r.get("relevant"):
            continue
        day = parse_day(r.get("posted")) or parse_day(r.get("created_at"))
        price = r.get("price")
        currency = str(r.get("currency") or "").upper()
        conv = None
        if price is not None and currency and day is not None:
            conv = convert(float(price), currency, day.year, target)
        taxa = [t for t in str(r.get("taxa") or "").split(";") if t]
        yield MarketRow(
            listing_id=int(r["id"]), day=day.isoformat() if day else "",
            platform=str(r.get("source") or ""), language=str(r.get("language") or ""),
            taxon=taxa[0] if taxa else "", product=products.get(int(r["id"]), ""),
            price=float(price) if price is not None else None, currency=currency,
            price_converted=round(conv.amount, 2) if conv else None,
            target_currency=target.upper(), rate_year=conv.rate_year if conv else None)


def price_distributions(rows: list[MarketRow], by: str = "taxon") -> list[dict[str, Any]]:
    """Quartiles of converted prices per taxon or product (only keys with prices)."""
    groups: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        if r.price_converted is not None and r.price_converted > 0:
            groups[getattr(r, by) or "(unidentified)"].append(r.price_converted)
    out = []
    for key, vals in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        vals.sort()
        q = statistics.quantiles(vals, n=4) if len(vals) >= 2 else [vals[0]] * 3
        out.append({by: key, "n": len(vals), "min": vals[0], "p25": round(q[0], 2),
                    "median": round(q[1], 2), "p75": round(q[2], 2), "max": vals[-1],
                    "mean": round(statistics.fmean(vals), 2)})
    return out


def period_of(day: date, period: str) -> str:
    """Label of the month (``2024-03``) or ISO week (``2024-W09``) holding ``day``."""
    if period == "month":
        return f"{day.year:04d}-{day.month:02d}"
    iso = day.isocalendar()
    return f"{iso.year:04d}-W{iso.week:02d}"


def _all_periods(first: date, last: date, period: str) -> list[str]:
    labels: list[str] = []
    d = first
    step = timedelta(days=1 if period == "month" else 7)
    while d <= last + step:
        label = period_of(d, period)
        if not labels or labels[-1] != label:
            labels.append(label)
        d += step
    end = period_of(last, period)
    return labels[:labels.index(end) + 1] if end in labels else labels


def volume(rows: list[MarketRow], period: str = "month") -> dict[str, dict[str, list[int]]]:
    """``dimension → key → counts`` aligned on the returned periods (key ``"periods"``
    of dimension ``"all"`` holds the labels)."""
    dated = [(date.fromisoformat(r.day), r) for r in rows if r.day]
    if not dated:
        return {"all": {"periods": [], "listings": []}}
    periods = _all_periods(min(d for d, _ in dated), max(d for d, _ in dated), period)
    index = {p: i for i, p in enumerate(periods)}
    out: dict[str, dict[str, list[int]]] = {d: {} for d in DIMENSIONS}
    for d, r in dated:
        i = index[period_of(d, period)]
        for dim, key in (("all", "listings"), ("platform", r.platform),
                         ("taxon", r.taxon or "(unidentified)"),
                         ("language", r.language or "(unknown)")):
            series = out[dim].setdefault(key, [0] * len(periods))
            series[i] += 1
    out["all"]["periods"] = periods  # type: ignore[assignment]
    return out


@dataclass(frozen=True)
class Change:
    """A change point in one volume series."""

    dimension: str
    key: str
    period: str
    before: float  # mean count per period before
    after: float

    @property
    def direction(self) -> str:
        """``rise`` or ``fall``."""
        return "rise" if self.after > self.before else "fall"


def changes(vol: dict[str, dict[str, list[int]]], min_total: int = 20) -> list[Change]:
    """Change points of every series with at least ``min_total`` listings."""
    periods: list[str] = vol["all"].get("periods", [])  # type: ignore[assignment]
    found = []
    for dim, series in vol.items():
        for key, counts in series.items():
            if key == "periods" or sum(counts) < min_total:
                continue
            segs = segments(counts, pelt(counts))
            for a, b in zip(segs[:-1], segs[1:], strict=True):
                found.append(Change(dim, key, periods[b.start], round(a.mean, 2),
                                    round(b.mean, 2)))
    return found


def interpret(found: list[Change], periods: list[str], window: int = 1) -> list[dict[str, str]]:
    """Possible displacement (a platform falls as another rises within ``window``
    periods) and rebound (a series falls, then rises again)."""
    pos = {p: i for i, p in enumerate(periods)}
    notes = []
    plat = [c for c in found if c.dimension == "platform"]
    for fall in (c for c in plat if c.direction == "fall"):
        for rise in (c for c in plat if c.direction == "rise" and c.key != fall.key):
            if abs(pos[rise.period] - pos[fall.period]) <= window:
                notes.append({"kind": "displacement", "from": fall.key, "to": rise.key,
                              "period": fall.period,
                              "text": f"{fall.key} fell ({fall.before:g}→{fall.after:g}/period) "
                                      f"as {rise.key} rose ({rise.before:g}→{rise.after:g}) "
                                      f"around {fall.period}"})
    by_series: dict[tuple[str, str], list[Change]] = defaultdict(list)
    for c in found:
        by_series[(c.dimension, c.key)].append(c)
    for (dim, key), cs in by_series.items():
        for a, b in zip(cs[:-1], cs[1:], strict=True):
            if a.direction == "fall" and b.direction == "rise":
                notes.append({"kind": "rebound", "from": key, "to": key, "period": b.period,
                              "text": f"{dim} {key} fell at {a.period} and rebounded at "
                                      f"{b.period} ({a.after:g}→{b.after:g}/period)"})
    return notes


def summary(ws: Workspace, target: str = "EUR", period: str = "month") -> dict[str, Any]:
    """Everything the report and ``wildtrace market --json`` show."""
    rows = list(market_rows(ws, target))
    vol = volume(rows, period)
    periods: list[str] = vol["all"].get("periods", [])  # type: ignore[assignment]
    found = changes(vol)
    return {
        "listings": len(rows), "currency": target.upper(), "period": period,
        "priced": sum(1 for r in rows if r.price_converted is not None),
        "unconverted": sum(1 for r in rows if r.price is not None and r.price_converted is None),
        "prices_by_taxon": price_distributions(rows, "taxon"),
        "prices_by_product": price_distributions(rows, "product"),
        "volume": vol,
        "changes": [{**asdict(c), "direction": c.direction} for c in found],
        "notes": interpret(found, periods),
    }
