"""The SSRF guard: only public addresses, pinned, checked again at every redirect."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tiny_site import TinySite, tiny_site

from wildtrace.collect.netguard import SafeFetcher, is_public, parse_ip
from wildtrace.errors import FetchError

ROUTES = {
    "/to-loopback": "http://127.0.0.1:{port}/page",
    "/to-metadata": "http://169.254.169.254/latest/meta-data/",
    "/to-decimal": "http://2130706433/page",
    "/to-private-name": "http://intranet-wiki.example/",
    "/to-ipv6-mapped": "http://[::ffff:10.0.0.1]/",
    "/to-public": "http://public-shop.example/item",
}


@pytest.fixture(scope="module")
def site() -> Iterator[TinySite]:
    with tiny_site(ROUTES, {"/big": b"x" * 5000}, b"<html>ivory for sale</html>") as s:
        yield s


@pytest.fixture(scope="module")
def server(site: TinySite) -> int:
    return site.port


def fake_resolver(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise FetchError(f"cannot resolve {host}", url=host)
        return table[host]
    return resolve


@pytest.mark.parametrize("host", [
    "127.0.0.1", "127.1", "2130706433", "0177.0.0.1", "0x7f.0.0.1", "0x7f000001", "0",
    "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1",
    "224.0.0.1", "240.0.0.1", "255.255.255.255", "198.18.0.1", "::1", "::", "fe80::1",
    "fd12:3456::1", "fc00::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254",
    "64:ff9b::7f00:1", "2002:7f00:1::1", "ff02::1", "[::1]",
])
def test_non_public_addresses_are_refused(host: str) -> None:
    ip = parse_ip(host)
    assert ip is not None, host
    assert not is_public(ip)
    netloc = f"[{host}]" if ":" in host and not host.startswith("[") else host
    with pytest.raises(FetchError, match="not a public internet address"):
        SafeFetcher(resolver=fake_resolver({})).check(f"http://{netloc}/x")


@pytest.mark.parametrize("host", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111",
                                  "1.1.1.1"])
def test_public_addresses_pass(host: str) -> None:
    ip = parse_ip(host)
    assert ip is not None and is_public(ip)


def test_inet_aton_forms_decode_like_c() -> None:
    assert str(parse_ip("127.1")) == "127.0.0.1"
    assert str(parse_ip("10.1.2")) == "10.1.0.2"
    assert str(parse_ip("0x7f.0x0.0.01")) == "127.0.0.1"
    assert str(parse_ip("3232235777")) == "192.168.1.1"
    assert parse_ip("example.com") is None and parse_ip("256.1.1.1") is None
    assert parse_ip("deadbeef.cafe") is None


def test_dns_answer_with_a_private_address_is_refused() -> None:
    guard = SafeFetcher(resolver=fake_resolver({
        "evil.example": ["10.0.0.7"],
        "rebind.example": ["93.184.216.34", "127.0.0.1"],
        "meta.example": ["169.254.169.254"],
        "good.example": ["93.184.216.34"],
    }))
    for host in ("evil.example", "rebind.example", "meta.example"):
        with pytest.raises(FetchError, match="not a public internet address"):
            guard.check(f"https://{host}/listing")
    assert guard.check("https://good.example/x") == ("93.184.216.34", "good.example", 443)


@pytest.mark.parametrize("url", ["http://localhost/", "http://foo.localhost/",
                                 "http://printer.local/", "http://db.internal/",
                                 "http://intranet/", "file:///etc/passwd",
                                 "gopher://example.com/", "http://user:pw@example.com/",
                                 "ftp://example.com/x"])
def test_internal_names_and_other_schemes_are_refused(url: str) -> None:
    with pytest.raises(FetchError):
        SafeFetcher(resolver=fake_resolver({})).check(url)


def test_loopback_server_is_refused_without_the_test_override(server: int) -> None:
    with pytest.raises(FetchError, match="not a public internet address"):
        SafeFetcher().fetch(f"http://127.0.0.1:{server}/page")


def test_first_hop_override_connects_to_the_pinned_address(site: TinySite,
                                                           server: int) -> None:
    guard = SafeFetcher(resolver=fake_resolver({"tips.example": ["127.0.0.1"]}),
                        first_hop_exempt=frozenset({"127.0.0.1"}))
    site.hosts.clear()
    got = guard.fetch(f"http://tips.example:{server}/page")
    assert got.status == 200 and got.body == b"<html>ivory for sale</html>"
    assert got.address == "127.0.0.1" and got.media_type == "text/html"
    assert site.hosts == [f"tips.example:{server}"]  # name in Host, IP connected


@pytest.mark.parametrize("path", ["/to-loopback", "/to-metadata", "/to-decimal",
                                  "/to-private-name", "/to-ipv6-mapped"])
def test_redirect_to_an_internal_address_is_refused(site: TinySite, server: int,
                                                    path: str) -> None:
    guard = SafeFetcher(resolver=fake_resolver({"intranet-wiki.example": ["10.1.2.3"]}),
                        first_hop_exempt=frozenset({"127.0.0.1"}))
    site.hosts.clear()
    with pytest.raises(FetchError, match="not a public internet address"):
        guard.fetch(f"http://127.0.0.1:{server}{path}")
    assert len(site.hosts) == 1  # the internal target was never contacted


def test_redirect_is_resolved_again(server: int) -> None:
    calls: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        return ["192.168.0.10"]

    guard = SafeFetcher(resolver=resolve, first_hop_exempt=frozenset({"127.0.0.1"}))
    with pytest.raises(FetchError):
        guard.fetch(f"http://127.0.0.1:{server}/to-public")
    assert calls == ["public-shop.example"]


def test_size_limit(server: int) -> None:
    guard = SafeFetcher(max_bytes=1000, first_hop_exempt=frozenset({"127.0.0.1"}))
    with pytest.raises(FetchError, match="larger than 1000 bytes"):
        guard.fetch(f"http://127.0.0.1:{server}/big")
