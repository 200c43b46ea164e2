"""Capture histories of the workspace's sellers, for market-size estimates.

An occasion is a platform (each platform a "list", as in multiple-systems estimation),
a calendar month or ISO week of posting, or a collection day (``run``). A seller is
"captured" on an occasion when any of their listings falls in it. Sellers are those of
a stored link run; listings the run did not resolve (added after it) are left out
rather than guessed at.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from wildtrace.errors import InputError
from wildtrace.measure.recapture import CaptureData, from_histories
from wildtrace.store.market import MarketListing

OCCASIONS = ("platform", "month", "week", "run")


def parse_day(value: Any) -> date | None:
    """A date from an ISO-like string or datetime; None when there is none."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if len(text) >= 10:
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return None
    if len(text) == 7:
        try:
            return date.fromisoformat(text + "-01")
        except ValueError:
            return None
    return None


def occasion_of(listing: MarketListing, by: str) -> str | None:
    """The occasion label of a listing under grouping ``by``."""
    if by == "platform":
        return listing.platform or None
    if by == "run":
        day = parse_day(listing.created_at)
        return day.isoformat() if day else None
    day = parse_day(listing.posted) or parse_day(listing.created_at)
    if day is None:
        return None
    if by == "month":
        return f"{day.year:04d}-{day.month:02d}"
    iso = day.isocalendar()
    return f"{iso.year:04d}-W{iso.week:02d}"


def seller_histories(listings: Iterable[MarketListing], seller_of: Mapping[int, int],
                     by: str) -> CaptureData:
    """One history per resolved seller (``seller_of``: listing → seller, from a link
    run), one occasion per platform/month/week/run."""
    seen: dict[int, set[str]] = defaultdict(set)
    occasions: set[str] = set()
    for x in listings:
        sid = seller_of.get(x.listing_id)
        occ = occasion_of(x, by)
        if sid is None or occ is None:
            continue
        seen[sid].add(occ)
        occasions.add(occ)
    cols = sorted(occasions)
    if len(cols) < 2:
        raise InputError(f"the workspace has {len(cols)} occasion(s) by {by}; "
                         "capture–recapture needs at least 2",
                         hint="collect on more days, from more platforms, or use another --by")
    rows = [[1 if c in occ else 0 for c in cols] for occ in seen.values()]
    return from_histories(rows, source=f"workspace sellers by {by}")
