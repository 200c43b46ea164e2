"""SSRF-safe fetching of URLs that strangers hand us (citizen tips, seed lists).

A URL from a stranger must never make the server talk to itself, the local network or
the cloud metadata service. So, for every hop (the first request and each redirect):

1. the scheme must be http or https and the host must not be an internal name;
2. the host is resolved, and *every* address must be a public unicast address
   (no loopback, private, link-local, CGNAT, multicast, reserved, documentation,
   169.254.169.254 metadata, IPv6 unique-local, or IPv4 hidden inside an IPv6 form);
   numeric hosts in decimal, octal, hex or short form (``2130706433``, ``0177.1``,
   ``0x7f.0.0.1``) are decoded the way C's ``inet_aton`` does before the check;
3. the connection goes to the address we checked (pinned; the Host header and TLS SNI
   carry the name), so a second DNS answer cannot swap in an internal address;
4. size and time limits hold for the whole fetch, and proxies from the environment
   are ignored.

``first_hop_exempt`` lets tests fetch from a server on 127.0.0.1 for the *first*
request only, to prove that a redirect from there to an internal address is refused.

:class:`NetPolicy` is the same address classification as the one guard of a crawl or
capture run: a non-public address is allowed only for an origin the user named. The
crawler consults it for every request and connection (:mod:`wildtrace.collect.fetchguard`),
and the capture browser for every request it makes (:mod:`wildtrace.preserve.browser`).
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from wildtrace.errors import FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

# Ranges refused beyond what ``ipaddress`` flags as non-global, spelt out for review.
BLOCKED = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
    "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
    "255.255.255.255/32", "::/128", "::1/128", "::ffff:0:0/96", "64:ff9b::/96",
    "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32", "2002::/16",
    "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
))
INTERNAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa",
                     ".lan", ".intranet", ".corp")


def _inet_aton_part(text: str) -> int:
    if text.lower().startswith("0x"):
        return int(text[2:] or "0", 16)
    if len(text) > 1 and text.startswith("0"):
        return int(text, 8)
    return int(text, 10)


def parse_ip(host: str) -> IPAddress | None:
    """The address a numeric host denotes (any inet_aton form, or IPv6), else None."""
    host = host.strip().strip("[]").rstrip(".")
    if not host:
        return None
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    parts = host.split(".")
    if len(parts) > 4 or not all(p and all(c in "0123456789abcdefxABCDEFX" for c in p)
                                 for p in parts):
        return None
    try:
        nums = [_inet_aton_part(p) for p in parts]
    except ValueError:
        return None
    # inet_aton: the last part fills all remaining bytes (a.b.c.d, a.b.cd, a.bcd, abcd).
    head, last = nums[:-1], nums[-1]
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(nums)):
        return None
    value = 0
    for n in head:
        value = value * 256 + n
    value = value * 256 ** (5 - len(nums)) + last
    return ipaddress.IPv4Address(value)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address hidden in a mapped, 6to4, Teredo or NAT64 IPv6 address."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in ipaddress.ip_network("64:ff9b::/96"):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    packed = int(ip)
    if packed >> 32 == 0 and packed > 1:  # deprecated IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(packed)
    return None


def is_public(ip: IPAddress) -> bool:
    """True only for a public unicast address we may connect to."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = embedded_ipv4(ip)
        if inner is not None and not is_public(inner):
            return False
    if any(ip in net for net in BLOCKED if net.version == ip.version):
        return False
    return bool(ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_loopback
                                      or ip.is_link_local or ip.is_private
                                      or ip.is_unspecified))


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host``."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve host {host!r}: {exc}", url=host) from exc
    return [str(info[4][0]) for info in infos]


def is_onion(host: str) -> bool:
    """Whether ``host`` is a Tor hidden-service name (``….onion``)."""
    name = host.rstrip(".").lower()
    return name == "onion" or name.endswith(".onion")


def onion_refusal(url: str, host: str) -> str:
    """Why an onion ``url`` is not fetched without a proxy."""
    return (f"refused {url[:200]}: {host} is a Tor onion address, reachable only through "
            "a SOCKS proxy; set proxy = \"socks5h://127.0.0.1:9050\" in the workspace "
            "settings (or pass --proxy) with Tor running; not fetched")


@dataclass(frozen=True, slots=True)
class Fetched:
    """The result of a guarded fetch."""

    url: str  # the final URL, after redirects
    status: int
    media_type: str
    body: bytes
    address: str  # the IP we connected to for the final hop
    redirects: tuple[str, ...] = field(default=())


