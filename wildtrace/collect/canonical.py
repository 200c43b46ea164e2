"""URL canonicalisation, so one page reached through many spellings is fetched once.

Lower-case scheme and host, default ports dropped, fragments dropped, query parameters
sorted, and tracking or session parameters (``utm_*``, ``fbclid``, ``sid``…) removed;
what is left names the page. The frontier keys URLs by the SHA-256 of this form.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

_TRACKING = re.compile(
    r"^(utm_[a-z]+|fbclid|gclid|dclid|msclkid|yclid|mc_[a-z]+|_hs[a-z]+|ref_?src|"
    r"spm|scm|sessionid|session_id|sid|phpsessid|jsessionid|aspsessionid[a-z]*)$",
    re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_URL_CHARS = 2083  # what browsers and Scrapy accept; longer URLs are traps
MAX_HOST_CHARS = 253  # the longest DNS name


def canonical_url(url: str) -> str:
    """The canonical spelling of ``url`` (http/https only; others are returned as given)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return url.strip()
    host = (parts.hostname or "").rstrip(".")
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host.lower()
    except UnicodeError:
        host = host.lower()
    netloc = host
    if parts.port and parts.port != _DEFAULT_PORTS[scheme]:
        netloc = f"{host}:{parts.port}"
    # Re-quote the path so %7E and ~ spell the same page; ";" params kept (some sites
    # put the listing id there).
    path = quote(unquote(parts.path or "/"), safe="/;:@&=+$,!~*'()%-._")
    path = _remove_dots(re.sub(r"/{2,}", "/", path))
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not _TRACKING.match(k)]
    query.sort()
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


def _remove_dots(path: str) -> str:
    # RFC 3986 section 5.2.4: "/a/./b/../c" names "/a/c".
    out: list[str] = []
    segments = path.split("/")
    for seg in segments[1:]:
        if seg == "..":
            if out:
                out.pop()
        elif seg != ".":
            out.append(seg)
    trailing = segments[-1] in (".", "..") and (not out or out[-1] != "")
    return "/" + "/".join(out) + ("/" if trailing else "")


def url_key(url: str) -> str:
    """Hex SHA-256 of the canonical URL: the frontier's and capture index's key."""
    return hashlib.sha256(canonical_url(url).encode("utf-8", "surrogatepass")).hexdigest()


def domain_of(url: str) -> str:
    """The lower-cased host of ``url`` without a leading ``www.``."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def same_site(url: str, domains: Collection[str]) -> bool:
    """True when ``url``'s host is one of ``domains`` or a subdomain of one."""
    host = domain_of(url)
    return any(host == d or host.endswith("." + d) for d in domains)


def acceptable(url: str) -> bool:
    """True for http(s) URLs of sane length with a valid host and port: the only ones
    the crawler follows (a hostile page's ``http://shop:abc/`` or 300-letter host is
    not)."""
    if len(url) > MAX_URL_CHARS:
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not 0-65535
    except ValueError:
        return False
    host = parts.hostname or ""
    return parts.scheme in _DEFAULT_PORTS and 0 < len(host) <= MAX_HOST_CHARS
