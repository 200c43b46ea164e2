"""Venue discovery: every domain the crawler meets, what kind of place it is, its
language and country, and how many (relevant) listings it yielded.

The kind is voted page by page from cheap signals in the HTML and URL (the site
software named in ``<meta name=generator>``, schema.org types, URL shapes, words such as
"add to cart" or "reply"); the venue keeps the tally, so one odd page does not relabel a
site. The country of each page is read by :func:`wildtrace.collect.countries.country_of`
(the country-code TLD, else the page's ``lang`` region, else its language).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from wildtrace.collect.canonical import domain_of
from wildtrace.records import Venue
from wildtrace.store.venues import VenueStore, VenueUpdate, VenueVotes

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


def _winner(votes: Counter[str]) -> str:
    return votes.most_common(1)[0][0] if votes else ""


class VenueBook:
    """Accumulates page observations per domain and adds them to the stored venues:
    counts are summed, and kind, language and country are each the most-voted."""

    def __init__(self, store: VenueStore) -> None:
        self.store = store
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
        """Merge pending observations into the stored venues."""
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        stored = self.store.votes(pending)
        updates = []
        for domain, t in pending.items():
            prev = stored.get(domain, VenueVotes())
            kinds = Counter(prev.kind) + t.kinds
            langs = Counter(prev.language) + t.langs
            countries = Counter(prev.country) + t.countries
            updates.append(VenueUpdate(
                domain=domain, pages=t.pages, listings=t.listings, relevant=t.relevant,
                kind=_winner(kinds), language=_winner(langs), country=_winner(countries),
                votes=VenueVotes(kind=dict(kinds), language=dict(langs),
                                 country=dict(countries))))
        self.store.save(updates)

    def all(self) -> list[Venue]:
        """Every venue (pending observations included), most relevant listings first."""
        self.flush()
        return self.store.all()