@dataclass
class SafeFetcher:
    """Fetch public web pages only; see the module docstring for the rules."""

    resolver: Resolver = system_resolver
    max_bytes: int = 5_000_000
    timeout: float = 20.0
    max_redirects: int = 5
    user_agent: str = "wildtrace tip capture"
    first_hop_exempt: frozenset[str] = frozenset()  # TEST ONLY: addresses allowed on hop 1

    def check(self, url: str, *, exempt: frozenset[str] = frozenset()) -> tuple[str, str, int]:
        """Validate ``url``; returns (pinned address, host, port) or raises FetchError."""
        if len(url) > 4096:
            raise FetchError("URL too long", url=url[:100])
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise FetchError("only http and https URLs are fetched", url=url)
        if parts.username or parts.password:
            raise FetchError("URLs with credentials are refused", url=url)
        host = (parts.hostname or "").rstrip(".").lower()
        if not host:
            raise FetchError("URL has no host", url=url)
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise FetchError("URL has a bad port", url=url) from None
        literal = parse_ip(host)
        if literal is not None:
            addresses = [str(literal)]
        else:
            if host in INTERNAL_NAMES or host.endswith(INTERNAL_SUFFIXES) or "." not in host:
                raise FetchError(f"host {host!r} is an internal name", url=url)
            if is_onion(host):  # never asked of the local resolver
                raise FetchError(onion_refusal(url, host), url=url)
            try:
                host.encode("idna")
            except UnicodeError:
                raise FetchError(f"host {host!r} is not a valid name", url=url) from None
            addresses = self.resolver(host, port)
        if not addresses:
            raise FetchError(f"host {host!r} has no address", url=url)
        for addr in addresses:
            ip = parse_ip(addr)
            if ip is None:
                raise FetchError(f"resolver gave a non-address {addr!r}", url=url)
            if str(ip) in exempt:
                continue
            if not is_public(ip):
                raise FetchError(f"{host} resolves to {ip}, which is not a public internet "
                                 "address; refused", url=url)
        return str(parse_ip(addresses[0])), host, port

    def fetch(self, url: str) -> Fetched:
        """GET ``url`` following at most ``max_redirects`` checked redirects."""
        deadline = time.monotonic() + self.timeout
        redirects: list[str] = []
        current = url
        exempt = self.first_hop_exempt
        with httpx.Client(trust_env=False, follow_redirects=False,
                          timeout=httpx.Timeout(self.timeout)) as client:
            for _hop in range(self.max_redirects + 1):
                address, host, port = self.check(current, exempt=exempt)
                exempt = frozenset()  # the exemption never carries past the first hop
                status, location, media_type, body = self._hop(
                    client, current, address, host, port, deadline)
                if status in (301, 302, 303, 307, 308) and location:
                    current = urljoin(current, location)
                    redirects.append(current)
                    continue
                return Fetched(url=current, status=status, media_type=media_type, body=body,
                               address=address, redirects=tuple(redirects))
        raise FetchError(f"more than {self.max_redirects} redirects", url=url)

    def _hop(self, client: httpx.Client, url: str, address: str, host: str, port: int,
             deadline: float) -> tuple[int, str, str, bytes]:
        parts = urlsplit(url)
        netloc = f"[{address}]" if ":" in address else address
        target = parts._replace(netloc=f"{netloc}:{port}").geturl()
        default = 443 if parts.scheme == "https" else 80
        headers = {"Host": host if port == default else f"{host}:{port}",
                   "User-Agent": self.user_agent, "Accept": "*/*"}
        ext = {"sni_hostname": host} if parts.scheme == "https" else {}
        try:
            with client.stream("GET", target, headers=headers, extensions=ext) as resp:
                declared = resp.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > self.max_bytes:
                    raise FetchError(f"response larger than {self.max_bytes} bytes", url=url)
                chunks, size = [], 0
                for chunk in resp.iter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise FetchError(f"response larger than {self.max_bytes} bytes",
                                         url=url)
                    if time.monotonic() > deadline:
                        raise FetchError(f"took longer than {self.timeout} s", url=url)
                    chunks.append(chunk)
                media = resp.headers.get("content-type", "").split(";")[0].strip().lower()
                return (resp.status_code, resp.headers.get("location", ""),
                        media or "application/octet-stream", b"".join(chunks))
        except httpx.HTTPError as exc:
            raise FetchError(f"request failed: {type(exc).__name__}: {exc}", url=url) from exc


@dataclass(frozen=True, slots=True)
class Origin:
    """Scheme, host and port: what a user names when they name a site to fetch."""

    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


_WEB_SCHEMES = {"http": "http", "https": "https", "ws": "http", "wss": "https"}
_DEFAULT_PORT = {"http": 80, "https": 443}


def origin_of(url: str) -> Origin | None:
    """The origin of an http(s) or ws(s) URL (a WebSocket counts as its http(s) twin),
    or None for any other scheme or an unreadable URL."""
    try:
        parts = urlsplit(url)
        scheme = _WEB_SCHEMES.get(parts.scheme.lower())
        host = (parts.hostname or "").rstrip(".").lower()
        if scheme is None or not host:
            return None
        literal = parse_ip(host)
        if literal is not None:  # 127.1 and 127.0.0.1 are one origin, as to a socket
            host = str(literal)
        return Origin(scheme, host, parts.port or _DEFAULT_PORT[scheme])
    except ValueError:
        return None


