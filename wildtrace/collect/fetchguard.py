"""The crawler's side of the network guard: every request it makes, and every
connection it opens, go through the run's :class:`~wildtrace.collect.netguard.NetPolicy`.

* :class:`GuardMiddleware` runs first in Scrapy's downloader chain, on every request:
  the first request of each URL, every redirect hop (Scrapy's redirect middleware
  hands each hop back to the scheduler as a new request, so it comes through here
  before anything is sent), robots.txt and sitemaps. A refused request is not fetched
  at all; it fails with :class:`Refused`, whose message names the URL, the address and
  why, and the spider records it like any failed page.
* :class:`GuardedResolver` (Scrapy's ``TWISTED_DNS_RESOLVER``) checks the address each
  connection is about to use, so a host that answered DNS with a public address for the
  check cannot answer with an internal one for the connection (DNS rebinding). Scrapy
  caches each answer for the run, so the address checked is the address used.
  :class:`ConnectGuardMiddleware` turns such a refusal back into its reason, ahead of
  the retry middleware (a refusal is not retried).
"""

from __future__ import annotations

from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.base import ReactorBase
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError
from twisted.internet.threads import deferToThread

from wildtrace.collect.netguard import NetPolicy

POLICY_SETTING = "WILDTRACE_NET_POLICY"


class Refused(IgnoreRequest):
    """The network guard refused a request; the message is the recorded reason."""


def policy_of(crawler: Any) -> NetPolicy:
    """The run's policy from the Scrapy settings; with none given, public addresses
    only (the safe default: nothing internal was named)."""
    policy = crawler.settings.get(POLICY_SETTING)
    return policy if isinstance(policy, NetPolicy) else NetPolicy()


class GuardMiddleware:
    """Downloader middleware refusing what the run's policy refuses (see module doc)."""

    def __init__(self, crawler: Crawler) -> None:
        self.policy = policy_of(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GuardMiddleware:
        """Scrapy's constructor hook."""
        return cls(crawler)

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        """Refuse ``request`` before it is sent when the policy says so."""
        url = request.url
        if self.policy.needs_lookup(url):
            # A DNS lookup would block the reactor: run it in a thread (once per host
            # per TTL; later requests to the host are answered from the cache).
            why: str = await maybe_deferred_to_future(
                deferToThread(self.policy.refusal, url))
        else:
            why = self.policy.refusal(url)
        if why:
            hops = request.meta.get("redirect_urls")
            if hops:
                why = f"redirect from {hops[-1][:200]} {why}"
            raise Refused(why)


class ConnectGuardMiddleware:
    """Gives a connection-time refusal its reason (it would otherwise read as "host
    name does not resolve", and be retried)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConnectGuardMiddleware:
        """Scrapy's constructor hook."""
        return cls(crawler)

    def process_exception(self, request: Request, exception: BaseException,
                          spider: Spider | None = None) -> None:
        """Raise :class:`Refused` for a failure the guarded resolver caused."""
        if not isinstance(exception, (CannotResolveHostError, DNSLookupError)):
            return
        host = (urlparse_cached(request).hostname or "").rstrip(".").lower()
        why = GuardedResolver.refused.get(host)
        if why:
            raise Refused(f"refused {request.url[:200]}: {why}; not fetched")


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, with every answer checked by the run's policy."""

    refused: dict[str, str] = {}  # host -> why its connection was refused (this process)

    def __init__(self, reactor: ReactorBase, cache_size: int, timeout: float,
                 policy: NetPolicy) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.policy = policy

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: ReactorBase) -> GuardedResolver:
        """Scrapy's constructor hook (given the crawler process's settings)."""
        size = crawler.settings.getint("DNSCACHE_SIZE") \
            if crawler.settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(reactor, size, crawler.settings.getfloat("DNS_TIMEOUT"),
                   policy_of(crawler))

    def getHostByName(self, name: str, timeout: Any = ()) -> Deferred[str]:  # noqa: N802
        """Resolve ``name`` (cached), then refuse an address the policy forbids."""
        return super().getHostByName(name, timeout).addCallback(self._check, name)

    def _check(self, address: str, name: str) -> str:
        why = self.policy.connect_refusal(name, address)
        if why:
            self.refused[name.rstrip(".").lower()] = why
            raise DNSLookupError(why)
        return address
