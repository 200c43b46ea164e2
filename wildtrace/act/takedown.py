"""Takedown reports: one CSV per platform listing what to remove and why.

Platforms' trust-and-safety teams want the URL, what is offered, the legal basis
(CITES appendix) and a hash of the preserved evidence; nothing more of the seller's
personal data than the account name on their own platform.
The ``reasons`` column says why in one plain sentence
(:func:`wildtrace.act.reason_sentence.reason_sentence`), never reason codes or JSON.
``went_down`` is the date a revisit first found the advert gone (``wildtrace revisit``),
empty while it is still up or was never revisited: what a follow-up to the platform
asks about.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime

from wildtrace.act.exports.safecsv import SafeWriter
from wildtrace.act.material import CaseListing, CaseMaterial
from wildtrace.extract.title import display_title

COLUMNS = ("platform", "listing_url", "title", "seller_account", "posted", "taxa",
           "cites_appendix", "reasons", "evidence_sha256", "case_id", "wildtrace_listing_id",
           "went_down")


def by_platform(material: CaseMaterial) -> dict[str, list[CaseListing]]:
    """The case's listings grouped by platform."""
    groups: dict[str, list[CaseListing]] = defaultdict(list)
    for item in material.listings:
        groups[item.platform].append(item)
    return dict(sorted(groups.items()))


def takedown_csv(material: CaseMaterial, platform: str,
                 went_down: Mapping[int, datetime] | None = None) -> str:
    """The CSV report for one platform (header only when it has no listings);
    ``went_down`` maps listing ids to when each was first seen gone."""
    down = went_down or {}
    buf = io.StringIO()
    # Listing text comes from the sellers: every cell is formula-safe (safecsv).
    writer = SafeWriter(buf)
    writer.writerow(COLUMNS)
    for item in by_platform(material).get(platform, []):
        row, a = item.row, item.assessment or {}
        # One plain sentence: the stored reason lines are model terms ("+ product
        # term") that mean nothing to a platform's reviewer.
        reasons = item.reason
        # The page's evidence only: a robots.txt copy proves nothing about the listing.
        evidence = (";".join(e.sha256 for e in item.evidence if e.role != "robots")
                    or row.get("capture_sha256", ""))
        writer.writerow((
            platform, row.get("url"),
            display_title(row.get("title"), row.get("description"), 500), row.get("seller"),
            row.get("posted"), a.get("taxa", ""), a.get("cites", ""), reasons,
            evidence, material.case.id, row.get("id"),
            down[row["id"]].strftime("%Y-%m-%d") if row.get("id") in down else ""))
    return buf.getvalue()