def named_origins(value: str) -> list[Origin]:
    """The origins one user-given value names: a URL names its own origin; a bare
    ``host`` or ``host:port`` (``--allow-domain``) names it over http and https, on the
    default ports when no port is given."""
    if "://" in value:
        origin = origin_of(value)
        return [origin] if origin is not None else []
    out = []
    for scheme in ("http", "https"):
        origin = origin_of(f"{scheme}://{value.strip()}/")
        if origin is not None:
            out.append(origin)
    return out


class NetPolicy:
    """The one network guard of a run: which URLs may be fetched, and which addresses a
    connection may reach.

    A public address may always be fetched. A non-public one (loopback, private,
    link-local, metadata…; see :func:`is_public`) only when the URL's origin is exactly
    one the user named (a seed, a capture URL, an ``--allow-domain``), so a page can
    never send us to an internal service on its own say-so: not by a link, a redirect,
    a sitemap, an image or a script. Host names are resolved and *every* address must be
    public; answers are cached per host for ``ttl`` seconds so a crawl does not add a DNS
    lookup per request. :meth:`connect_refusal` checks the address a connection is about
    to use (the crawler's resolver calls it), which defeats DNS rebinding between the
    check and the connection.


    With ``proxied`` (a run through a SOCKS proxy, which resolves host names itself;
    :mod:`wildtrace.collect.proxy`) host names are never looked up here: only internal
    names and non-public IP literals are refused, and ``.onion`` names are allowed,
    which without a proxy are refused with a message saying what to set.
    """

    def __init__(self, named: Iterable[str] = (), *, resolver: Resolver = system_resolver,
                 ttl: float = 30.0, clock: Callable[[], float] = time.monotonic,
                 proxied: bool = False) -> None:
        self.proxied = proxied
        self.origins = frozenset(o for value in named for o in named_origins(value))
        # At connection time only the host is known: a named host's addresses pass there,
        # because its port and scheme were held to the named origin before.
        self.named_hosts = frozenset(o.host for o in self.origins)
        self.resolver = resolver
        self.ttl = ttl
        self.clock = clock
        self._answers: dict[str, tuple[float, list[str] | str]] = {}

    def named(self, url: str) -> bool:
        """Whether ``url``'s origin is exactly one the user named."""
        return origin_of(url) in self.origins

    def needs_lookup(self, url: str) -> bool:
        """Whether :meth:`refusal` would ask DNS (so a caller on an event loop can run it
        in a thread): an unnamed host name with no fresh cached answer."""
        origin = origin_of(url)
        if origin is None or origin in self.origins or parse_ip(origin.host) is not None \
                or self.proxied:
            return False
        cached = self._answers.get(origin.host)
        return cached is None or cached[0] < self.clock()

    def refusal(self, url: str) -> str:
        """Why ``url`` must not be fetched, or ``""`` when it may be."""
        origin = origin_of(url)
        if origin is None:
            return f"refused {url[:200]}: only http(s) URLs are fetched"
        if is_onion(origin.host):  # named or not: only a proxy can reach it
            return "" if self.proxied else onion_refusal(url, origin.host)
        if origin in self.origins:
            return ""
        literal = parse_ip(origin.host)
        if literal is not None:
            addresses: list[str] | str = [str(literal)]
        elif origin.host in INTERNAL_NAMES or origin.host.endswith(INTERNAL_SUFFIXES) \
                or "." not in origin.host:
            return self._why(url, origin, f"{origin.host} is an internal host name")
        elif self.proxied:
            return ""  # the proxy resolves it, out of our sight (collect/proxy.py)
        else:
            addresses = self._lookup(origin.host, origin.port)
        if isinstance(addresses, str):
            return ""  # unresolvable: the fetch fails on its own, with its own reason
        for addr in addresses:
            ip = parse_ip(addr)
            if ip is None or not is_public(ip):
                shown = addr if literal is not None else f"{origin.host} resolves to {addr}"
                return self._why(url, origin, f"{shown}, which is not a public internet "
                                               "address")
        return ""

    def connect_refusal(self, host: str, address: str) -> str:
        """Why a connection to ``host`` must not go to ``address`` (what the resolver
        answered just now), or ``""``."""
        name = host.rstrip(".").lower()
        literal = parse_ip(name)
        if (str(literal) if literal is not None else name) in self.named_hosts:
            return ""
        ip = parse_ip(address)
        if ip is not None and is_public(ip):
            return ""
        return (f"refused at connection time: {name} now resolves to {address}, which is "
                "not a public internet address (DNS rebinding?)")

    def _lookup(self, host: str, port: int) -> list[str] | str:
        now = self.clock()
        cached = self._answers.get(host)
        if cached is not None and cached[0] >= now:
            return cached[1]
        answer: list[str] | str
        try:
            answer = self.resolver(host, port)
        except FetchError as exc:
            answer = exc.message
        self._answers[host] = (now + self.ttl, answer)
        return answer

    @staticmethod
    def _why(url: str, origin: Origin, what: str) -> str:
        return (f"refused {url[:200]}: {what}, and {origin} is not an origin you named "
                "(a seed or --allow-domain); not fetched")
