"""The ``venues`` export: the domains met while crawling, with what kind of site each is
(shop, forum, social, classifieds), its language and country, and how many (relevant)
listings it held."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from wildtrace.act.exports.safecsv import SafeDictWriter
from wildtrace.records import Venue

COLUMNS = ("domain", "kind", "language", "country", "pages", "listings",
           "relevant_listings", "first_seen", "last_seen")


def write_venues(venues: Sequence[Venue], fmt: str, path: Path) -> int:
    """Write the venues (their public columns, times as ISO text) to ``path`` as ``csv``
    or ``jsonl``; returns the count."""
    rows = [v.as_dict() for v in venues]
    with path.open("w", encoding="utf-8", newline="") as fh:
        if fmt == "jsonl":
            for r in rows:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        else:
            writer = SafeDictWriter(fh, COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    return len(rows)
