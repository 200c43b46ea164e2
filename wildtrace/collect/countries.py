"""Countries: the one table of them, and the one way to tell which country a listing,
a page or a site is in.

``data/countries.csv`` holds one row per country: its ISO 3166 alpha-2 code, English
name, an approximate centroid (for maps), and other names that point to it (names in
other languages and scripts, regions and major cities). :func:`country_of` reads, in
order of trust:

1. a free-text location (``"Hà Nội"``, ``"Lagos, NG"``, ``"广州 Guangdong"``): the longest
   known name in it, else a trailing ISO code;
2. the country-code TLD of a URL (``rao.vn``, ``shop.co.uk``);
3. the region of the page's ``<html lang>`` (``zh-TW``);
4. the language, for the few languages spoken mainly in one country.

It lives in the first stage so that every later stage (the venue book, legality, the
market measures) resolves countries the same way.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from wildtrace.collect.canonical import domain_of

TABLE = "countries.csv"
MAX_LOCATION = 500  # a location longer than this is text, not a place; read its start
MAX_TEXT_SCAN = 5000  # how much running text countries_in reads
# Two-letter TLDs sold worldwide as generic names: they say nothing of the country.
_CCTLD_SKIP = {"co", "io", "me", "tv", "ai", "fm", "ly", "to", "cc", "ws"}
_LANG_COUNTRY = {"vi": "VN", "zh": "CN", "th": "TH", "id": "ID", "ms": "MY", "ja": "JP",
                 "ko": "KR"}
_HTML_LANG = re.compile(rb"<html[^>]*\blang\s*=\s*[\"']?([A-Za-z]{2,3})(?:[-_]([A-Za-z]{2}))?",
                        re.I)
_SEPARATORS = re.compile(r"[\s,;/()]+")


@dataclass(frozen=True, slots=True)
class Country:
    """A country and its approximate centroid."""

    iso2: str
    name: str
    lat: float
    lon: float


def _rows() -> list[dict[str, str]]:
    text = resources.files("wildtrace.collect").joinpath("data", TABLE).read_text(
        encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@lru_cache(maxsize=1)
def countries() -> tuple[Country, ...]:
    """Every country of the table."""
    return tuple(Country(r["iso2"], r["name"], float(r["lat"]), float(r["lon"]))
                 for r in _rows())


@lru_cache(maxsize=1)
def _by_code() -> dict[str, Country]:
    return {c.iso2: c for c in countries()}


def country(iso2: str) -> Country | None:
    """The table's row for an ISO code (any case), or None."""
    return _by_code().get(iso2.upper())


@lru_cache(maxsize=1)
def _names() -> tuple[tuple[re.Pattern[str] | str, str], ...]:
    """(matcher, ISO code) of every name, longest first, so "South Sudan" wins over
    "Sudan" and "Democratic Republic of the Congo" over "Republic of the Congo"."""
    pairs: list[tuple[str, str]] = []
    for r in _rows():
        for name in [r["name"], *[a for a in (r["aliases"] or "").split(";") if a]]:
            pairs.append((name.casefold(), r["iso2"]))
    pairs.sort(key=lambda p: -len(p[0]))
    # Latin names must stand as words ("Oman" is not in "Romania"); names in other
    # scripts are written without spaces around them ("广州市"), so any occurrence counts.
    return tuple((re.compile(r"(?<!\w)" + re.escape(name) + r"(?!\w)") if name.isascii()
                  else name, iso) for name, iso in pairs)


@lru_cache(maxsize=65536)
def _from_location(location: str) -> str:
    text = location[:MAX_LOCATION].casefold().strip()
    if not text:
        return ""
    for matcher, iso in _names():
        if isinstance(matcher, str):
            if matcher in text:
                return iso
        elif matcher.search(text):
            return iso
    tokens = _SEPARATORS.split(location[:MAX_LOCATION].strip())
    tail = tokens[-1] if tokens else ""
    if len(tail) == 2 and tail.isupper() and tail in _by_code():
        return tail
    return ""


def _from_url(url: str) -> str:
    host = domain_of(url)
    tld = host.rsplit(".", 1)[-1] if "." in host else ""
    if len(tld) == 2 and tld.isalpha() and tld not in _CCTLD_SKIP:
        return "GB" if tld == "uk" else tld.upper()
    return ""


def region_of_host(url: str) -> str:
    """The country a city or country name in ``url``'s subdomains or first path
    segments points to, or ``""``: classified sites put the city first
    (``hanoi.example.com``, ``sydney.example.org``, ``example.com/ha-noi/...``)."""
    host = domain_of(url)
    labels = host.split(".")[:-2]
    compact = _compact_names()
    path = url.split("//", 1)[-1].partition("/")[2].split("?")[0].split("#")[0]
    for segment in path.lower().split("/")[:3]:
        found = compact.get(re.sub(r"[-_.]", "", segment[:60]))
        if found:
            return found
    for label in labels:
        if len(label) == 2 and label.upper() in _by_code():
            return label.upper()  # hk.example.com, vn.example.com
        if len(label) >= 4:
            found = compact.get(label.replace("-", "")) or _from_location(
                label.replace("-", " "))
            if found:
                return found
    return ""


@lru_cache(maxsize=1)
def _compact_names() -> dict[str, str]:
    """Latin names without spaces ("newyork", "kualalumpur"), as hostnames write them."""
    out: dict[str, str] = {}
    for r in _rows():
        for name in [r["name"], *[a for a in (r["aliases"] or "").split(";") if a]]:
            key = re.sub(r"[\s.'-]", "", name.casefold())
            if key.isascii() and len(key) >= 4:
                out.setdefault(key, r["iso2"])
    return out


def countries_in(text: str) -> list[str]:
    """ISO codes of the countries, regions and cities the table knows that ``text``
    names, in the table's order of name length (no trailing-code guess: in running text
    "IN" or "ID" is a word)."""
    low = text[:MAX_TEXT_SCAN].casefold()
    pattern, iso_of = _all_names()
    found: list[str] = []
    for m in pattern.finditer(low):
        iso = iso_of[m.group(0)]
        if iso not in found:
            found.append(iso)
    return found


@lru_cache(maxsize=1)
def _all_names() -> tuple[re.Pattern[str], dict[str, str]]:
    """Every name in one pattern (longest first; Latin names as whole words), and the
    country of each: one pass over a text instead of one search per name."""
    iso_of: dict[str, str] = {}
    for r in _rows():
        for name in [r["name"], *[a for a in (r["aliases"] or "").split(";") if a]]:
            iso_of.setdefault(name.casefold(), r["iso2"])
    names = sorted(iso_of, key=len, reverse=True)
    latin = "|".join(re.escape(n) for n in names if n.isascii())
    other = "|".join(re.escape(n) for n in names if not n.isascii())
    return re.compile(rf"(?<!\w)(?:{latin})(?!\w)|{other}"), iso_of


def country_of(url: str = "", html: bytes = b"", language: str = "", *,
               location: str = "") -> str:
    """ISO 3166 alpha-2 code of the country a listing or page is in, or ``""``.

    ``location`` (free text, the strongest hint) is read first, then ``url``'s
    country-code TLD, the region of ``html``'s ``lang`` attribute, and ``language``.
    A TLD may name a country the table has no row for; :func:`country` is then None.
    """
    found = _from_location(location) if location else ""
    if not found and url:
        found = _from_url(url)
    if not found and html:
        m = _HTML_LANG.search(html[:4096])
        if m and m.group(2):
            found = m.group(2).decode().upper()
    return found or _LANG_COUNTRY.get(language, "")
