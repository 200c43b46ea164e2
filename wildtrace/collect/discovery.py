"""Venue discovery: where a crawled page points outside the crawl.

The trade moves between open sites, social media and messaging groups, and the adverts
themselves say where: "join our Telegram", a WhatsApp group invite, a WeChat ID, a link
to another shop. :func:`find_venues` reads one page's links and text for such pointers;
:class:`DiscoveryBook` tallies them over a crawl (how often, from how many pages, how
relevant those pages were judged, in which language) and hands the tallies to
:class:`~wildtrace.store.venues.VenueStore`, where they wait as candidate venues for an
analyst to promote into the watch or dismiss.

Recognised (``kind``): ``telegram`` (t.me / telegram.me channels and groups),
``whatsapp`` (chat.whatsapp.com group invites), ``whatsapp-contact`` (wa.me numbers),
``wechat`` (weixin:// links and "WeChat/微信/wx/vx: ID" in the text), ``line``
(line.me), ``zalo`` (zalo.me), ``facebook-group`` (facebook.com/groups/…), and
``website`` (any other domain a link leads to). Keys are normalised (lower case, no
tracking parameters) so the same group met in two spellings is one candidate.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from wildtrace.collect.canonical import domain_of, same_site

MAX_PER_PAGE = 100  # candidates read from one page at most (a link farm gets no more)
MAX_TEXT = 200_000  # characters of a page's text searched for handles

KINDS = ("telegram", "whatsapp", "whatsapp-contact", "wechat", "line", "zalo",
         "facebook-group", "website")

_TG_RESERVED = {"share", "addstickers", "joinchat", "iv", "proxy", "socks", "login",
                "addtheme", "setlanguage", "s", "c"}
_TG_NAME = re.compile(r"^[a-z][a-z0-9_]{3,31}$")
_WECHAT_TEXT = re.compile(
    r"(?:wechat|we chat|weixin|微信|威信|薇信|vx|wx)\s*(?:id|号)?\s*[:：=]?\s*"
    r"([a-z][a-z0-9_-]{5,19})\b", re.I)
_WECHAT_SKIP = {"account", "contact", "payment", "support", "official"}
# Web infrastructure every page links to: never a venue of the trade.
_NOT_VENUES = frozenset({"w3.org", "schema.org", "ogp.me", "creativecommons.org",
                         "googleapis.com", "gstatic.com", "googletagmanager.com",
                         "google-analytics.com", "doubleclick.net", "cloudflare.com",
                         "jsdelivr.net", "unpkg.com", "gravatar.com", "wordpress.org",
                         "apple.com", "play.google.com"})


@dataclass(frozen=True)
class Pointer:
    """One pointer out of a page: the candidate's key, its kind and a URL to reach it
    (``""`` for an ID with no address, such as a WeChat ID)."""

    key: str
    kind: str
    url: str


def _telegram(path: str) -> Pointer | None:
    parts = [p for p in path.split("/") if p]
    if not parts:
        return None
    head = parts[0].lower()
    if head == "joinchat" and len(parts) > 1:  # a private invite: the code is the key
        return Pointer(f"t.me/joinchat/{parts[1]}", "telegram",
                       f"https://t.me/joinchat/{parts[1]}")
    if head.startswith("+") and len(head) > 5:
        return Pointer(f"t.me/{parts[0]}", "telegram", f"https://t.me/{parts[0]}")
    if head == "s" and len(parts) > 1:  # the public preview of a channel
        head = parts[1].lower()
    if head in _TG_RESERVED or not _TG_NAME.match(head):
        return None
    return Pointer(f"t.me/{head}", "telegram", f"https://t.me/{head}")


def classify_link(url: str) -> Pointer | None:
    """The venue an absolute http(s) URL points to, or None when it points to no venue
    (an unreadable URL, a share button, a bare platform front page)."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".").lower().removeprefix("www.")
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host or len(url) > 2000:
        return None
    path = parts.path
    if host in ("t.me", "telegram.me", "telegram.dog"):
        return _telegram(path)
    if host == "chat.whatsapp.com":
        code = path.strip("/").split("/")[0]
        return Pointer(f"chat.whatsapp.com/{code}", "whatsapp",
                       f"https://chat.whatsapp.com/{code}") if len(code) >= 10 else None
    if host in ("wa.me", "api.whatsapp.com"):
        digits = re.sub(r"\D", "", path + " " + (parts.query if "phone=" in parts.query
                                                 else ""))
        return Pointer(f"wa.me/{digits}", "whatsapp-contact", f"https://wa.me/{digits}") \
            if 7 <= len(digits) <= 15 else None
    if host in ("line.me", "lin.ee"):
        code = path.strip("/")
        return Pointer(f"{host}/{code}".lower(), "line", f"https://{host}/{code}") \
            if len(code) >= 3 and not code.lower().startswith(("en", "ja/", "th/")) \
            else None
    if host == "zalo.me":
        code = path.strip("/")
        return Pointer(f"zalo.me/{code}".lower(), "zalo", f"https://zalo.me/{code}") \
            if len(code) >= 3 else None
    if host in ("facebook.com", "m.facebook.com", "fb.com") and \
            path.lower().startswith("/groups/"):
        group = path.split("/")[2] if len(path.split("/")) > 2 else ""
        return Pointer(f"facebook.com/groups/{group.lower()}", "facebook-group",
                       f"https://www.facebook.com/groups/{group}/") if group else None
    domain = domain_of(url)
    if not domain or domain in _NOT_VENUES or any(domain.endswith("." + d)
                                                   for d in _NOT_VENUES):
        return None
    return Pointer(domain, "website", f"{parts.scheme}://{parts.netloc}/")


