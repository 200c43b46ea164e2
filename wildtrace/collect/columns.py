"""Which input column fills which listing field: the rules, kept as data.

Headers are compared after normalisation (lower case, runs of non-alphanumerics as
``_``). The first candidate present in a file wins; ``--map COLUMN=FIELD`` overrides.
"""

from __future__ import annotations

import re

FIELDS: tuple[str, ...] = (
    "title", "description", "price", "currency", "url", "seller", "location", "posted",
    "language",
)

CANDIDATES: dict[str, tuple[str, ...]] = {
    "title": ("title", "name", "item_title", "listing_title", "subject", "headline",
              "product_name", "item_name", "clean_title"),
    "description": ("description", "text", "body", "tweet_text", "tweet_text_cleaned",
                    "full_text", "content", "message", "post", "post_text", "caption",
                    "descriptions", "desc", "details", "sentence", "text_stop_stem",
                    "training_text"),
    "price": ("price", "amount", "cost", "price_value", "asking_price"),
    "currency": ("currency", "currency_code", "price_currency", "curr"),
    "url": ("url", "link", "href", "listing_url", "permalink", "page_url", "item_url"),
    "seller": ("seller", "user", "author", "username", "user_name", "screen_name",
               "seller_name", "poster", "seller_id", "user_screen_name", "account"),
    "location": ("location", "place", "city", "country", "region", "seller_location",
                 "item_location"),
    "posted": ("posted", "date", "posted_at", "date_posted", "post_date", "created_at",
               "created", "timestamp", "time", "published", "datetime"),
    "language": ("language", "lang"),
}


def normalise_header(name: str) -> str:
    """``"Tweet Text (cleaned)"`` → ``"tweet_text_cleaned"``."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower().lstrip("\ufeff")).strip("_")


def auto_mapping(headers: list[str]) -> dict[str, str]:
    """Field → header chosen automatically from the candidate names."""
    by_norm: dict[str, str] = {}
    for h in headers:
        by_norm.setdefault(normalise_header(h), h)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for fieldname in FIELDS:
        for cand in CANDIDATES[fieldname]:
            header = by_norm.get(cand)
            if header is not None and header not in used:
                mapping[fieldname] = header
                used.add(header)
                break
    return mapping
