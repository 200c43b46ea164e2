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

Only ``socks5h://`` is accepted (the setting's parser, in :mod:`wildtrace.config`):
plain ``socks5://`` means "resolve locally, send the address" to most tools, which is
exactly the leak this mode exists to prevent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

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
