"""Seller linking on real marketplace ads (research-only data: evaluation, never shipped).

The eBay shark-product ads name their sellers; the resolver is run without that
column, and its clusters are scored against it.
"""

from __future__ import annotations

import csv
from pathlib import Path

from wildtrace.extract.identifiers import normalise_url
from wildtrace.link.evaluate import bcubed, pairwise, singletons
from wildtrace.link.resolver import LinkInput, resolve
from wildtrace.records import Identifier


def _shark_rows(datasets: Path) -> list[dict[str, str]]:
    csv.field_size_limit(10**8)
    with (datasets / "labelled" / "shark_products_ads.csv").open(encoding="utf-8-sig") as fh:
        return [r for r in csv.DictReader(fh) if r["seller"].strip()]


def test_shark_sellers_recovered_from_text_and_store_urls(datasets: Path) -> None:
    rows = _shark_rows(datasets)
    truth = {i: r["seller"].strip().lower() for i, r in enumerate(rows)}
    text_only = resolve([LinkInput(i, "ebay", "", (), f"{r['title']}\n{r['description']}")
                         for i, r in enumerate(rows)])
    scores = pairwise(text_only.seller_of, truth)
    # Near-duplicate texts alone: every link right, few found.
    assert scores["precision"] == 1.0 and 0 < scores["recall"] < 0.5
    with_urls = resolve([
        LinkInput(i, "ebay", "", (Identifier("profile_url",
                                             normalise_url(r["seller_url"].split("?")[0])),)
                  if r["seller_url"] else (), f"{r['title']}\n{r['description']}")
        for i, r in enumerate(rows)])
    b3 = bcubed(with_urls.seller_of, truth)
    base = bcubed(singletons(list(truth)), truth)
    assert b3["precision"] >= 0.99 and b3["recall"] > base["recall"]
    assert with_urls.n_sellers < text_only.n_sellers
