"""Logged-in collection with the analyst's own account: cookie files read, sessions
sealed, and lapsed sessions told from real pages.

An analyst who is a member of a closed group exports the browser's cookies for that
site (a Netscape ``cookies.txt`` from a browser extension, or a Playwright
storage-state JSON) and imports them with ``wildtrace session import``. This module:

* reads both formats (:func:`read_cookie_file`) into :class:`Cookie` records, keeping
  only cookies of the site named (a cookie file exported from a whole browser must not
  hand every other site's session to the crawl), with a clear error naming the file and
  line of anything malformed, and size limits (a cookie file is small; a 50 MB one is
  not a cookie file);
* seals them (:func:`seal` / :func:`unseal`) with Fernet (AES-128-CBC with
  HMAC-SHA256), so the database, its backups and exports hold only ciphertext; the key
  lives outside the database (the application layer keeps it);
* tells a page served to a lapsed session, or a CAPTCHA/WAF challenge, from a real
  page (:func:`lapse_reason`): HTTP 401/403/407, a redirect to a login address, a login
  form, or a challenge page, so the crawl pauses the site instead of archiving a login
  page as if it were a listing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken

from wildtrace.errors import InputError

MAX_COOKIE_FILE_BYTES = 2_000_000
MAX_COOKIES = 2_000
MAX_VALUE_CHARS = 8_192  # browsers cap a cookie near 4 KiB; twice that is not a cookie
FORMATS = ("cookies.txt", "storage-state")
SAME_SITE = {"strict": "Strict", "lax": "Lax", "none": "None"}
_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,256}$")  # RFC 6265 token


@dataclass(frozen=True)
class Cookie:
    """One cookie of a session, in the shape Playwright's ``add_cookies`` takes."""

    name: str
    value: str
    domain: str
    path: str = "/"
    expires: float = -1.0  # Unix time; -1 for a session cookie
    http_only: bool = False
    secure: bool = False
    same_site: str = "Lax"

    def for_browser(self) -> dict[str, Any]:
        """The cookie as ``BrowserContext.add_cookies`` takes it."""
        return {"name": self.name, "value": self.value, "domain": self.domain,
                "path": self.path, "expires": self.expires, "httpOnly": self.http_only,
                "secure": self.secure, "sameSite": self.same_site}


def site_of(value: str) -> str:
    """The site a session is for: a bare host name, lower case (``www.`` dropped), from
    a host or a URL; raises :class:`InputError` when it is neither."""
    text = value.strip().lower()
    host = urlsplit(text).hostname if "://" in text else text.split("/")[0].split(":")[0]
    host = (host or "").strip(".")
    if not host or not re.fullmatch(r"[a-z0-9.-]{1,253}", host) or ".." in host:
        raise InputError(f"not a site name: {value[:200]!r}",
                         hint="name the site as a host, e.g. forum.example.org")
    return host.removeprefix("www.")


def cookie_matches(domain: str, site: str) -> bool:
    """Whether a cookie of ``domain`` belongs to ``site`` (the site, a sub-domain of it,
    or the parent domain it sets cookies on, such as ``.example.org`` for
    ``forum.example.org``)."""
    d = domain.lower().lstrip(".")
    if not d:
        return False
    return d == site or d.endswith("." + site) or site.endswith("." + d) and "." in d


def host_matches(host: str, site: str) -> bool:
    """Whether a URL host is ``site`` or one of its sub-domains."""
    h = host.lower().strip(".").removeprefix("www.")
    return h == site or h.endswith("." + site)


def _cookie(where: str, name: str, value: str, domain: str, path: str, expires: float,
            http_only: bool, secure: bool, same_site: str) -> Cookie:
    if not _NAME.match(name):
        raise InputError(f"{where}: cookie name {name[:80]!r} is not a valid cookie name")
    if len(value) > MAX_VALUE_CHARS or any(c in value for c in "\r\n;\x00"):
        raise InputError(f"{where}: the value of cookie {name!r} is not a cookie value "
                         f"(over {MAX_VALUE_CHARS} characters, or holds ; or a line break)")
    if not re.fullmatch(r"\.?[A-Za-z0-9.-]{1,253}", domain):
        raise InputError(f"{where}: cookie {name!r} has no valid domain ({domain[:80]!r})")
    if not path.startswith("/"):
        path = "/"
    return Cookie(name, value, domain.lower(), path[:1000], expires, http_only, secure,
                  SAME_SITE.get(same_site.lower(), "Lax"))