def find_venues(root: Any, page_url: str, crawl_domains: Iterable[str],
                text: str = "") -> list[Pointer]:
    """The venues ``root`` (the parsed page fetched from ``page_url``) points to outside
    the crawl's domains: its links, and WeChat IDs named in ``text``."""
    domains = frozenset(crawl_domains) or frozenset({domain_of(page_url)})
    out: dict[str, Pointer] = {}
    for n, a in enumerate(root.iter("a")):
        if n >= 4000 or len(out) >= MAX_PER_PAGE:
            break
        href = str(a.get("href") or "").strip()
        if not href:
            continue
        if href.lower().startswith("weixin://"):
            found = re.search(r"(?:username=|contacts/profile/)([A-Za-z][\w-]{5,19})", href)
            if found:
                key = found.group(1).lower()
                out.setdefault(f"wechat:{key}", Pointer(f"wechat:{key}", "wechat", ""))
            continue
        try:
            url = urljoin(page_url, href).split("#", 1)[0]
        except ValueError:
            continue
        if not url.startswith(("http://", "https://")) or same_site(url, domains):
            continue
        pointer = classify_link(url)
        if pointer is not None:
            out.setdefault(pointer.key, pointer)
    for m in _WECHAT_TEXT.finditer(text[:MAX_TEXT]):
        if len(out) >= MAX_PER_PAGE:
            break
        key = m.group(1).lower()
        if key not in _WECHAT_SKIP:
            out.setdefault(f"wechat:{key}", Pointer(f"wechat:{key}", "wechat", ""))
    return list(out.values())


@dataclass
class Tally:
    """What one crawl saw of one candidate venue."""

    kind: str
    url: str
    mentions: int = 0  # pages pointing to it
    relevant: int = 0  # of which judged relevant
    score: float = 0.0  # summed relevance of the pages pointing to it
    example: str = ""  # a page that points to it
    languages: Counter[str] = field(default_factory=Counter)


class DiscoveryBook:
    """Tallies the pointers of a crawl's pages until :meth:`drain` hands them on."""

    def __init__(self, crawl_domains: Iterable[str]) -> None:
        self.domains = frozenset(crawl_domains)
        self._pending: dict[str, Tally] = {}

    def observe(self, root: Any, page_url: str, text: str, *, score: float,
                relevant: bool, language: str) -> int:
        """Count the venues one page points to; returns how many it named."""
        found = find_venues(root, page_url, self.domains, text)
        for p in found:
            t = self._pending.setdefault(p.key, Tally(p.kind, p.url, example=page_url))
            t.mentions += 1
            t.relevant += int(relevant)
            t.score += max(0.0, min(1.0, float(score)))
            if language:
                t.languages[language] += 1
        return len(found)

    def __len__(self) -> int:
        return len(self._pending)

    def drain(self) -> dict[str, Tally]:
        """The tallies so far (and start afresh)."""
        pending, self._pending = self._pending, {}
        return pending
