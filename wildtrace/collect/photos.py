"""Fetching a listing's photos, and decoding them as the hostile input they are.

A photo's URL is chosen by the page, so it goes through the run's network guard
(:class:`~wildtrace.collect.netguard.NetPolicy`) exactly as a link would: a public
address, or an origin the user named (a seed), on every redirect hop and again on the
address the connection uses. Bodies are capped in bytes, a listing in photo count.

Photo requests are requests to a site like any page, so in a crawl they obey the same
politeness (:class:`PhotoPoliteness`): the site's robots.txt (the copy the crawl kept,
else fetched once through the guard and parsed by :func:`~wildtrace.collect.robots.parse_robots`,
RFC 9309 rules), its Crawl-delay when longer than the configured delay, one server per
:func:`~wildtrace.collect.politeness.politeness_key` (``www.`` and ports 80/443 share a
clock), the gap counted from the end of the previous answer, and a first request to a
site waiting a full delay because the crawl may have just asked it for a page.

Decoding (:func:`decode`) accepts only still-image formats that Pillow reads natively
(JPEG, PNG, GIF, WebP, BMP), refuses more than ``MAX_PIXELS`` pixels *before* the pixel
data is read (Pillow reads the size from the header), and turns Pillow's
decompression-bomb warning into a refusal, so a 40 kB PNG that inflates to gigabytes is
never inflated.
"""

from __future__ import annotations

import io
import secrets
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from wildtrace.collect.netguard import Fetched, NetPolicy, SafeFetcher, parse_ip
from wildtrace.collect.politeness import politeness_key
from wildtrace.collect.robots import MAX_ROBOTS_BYTES, RobotsFile, parse_robots
from wildtrace.collect.sharedgate import POLL, Gate
from wildtrace.errors import FetchError

MAX_PHOTO_BYTES = 8_000_000
MAX_PIXELS = 40_000_000
MAX_SIDE = 20_000
MAX_PHOTOS = 8
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif",
           "WEBP": "image/webp", "BMP": "image/bmp"}


class PhotoRejected(ValueError):
    """The bytes are not an image we decode (the message says why)."""


@dataclass(frozen=True)
class Decoded:
    """A decoded photo: its format, pixel size and RGB pixels."""

    media_type: str
    width: int
    height: int
    image: Any  # PIL.Image.Image in RGB (typed Any: Pillow is the [images] extra)


def decode(data: bytes, *, max_bytes: int = MAX_PHOTO_BYTES,
           max_pixels: int = MAX_PIXELS) -> Decoded:
    """Decode ``data`` into RGB pixels or raise :class:`PhotoRejected` saying why."""
    if not data:
        raise PhotoRejected("empty body")
    if len(data) > max_bytes:
        raise PhotoRejected(f"larger than {max_bytes} bytes")
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError as exc:  # the [images] extra
        raise PhotoRejected("Pillow is not installed (the [images] extra)") from exc
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as img:
                fmt = str(img.format or "")
                if fmt not in FORMATS:
                    raise PhotoRejected(f"format {fmt or 'unknown'} is not accepted")
                w, h = img.size
                if w <= 0 or h <= 0 or w > MAX_SIDE or h > MAX_SIDE or w * h > max_pixels:
                    raise PhotoRejected(f"{w}x{h} pixels is over the limit of "
                                        f"{max_pixels} pixels")
                img.seek(0)  # the first frame of an animation
                rgb = img.convert("RGB")
                rgb.load()
    except PhotoRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoRejected(f"decompression bomb refused: {exc}"[:300]) from exc
    except UnidentifiedImageError as exc:
        raise PhotoRejected("not a readable image: not JPEG, PNG, GIF, WebP or BMP") \
            from exc
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError) as exc:
        raise PhotoRejected(f"not a readable image: {type(exc).__name__}: {exc}"[:300]) \
            from exc
    return Decoded(FORMATS[fmt], w, h, rgb)


class GuardedPhotoFetcher(SafeFetcher):
    """:class:`SafeFetcher` (byte cap, deadline, pinned address, checked redirects) with
    the run's :class:`NetPolicy` deciding each hop, so a seed's own origin on a private
    address may serve its photos while a page can never point us at one."""

    def __init__(self, policy: NetPolicy, **kwargs: Any) -> None:
        super().__init__(resolver=policy.resolver, **kwargs)
        self.policy = policy

    def check(self, url: str, *, exempt: frozenset[str] = frozenset()) -> tuple[str, str, int]:
        """Validate one hop: the policy's verdict on the URL, then on the address the
        connection will use (DNS rebinding between the two is caught here)."""
        if len(url) > 4096:
            raise FetchError("URL too long", url=url[:100])
        why = self.policy.refusal(url)
        if why:
            raise FetchError(why, url=url)
        parts = urlsplit(url)
        if parts.username or parts.password:
            raise FetchError("URLs with credentials are refused", url=url)
        host = (parts.hostname or "").rstrip(".").lower()
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise FetchError("URL has a bad port", url=url) from None
        literal = parse_ip(host)
        addresses = [str(literal)] if literal is not None else self.resolver(host, port)
        if not addresses:
            raise FetchError(f"host {host!r} has no address", url=url)
        address = str(parse_ip(addresses[0]) or "")
        if not address:
            raise FetchError(f"resolver gave a non-address {addresses[0]!r}", url=url)
        refused = self.policy.connect_refusal(host, address)
        if refused:
            raise FetchError(refused, url=url)
        return address, host, port


MAX_CRAWL_DELAY = 600.0  # a Crawl-delay above this is read as this (as the crawl does)


def _no_copy(_robots_url: str) -> bytes | None:
    return None