def parse_cookies_txt(text: str, where: str) -> list[Cookie]:
    """Cookies of a Netscape ``cookies.txt`` (seven tab-separated fields a line;
    ``#HttpOnly_`` prefixes kept as the flag)."""
    out = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip("\r")
        http_only = line.startswith("#HttpOnly_")
        if http_only:
            line = line[len("#HttpOnly_"):]
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 7:
            raise InputError(f"{where}:{number}: not a cookies.txt line (expected 7 "
                             f"tab-separated fields, found {len(parts)})",
                             hint="export the cookies in Netscape cookies.txt format")
        domain, _subdomains, path, secure, expires, name, value = parts
        try:
            stamp = float(expires)
        except ValueError:
            raise InputError(f"{where}:{number}: expiry {expires[:40]!r} is not a number"
                             ) from None
        out.append(_cookie(f"{where}:{number}", name, value, domain, path,
                           stamp if stamp > 0 else -1.0, http_only,
                           secure.upper() == "TRUE", "Lax"))
    return out


def parse_storage_state(text: str, where: str) -> list[Cookie]:
    """Cookies of a Playwright storage-state JSON (``{"cookies": [...], "origins":
    [...]}``; local storage is not used by the crawl and is dropped)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}:{exc.lineno}: not JSON: {exc.msg}") from None
    cookies = data.get("cookies") if isinstance(data, dict) else None
    if not isinstance(cookies, list):
        raise InputError(f"{where}: not a Playwright storage state (no \"cookies\" list)",
                         hint="save it with context.storage_state(path=...)")
    out = []
    for i, item in enumerate(cookies):
        here = f"{where}: cookies[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) \
                or not isinstance(item.get("value"), str):
            raise InputError(f"{here}: a cookie needs a string name and value")
        expires = item.get("expires", -1)
        out.append(_cookie(here, item["name"], item["value"], str(item.get("domain", "")),
                           str(item.get("path", "/")),
                           float(expires) if isinstance(expires, (int, float))
                           and expires > 0 else -1.0,
                           bool(item.get("httpOnly")), bool(item.get("secure")),
                           str(item.get("sameSite", "Lax"))))
    return out


def detect_format(text: str) -> str:
    """``storage-state`` for JSON, else ``cookies.txt``."""
    return "storage-state" if text.lstrip().startswith("{") else "cookies.txt"


@dataclass(frozen=True)
class CookieFile:
    """What a cookie file held for one site: its cookies, the format, and how many
    cookies of other sites were left out."""

    cookies: tuple[Cookie, ...]
    format: str
    other_sites: int

    def expires(self, now: float) -> float | None:
        """When the first persistent cookie expires (None when all are session cookies)."""
        stamps = [c.expires for c in self.cookies if c.expires > 0]
        return min(stamps) if stamps else None


def read_cookie_file(path: Path, site: str, fmt: str = "") -> CookieFile:
    """The cookies of ``site`` in the file at ``path`` (format detected unless
    ``fmt``); raises :class:`InputError` naming the file (and line) when it is unusable
    or holds no cookie of the site."""
    try:
        size = path.stat().st_size
        if size > MAX_COOKIE_FILE_BYTES:
            raise InputError(f"{path}: {size} bytes is too big for a cookie file "
                             f"(at most {MAX_COOKIE_FILE_BYTES})")
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text: not a cookie file") from None
    kind = fmt or detect_format(text)
    if kind not in FORMATS:
        raise InputError(f"unknown cookie file format {kind!r}",
                         hint="use " + " or ".join(FORMATS))
    found = (parse_storage_state if kind == "storage-state" else parse_cookies_txt)(
        text, str(path))
    if len(found) > MAX_COOKIES:
        raise InputError(f"{path}: {len(found)} cookies; at most {MAX_COOKIES} are read")
    mine = [c for c in found if cookie_matches(c.domain, site)]
    if not mine:
        raise InputError(f"{path}: no cookie for {site} among {len(found)} cookies",
                         hint="export the cookies while logged in to that site")
    return CookieFile(tuple(mine), kind, len(found) - len(mine))


# -- sealing -------------------------------------------------------------------------
def new_key() -> str:
    """A fresh key for :func:`seal` (URL-safe base64 of 32 random bytes)."""
    return Fernet.generate_key().decode("ascii")


def _fernet(key: str) -> Fernet:
    try:
        return Fernet(key.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise InputError("the session key is not a valid key (32 bytes, URL-safe base64)",
                         hint="make one with: python -c 'from cryptography.fernet import "
                              "Fernet; print(Fernet.generate_key().decode())'") from None


def seal(cookies: Iterable[Cookie], key: str) -> str:
    """The cookies encrypted and authenticated under ``key`` (a Fernet token)."""
    blob = json.dumps([asdict(c) for c in cookies], separators=(",", ":"))
    return _fernet(key).encrypt(blob.encode("utf-8")).decode("ascii")


def unseal(token: str, key: str, site: str = "") -> tuple[Cookie, ...]:
    """The cookies in a token :func:`seal` made; raises :class:`InputError` when the
    key is not the one they were sealed with, or the token was altered."""
    try:
        blob = _fernet(key).decrypt(token.encode("ascii"))
    except InvalidToken:
        raise InputError(f"the stored session{' for ' + site if site else ''} cannot be "
                         "decrypted with this workspace's session key (key changed, or "
                         "the row was altered)",
                         hint="import the cookie file again: wildtrace session renew SITE "
                              "FILE") from None
    return tuple(Cookie(**item) for item in json.loads(blob))


# -- lapsed sessions -----------------------------------------------------------------
# A path segment that is a login address (``/login``, ``/accounts/login``, ``/signin.php``),
# never a word inside a slug (``/blog/how-we-authenticate-ivory``).
LOGIN_PATH = re.compile(r"(?:^|/)(?:log-?in|sign-?in|sign_in|auth|authenticate|session/new|"
                        r"checkpoint|sso|uas/login)(?:$|[/?.#])", re.I)
CHALLENGE = re.compile(
    r"g-recaptcha|h-captcha|hcaptcha\.com|cf-challenge|cf_chl_|challenge-platform|"
    r"cf-browser-verification|turnstile|captcha-delivery|px-captcha|"
    r"attention required!? \| cloudflare|verify you are (?:a )?human|are you a robot", re.I)
# Words a block page says, trusted only with a refusing status (a listing may say them).
WAF_WORDS = re.compile(r"just a moment\.\.\.|unusual traffic|access denied|request blocked|"
                       r"too many requests", re.I)
PASSWORD_INPUT = re.compile(r"<input[^>]+type\s*=\s*[\"']?password", re.I)
LOGIN_WORDS = re.compile(r"\b(?:log ?in|sign ?in|session (?:has )?expired|please log|"
                         r"connectez-vous|anmelden|iniciar sesi[oó]n|登录|登入|ログイン)\b",
                         re.I)
SCAN_CHARS = 200_000  # only the head of a page is looked at: challenge pages are short


def lapse_reason(status: int, url: str, requested: str, html: str, *,
                 logged_in: bool = True) -> str:
    """Why the page at ``url`` (asked for as ``requested``, through ``redirects``) looks
    served to a logged-out session or a robot check rather than being the page asked
    for; ``""`` when it looks like the page itself.

    Judged on the status, the address the browser ended on, and the page: a password
    field with login words, or a CAPTCHA/WAF challenge. A page the analyst asked for
    that *is* a login address (the seed is the login page) is not a lapse by address.
    Without ``logged_in`` (a public crawl) only robot checks count: a public site's
    login page or refusal is a page like any other.
    """
    head = html[:SCAN_CHARS]
    challenge = CHALLENGE.search(head)
    if status in (403, 429, 503) and (challenge or WAF_WORDS.search(head)):
        challenge = challenge or WAF_WORDS.search(head)
        assert challenge is not None
        return f"HTTP {status} with a robot check ({challenge.group(0)[:40]!r})"
    if not logged_in:
        return (f"a CAPTCHA or robot check was served ({challenge.group(0)[:40]!r})"
                if challenge and len(head) < 60_000 else "")
    if status in (401, 407):
        return f"HTTP {status}: the site asks for a login"
    if status == 403:
        return "HTTP 403: the session is refused (logged out, or blocked)"
    path = urlsplit(url).path + "?" + urlsplit(url).query
    asked = urlsplit(requested).path
    if LOGIN_PATH.search(path) and not LOGIN_PATH.search(asked):
        return f"sent to a login page ({url[:200]})"
    if challenge and len(head) < 60_000:
        return f"a CAPTCHA or robot check was served ({challenge.group(0)[:40]!r})"
    if PASSWORD_INPUT.search(head) and LOGIN_WORDS.search(head) \
            and not LOGIN_PATH.search(asked):
        return "a login form was served instead of the page"
    return ""
