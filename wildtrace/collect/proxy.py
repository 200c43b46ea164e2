"""Crawling and capturing through a SOCKS5 proxy (Tor, or an SSH tunnel), names resolved
by the proxy.

Part of the trade sits on Tor hidden services, and an investigator may also need to
reach an open site from somewhere other than the office network. With the ``proxy``
setting (``socks5h://127.0.0.1:9050`` for a local Tor, or ``--proxy``) every request of
a crawl or capture goes through the proxy:

* Scrapy's own Twisted HTTP client cannot speak SOCKS, so a proxied run downloads
  through Scrapy's httpx download handler (on the asyncio reactor), with
  ``request.meta["proxy"]`` set on every request by :class:`ProxyMiddleware`. httpx
  (with ``socksio``) sends the *host name* to the proxy; nothing resolves it here. That
  is the point of ``socks5h``: a local DNS lookup of a target would tell the resolver's
  operator what is being investigated, and an ``.onion`` name cannot be resolved at all.
* The network guard (:class:`~wildtrace.collect.netguard.NetPolicy`, ``proxied=True``)
  then cannot check the address a name resolves to, because it never learns it. What it
  still checks: the scheme; internal host names (``localhost``, ``*.local``, single
  labels); and IP-literal targets, which must be public unless the user named them, so a
  page cannot point the proxy at ``127.0.0.1`` or ``10.x`` either. The proxy's own
  address is the operator's setting, not a page's, and may well be local.
* ``.onion`` addresses are accepted only with a proxy; without one they are refused
  with a message saying what to set (:func:`~wildtrace.collect.netguard.onion_refusal`).

Outside Scrapy (listings' photos, advert revisits) :class:`ProxiedFetcher` fetches
through the same proxy, hop by hop under the same proxied guard.

Only ``socks5h://`` is accepted (the setting's parser, in :mod:`wildtrace.config`):
plain ``socks5://`` means "resolve locally, send the address" to most tools, which is
exactly the leak this mode exists to prevent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import httpx

from wildtrace.collect.netguard import Fetched, NetPolicy
from wildtrace.collect.photos import PhotoPoliteness
from wildtrace.collect.robots import MAX_ROBOTS_BYTES
from wildtrace.errors import FetchError

if TYPE_CHECKING:  # (Scrapy is loaded by a crawl, not by everything that shows a proxy)
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

PROXY_SETTING = "WILDTRACE_PROXY"
HTTPX_HANDLER = "scrapy.core.downloader.handlers._httpx.HttpxDownloadHandler"
ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"


def shown_proxy(proxy: str) -> str:
    """The proxy as evidence records it: scheme, host and port, never a password (Tor's
    stream isolation uses made-up user names; a real proxy's credentials stay out of
    WARC files and custody, which are handed over)."""
    if not proxy:
        return ""
    parts = urlsplit(proxy)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}:{parts.port}"


def proxy_settings(proxy: str) -> dict[str, Any]:
    """What a proxied run changes in the Scrapy settings of
    :func:`wildtrace.collect.crawler.scrapy_settings` (empty without a proxy)."""
    if not proxy:
        return {}
    return {
        PROXY_SETTING: proxy,
        # httpx speaks SOCKS5 (socksio) and needs asyncio; Twisted's client does not.
        "TWISTED_REACTOR": ASYNCIO_REACTOR,
        "DOWNLOAD_HANDLERS": {"http": HTTPX_HANDLER, "https": HTTPX_HANDLER},
    }


class ProxyMiddleware:
    """Downloader middleware sending every request through the run's proxy.

    It runs right after the network guard, so a refused request never reaches the
    proxy, and sets the proxy on robots.txt, sitemap and redirect requests alike (each
    passes through the downloader chain). A request arriving with a different proxy
    already set (none of wildtrace's do) is refused rather than sent elsewhere.
    """

    def __init__(self, proxy: str) -> None:
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProxyMiddleware:
        """Scrapy's constructor hook."""
        return cls(str(crawler.settings.get(PROXY_SETTING) or ""))

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        """Put the proxy on ``request`` (the httpx handler reads ``meta["proxy"]``)."""
        if not self.proxy:
            return
        current = request.meta.get("proxy")
        if current and current != self.proxy:
            from wildtrace.collect.fetchguard import Refused

            raise Refused(f"refused {request.url[:200]}: it asked for another proxy")
        request.meta["proxy"] = self.proxy
        request.meta["wt_proxy"] = shown_proxy(self.proxy)


REDIRECTS = (301, 302, 303, 307, 308)


@dataclass
class ProxiedFetcher:
    """GET through the SOCKS proxy, for what is fetched outside Scrapy in a proxied run
    (photos, revisits): every hop checked by ``policy`` (built with ``proxied=True``),
    redirects followed here, a byte cap and a deadline over the whole fetch, and
    ``delay`` seconds between two requests to one server (with ``politeness``, also
    robots.txt and its Crawl-delay, as :class:`~wildtrace.collect.photos.PhotoFetcher`
    does). Nothing is resolved locally, so
    :attr:`~wildtrace.collect.netguard.Fetched.address` is empty (the proxy knows).
    """

    proxy: str
    policy: NetPolicy
    user_agent: str = "wildtrace"
    max_bytes: int = 10_000_000
    timeout: float = 20.0
    delay: float = 1.0
    max_redirects: int = 5
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    politeness: PhotoPoliteness | None = None
    _last: dict[str, float] = field(default_factory=dict)

    def fetch(self, url: str) -> Fetched:
        """GET ``url``; raises :class:`FetchError` naming the URL and the reason
        (robots.txt's refusal included)."""
        if self.politeness is not None:
            why = self.politeness.refusal(url, lambda u: self._get(u, MAX_ROBOTS_BYTES * 2))
            if why:
                raise FetchError(why, url=url[:200])
        return self._get(url, self.max_bytes)

    def _get(self, url: str, max_bytes: int) -> Fetched:
        deadline = self.clock() + self.timeout
        redirects: list[str] = []
        current = url
        with httpx.Client(proxy=self.proxy, trust_env=False, follow_redirects=False,
                          timeout=httpx.Timeout(self.timeout)) as client:
            for _hop in range(self.max_redirects + 1):
                why = self.policy.refusal(current)
                if why:
                    raise FetchError(why, url=current[:200])
                status, location, media, body = self._hop(client, current, deadline,
                                                          max_bytes)
                if status in REDIRECTS and location:
                    current = urljoin(current, location)
                    redirects.append(current)
                    continue
                return Fetched(url=current, status=status, media_type=media, body=body,
                               address="", redirects=tuple(redirects))
        raise FetchError(f"more than {self.max_redirects} redirects", url=url[:200])

    def _hop(self, client: httpx.Client, url: str, deadline: float, max_bytes: int
             ) -> tuple[int, str, str, bytes]:
        host = (urlsplit(url).netloc or "").lower()
        rules = self.politeness
        delay = self.delay if rules is None else rules.delay_for(url)
        last = self._last.get(host, rules.quiet_since if rules is not None else None)
        if last is not None and last + delay > self.clock():
            self.sleep(last + delay - self.clock())
        try:
            with client.stream("GET", url, headers={"User-Agent": self.user_agent,
                                                    "Accept": "*/*"}) as resp:
                declared = resp.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise FetchError(f"response larger than {max_bytes} bytes",
                                     url=url[:200])
                chunks, size = [], 0
                for chunk in resp.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchError(f"response larger than {max_bytes} bytes",
                                         url=url[:200])
                    if self.clock() > deadline:
                        raise FetchError(f"took longer than {self.timeout} s", url=url[:200])
                    chunks.append(chunk)
                media = resp.headers.get("content-type", "").split(";")[0].strip().lower()
                return (resp.status_code, resp.headers.get("location", ""),
                        media or "application/octet-stream", b"".join(chunks))
        except httpx.HTTPError as exc:
            raise FetchError(f"request through the proxy failed: {type(exc).__name__}: "
                             f"{exc}"[:300], url=url[:200]) from exc
        finally:
            self._last[host] = self.clock()