@dataclass
class PhotoPoliteness:
    """robots.txt and Crawl-delay for photo requests, as the crawl applies them to pages.

    ``stored`` returns the robots.txt bytes a capture of this run kept for a robots URL
    (so a site's robots.txt is not fetched twice); a site the crawl never visited (a
    photo CDN) has its robots.txt fetched once through the guard. ``quiet_since`` is
    when the step began: the first request to a site waits ``delay`` (or Crawl-delay)
    from then, since the crawl's last page request to it may have been just before.
    """

    agent: str = "wildtrace"  # the robots.txt user-agent token
    delay: float = 1.0
    obey: bool = True
    stored: Callable[[str], bytes | None] = _no_copy
    quiet_since: float | None = None
    files: dict[str, RobotsFile] = field(default_factory=dict)  # host:port -> robots.txt
    delays: dict[str, float] = field(default_factory=dict)  # politeness key -> seconds

    def robots(self, url: str, fetch: Callable[[str], Fetched]) -> RobotsFile | None:
        """The robots.txt in force for ``url``'s site (None when not obeyed); ``fetch``
        GETs it when no copy is kept (a FetchError there means "unreachable")."""
        if not self.obey:
            return None
        parts = urlsplit(url)
        site = parts.netloc.lower()
        known = self.files.get(site)
        if known is not None:
            return known
        robots_url = f"{parts.scheme}://{site}/robots.txt"
        body = self.stored(robots_url)
        if body is not None:
            robots = parse_robots(robots_url, 200, body, self.agent)
        else:
            try:
                got = fetch(robots_url)
            except FetchError as exc:
                robots = parse_robots(robots_url, 0, None, self.agent)
                robots.unreachable += f": {exc.message[:200]}"
            else:
                robots = parse_robots(robots_url, got.status,
                                      got.body[:MAX_ROBOTS_BYTES * 2], self.agent)
        self.files[site] = robots
        key = politeness_key(site)
        # Spellings of one server with different Crawl-delays: the longest holds.
        self.delays[key] = max(self.delays.get(key, self.delay), self.delay,
                               min(robots.crawl_delay or 0.0, MAX_CRAWL_DELAY))
        return robots

    def delay_for(self, url: str) -> float:
        """Seconds between two requests to ``url``'s server."""
        key = politeness_key(urlsplit(url).netloc.lower())
        return max(self.delay, self.delays.get(key, 0.0))

    def refusal(self, url: str, fetch: Callable[[str], Fetched]) -> str:
        """Why robots.txt forbids ``url`` ("" when it may be fetched)."""
        robots = self.robots(url, fetch)
        if robots is None or robots.allowed(url, self.agent):
            return ""
        return f"refused by robots.txt: {robots.unreachable or 'disallowed'}"


@dataclass
class PhotoFetcher:
    """Fetch photo URLs politely: the guard, a byte cap, and ``delay`` seconds between
    two requests to one server (with ``politeness``: robots.txt and its Crawl-delay,
    see :class:`PhotoPoliteness`)."""

    policy: NetPolicy
    user_agent: str = "wildtrace"
    max_bytes: int = MAX_PHOTO_BYTES
    timeout: float = 20.0
    delay: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    politeness: PhotoPoliteness | None = None
    gate: Gate | None = None  # the crawl workers' shared per-server gates (redis_url)
    _last: dict[str, float] = field(default_factory=dict)

    def fetch(self, url: str) -> Fetched:
        """GET one photo; raises :class:`FetchError` naming the URL and the reason
        (robots.txt's refusal included)."""
        rules = self.politeness
        if rules is not None:
            why = rules.refusal(url, lambda u: self._get(u, MAX_ROBOTS_BYTES * 2))
            if why:
                raise FetchError(why, url=url)
        return self._get(url, self.max_bytes)

    def _get(self, url: str, max_bytes: int) -> Fetched:
        """One request, after waiting this server's turn."""
        rules = self.politeness
        key = politeness_key((urlsplit(url).netloc or "").lower())
        delay = self.delay if rules is None else rules.delay_for(url)
        last = self._last.get(key, rules.quiet_since if rules is not None else None)
        if last is not None:
            wait = last + delay - self.clock()
            if wait > 0:
                self.sleep(wait)
        token = self._take(key, delay)
        fetcher = GuardedPhotoFetcher(self.policy, max_bytes=max_bytes,
                                      timeout=self.timeout, user_agent=self.user_agent)
        try:
            return fetcher.fetch(url)
        finally:
            # From the end of the answer: a slow response does not eat into the gap.
            self._last[key] = self.clock()
            if self.gate is not None and token:
                learned = 0.0
                if rules is not None:
                    robots = rules.files.get((urlsplit(url).netloc or "").lower())
                    learned = min((robots.crawl_delay if robots else None) or 0.0,
                                  MAX_CRAWL_DELAY)
                self.gate.give(key, token, delay, learned)

    def _take(self, key: str, delay: float) -> str:
        """Wait for and take the server's shared gate (nothing without one)."""
        if self.gate is None:
            return ""
        token = secrets.token_hex(8)
        hold = self.timeout + 2.0 + delay  # a killed worker frees the server after this
        while True:
            left = self.gate.take(key, token, hold)
            if left == 0:
                return token
            self.sleep(POLL if left < 0 else left)


def photo_urls(urls: list[str], limit: int = MAX_PHOTOS) -> list[str]:
    """The first ``limit`` distinct http(s) photo URLs of a listing (data: URIs, other
    schemes and overlong URLs dropped)."""
    out: list[str] = []
    for u in urls:
        u = u.strip()
        if len(u) > 4096 or not u.lower().startswith(("http://", "https://")) or u in out:
            continue
        out.append(u)
        if len(out) >= limit:
            break
    return out
