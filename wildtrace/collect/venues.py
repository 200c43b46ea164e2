"""Venue discovery: every domain the crawler meets, what kind of place it is, its
language and country, and how many (relevant) listings it yielded.

The kind is voted page by page from cheap signals in the HTML and URL (the site
software named in ``<meta name=generator>``, schema.org types, URL shapes, words such as
"add to cart" or "reply"); the venue keeps the tally, so one odd page does not relabel a
site. Country comes from the country-code TLD, else the page's ``lang`` region, else the
listings' language or currency.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wildtrace.collect.canonical import domain_of
from wildtrace.store import utcnow
from wildtrace.store.tables.collect import venues as vt

KINDS = ("marketplace", "classifieds", "forum", "social", "shop")
_SIGNALS: dict[str, list[re.Pattern[str]]] = {
    "forum": [re.compile(p, re.I) for p in (
        r"<meta[^>]+generator[^>]+(phpbb|vbulletin|xenforo|discourse|mybb|smf|invision"
        r"|vanilla|nodebb|flarum)", r"DiscussionForumPosting", r"viewtopic\.php|showthread|"
        r"/threads?/|/topics?/|/forums?/", r"\b(reply|replies|quote|thread|posted by)\b",
        r"回复|帖子|论坛|trả lời|diễn đàn")],
    "social": [re.compile(p, re.I) for p in (
        r"SocialMediaPosting", r"/status/|/posts?/\d|/p/[A-Za-z0-9_-]{5,}",
        r"\b(followers|following|likes|retweets?|reposts?|shares)\b",
        r"粉丝|点赞|转发|người theo dõi|lượt thích")],
    "shop": [re.compile(p, re.I) for p in (
        r"<meta[^>]+generator[^>]+(woocommerce|shopify|magento|prestashop|opencart|"
        r"bigcommerce)", r"\"@type\"\s*:\s*\"(Product|Offer)\"",
        r"add[ -_]to[ -_](cart|basket)|checkout|购物车|加入购物车|giỏ hàng|thêm vào giỏ",
        r"cdn\.shopify|woocommerce")],
    "classifieds": [re.compile(p, re.I) for p in (
        r"<meta[^>]+generator[^>]+(osclass|classified|yclas|adpost)",
        r"classifieds?|post (an|your|a free) ad|petites annonces|anuncios clasificados|"
        r"rao vặt|đăng tin|分类信息|二手|闲置|iklan baris", r"/ads?/\d|/annonces?/|"
        r"/anuncios?/|/listing/\d|/tin-")],
    "marketplace": [re.compile(p, re.I) for p in (
        r"marketplace|/sellers?/|/stores?/[\w-]+|become a seller|sell on|top sellers|"
        r"卖家中心|店铺|nhà bán hàng|gian hàng",)],
}
_CCTLD_SKIP = {"co", "io", "me", "tv", "ai", "fm", "ly", "to", "cc", "ws"}
_LANG_COUNTRY = {"vi": "VN", "zh": "CN", "th": "TH", "id": "ID", "ms": "MY", "ja": "JP",
                 "ko": "KR"}
_HTML_LANG = re.compile(rb"<html[^>]*\blang\s*=\s*[\"']?([A-Za-z]{2,3})(?:[-_]([A-Za-z]{2}))?",
                        re.I)


def classify_kind(url: str, html: bytes, hint: str = "") -> dict[str, int]:
    """Votes for each venue kind from one page (a profile's ``kind`` counts double)."""
    text = html[:300_000].decode("utf-8", errors="replace")
    votes: dict[str, int] = {}
    for kind, patterns in _SIGNALS.items():
        n = sum(1 for p in patterns if p.search(text) or p.search(url))
        if n:
            votes[kind] = n
    if hint in KINDS:
        votes[hint] = votes.get(hint, 0) + 3
    return votes


def country_of(url: str, html: bytes = b"", language: str = "") -> str:
    """ISO 3166 alpha-2 country of a venue page, or ``""``."""
    host = domain_of(url)
    tld = host.rsplit(".", 1)[-1] if "." in host else ""
    if len(tld) == 2 and tld.isalpha() and tld not in _CCTLD_SKIP:
        return "GB" if tld == "uk" else tld.upper()
    m = _HTML_LANG.search(html[:4096])
    if m and m.group(2):
        return m.group(2).decode().upper()
    return _LANG_COUNTRY.get(language, "")


VOTE_FIRST = 25  # see VenueBook.wants_votes
VOTE_EVERY = 10


@dataclass
class _Tally:
    pages: int = 0
    listings: int = 0
    relevant: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    langs: Counter[str] = field(default_factory=Counter)
    countries: Counter[str] = field(default_factory=Counter)


class VenueBook:
    """Accumulates page observations per domain and writes them to ``venues``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._pending: dict[str, _Tally] = {}
        self._seen: Counter[str] = Counter()  # pages per domain this run

    def wants_votes(self, url: str) -> bool:
        """Whether the next page of ``url``'s domain should vote on kind and country.

        Both are majority votes over a domain's pages, and reading them costs a dozen
        pattern searches over the page; a sample decides them as well: the first
        :data:`VOTE_FIRST` pages of each domain in a run, then every
        :data:`VOTE_EVERY`-th page (pages, listings and languages are always counted).
        """
        n = self._seen[domain_of(url)]
        return n < VOTE_FIRST or n % VOTE_EVERY == 0

    def observe(self, url: str, *, kind_votes: dict[str, int], language: str = "",
                country: str = "", listing: bool = False, relevant: bool = False) -> None:
        """Count one page of ``url``'s domain."""
        domain = domain_of(url)
        self._seen[domain] += 1
        t = self._pending.setdefault(domain, _Tally())
        t.pages += 1
        t.listings += int(listing)
        t.relevant += int(relevant)
        t.kinds.update(kind_votes)
        if language:
            t.langs[language] += 1 + int(listing)
        if country:
            t.countries[country] += 1

    def flush(self) -> None:
        """Merge pending observations into the table."""
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        now = utcnow()
        with self.engine.begin() as conn:
            old = {r.domain: r for r in conn.execute(sa.select(vt).where(
                vt.c.domain.in_(list(pending))))}
            for domain, t in pending.items():
                prev = old.get(domain)
                votes = json.loads(prev.votes) if prev is not None else {}
                kinds = Counter(votes.get("kind", {})) + t.kinds
                langs = Counter(votes.get("language", {})) + t.langs
                countries = Counter(votes.get("country", {})) + t.countries
                values: dict[str, Any] = {
                    "kind": kinds.most_common(1)[0][0] if kinds else "",
                    "language": langs.most_common(1)[0][0] if langs else "",
                    "country": countries.most_common(1)[0][0] if countries else "",
                    "votes": json.dumps({"kind": kinds, "language": langs,
                                         "country": countries}, sort_keys=True),
                    "last_seen": now}
                if prev is None:
                    conn.execute(vt.insert().values(
                        domain=domain, pages=t.pages, listings=t.listings,
                        relevant=t.relevant, first_seen=now, **values))
                else:
                    conn.execute(vt.update().where(vt.c.domain == domain).values(
                        pages=vt.c.pages + t.pages, listings=vt.c.listings + t.listings,
                        relevant=vt.c.relevant + t.relevant, **values))

    def all(self) -> list[dict[str, Any]]:
        """Every venue, most relevant listings first."""
        self.flush()
        q = sa.select(vt).order_by(vt.c.relevant.desc(), vt.c.listings.desc(), vt.c.domain)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]


def venue_rows(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows as exported: the public columns with ISO times."""
    out = []
    for r in rows:
        out.append({"domain": r["domain"], "kind": r["kind"], "language": r["language"],
                    "country": r["country"], "pages": r["pages"], "listings": r["listings"],
                    "relevant_listings": r["relevant"],
                    "first_seen": r["first_seen"].isoformat() if r["first_seen"] else "",
                    "last_seen": r["last_seen"].isoformat() if r["last_seen"] else ""})
    return out
