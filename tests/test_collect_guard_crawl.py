"""One network guard for every fetch of the crawler: a page the user named cannot send
``wildtrace crawl`` or ``capture`` to a local service nobody named, by a redirect, a
link or a sitemap; refusals are recorded with their reasons; what the user names
explicitly is fetched."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent / "sites"))
from harness import new_workspace, wildtrace, wildtrace_json  # noqa: E402
from hostile import Hostile, hostile_site  # noqa: E402

from wildtrace.collect.netguard import NetPolicy  # noqa: E402
from wildtrace.errors import FetchError  # noqa: E402
from wildtrace.store.tables.preserve import captures  # noqa: E402
from wildtrace.workspace import open_workspace  # noqa: E402


@pytest.fixture
def hostile() -> Iterator[Hostile]:
    with hostile_site() as h:
        yield h


def _captured_urls(ws: Path) -> list[str]:
    w = open_workspace(ws)
    try:
        with w.store.engine.connect() as conn:
            return list(conn.execute(sa.select(captures.c.final_url)).scalars())
    finally:
        w.close()


def _failures(summary: dict[str, Any]) -> dict[str, str]:
    return {f["url"]: f["reason"] for f in summary["failures"]}


def test_crawl_never_reaches_an_internal_service_it_was_not_given(
        tmp_path: Path, hostile: Hostile) -> None:
    ws = new_workspace(tmp_path / "ws")
    summary = wildtrace_json(ws, "crawl", hostile.seed + "/", "--delay", "0", timeout=120)
    assert hostile.reached() == 0, (hostile.hits, hostile.hits6)
    failed = _failures(summary)
    internal = hostile.internal.split("//")[1]
    # The redirect hop, the link and the sitemap: each refused, with URL, address, why.
    why = failed[hostile.seed + "/to-internal"]
    assert why.startswith(f"redirect from {hostile.seed}/to-internal refused "
                          f"{hostile.internal}/admin")
    assert "127.0.0.1, which is not a public internet address" in why
    assert f"http://{internal} is not an origin you named" in why
    assert "not a public internet address" in failed[hostile.internal + "/secret"]
    assert "not a public internet address" in failed[hostile.internal + "/sitemap.xml"]
    if hostile.internal6:
        assert "::1, which is not a public" in failed[hostile.seed + "/to-internal6"]
    # The seed's own pages were crawled; nothing from the internal service is evidence.
    assert {hostile.seed + "/", hostile.seed + "/page"} <= set(_captured_urls(ws))
    assert not [u for u in _captured_urls(ws) if u.startswith(hostile.internal)]
    # And the refusals are kept like any failed page.
    errors = wildtrace_json(ws, "errors")
    assert any(e["file"] == hostile.internal + "/secret" and "refused" in e["reason"]
               for e in errors)


def test_capture_refuses_a_redirect_to_an_internal_service(tmp_path: Path,
                                                           hostile: Hostile) -> None:
    ws = new_workspace(tmp_path / "ws")
    proc = wildtrace(ws, "capture", "--no-browser", hostile.seed + "/to-internal",
                     hostile.seed + "/to-page", check=False)
    assert proc.returncode == 1
    assert "which is not a public internet address" in proc.stderr
    assert hostile.reached() == 0
    assert _captured_urls(ws) == [hostile.seed + "/page"]  # a same-site redirect is fine


def test_an_internal_service_the_user_names_is_fetched(tmp_path: Path,
                                                       hostile: Hostile) -> None:
    ws = new_workspace(tmp_path / "ws")
    summary = wildtrace_json(ws, "crawl", hostile.internal + "/secret", "--delay", "0",
                             "--max-pages", "1")
    assert summary["pages"] == 1 and "/secret" in hostile.hits.paths
    # Named with --allow-domain, the seed's redirect into it is followed too.
    ws2 = new_workspace(tmp_path / "ws2")
    internal = hostile.internal.split("//")[1]
    summary = wildtrace_json(ws2, "crawl", hostile.seed + "/to-internal", "--allow-domain",
                             internal, "--delay", "0", "--max-pages", "1")
    assert summary["pages"] == 1 and "/admin" in hostile.hits.paths


# -- the policy itself --------------------------------------------------------------


def _resolver(table: dict[str, list[str]], calls: list[str]):  # type: ignore[no-untyped-def]
    def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        if host not in table:
            raise FetchError("cannot resolve", url=host)
        return table[host]
    return resolve


def test_policy_allows_exactly_the_named_origins() -> None:
    policy = NetPolicy(["http://127.0.0.1:8000/start", "intranet.example:9000"],
                       resolver=_resolver({"intranet.example": ["10.1.1.1"]}, []))
    assert policy.refusal("http://127.0.0.1:8000/other") == ""
    # The same address spelt short or in decimal is the same origin, as to a socket.
    assert policy.refusal("http://127.1:8000/x") == policy.refusal("http://2130706433:8000/") == ""
    for url in ("http://127.0.0.1:8001/", "https://127.0.0.1:8000/", "http://[::1]:8000/",
                "http://localhost:8000/", "http://169.254.169.254/latest/",
                "http://intranet.example/", "http://2130706433:8001/"):
        assert "not an origin you named" in policy.refusal(url), url
    assert policy.refusal("http://intranet.example:9000/") == ""
    assert policy.refusal("https://intranet.example:9000/") == ""
    assert "only http(s)" in policy.refusal("file:///etc/passwd")


def test_policy_resolves_once_per_host_and_checks_every_address() -> None:
    calls: list[str] = []
    clock = [0.0]
    policy = NetPolicy([], resolver=_resolver({
        "shop.example": ["93.184.216.34"], "rebind.example": ["93.184.216.34", "10.0.0.1"],
    }, calls), ttl=30, clock=lambda: clock[0])
    for _ in range(50):
        assert policy.refusal("https://shop.example/item") == ""
    assert calls == ["shop.example"]  # one lookup for 50 requests
    assert not policy.needs_lookup("https://shop.example/other")
    clock[0] = 31.0
    assert policy.needs_lookup("https://shop.example/other")  # the answer expired
    assert "resolves to 10.0.0.1" in policy.refusal("http://rebind.example/")
    assert policy.refusal("http://gone.example/") == ""  # unresolvable: fails on its own
    # At connection time only the address the connection will use counts.
    assert "DNS rebinding" in policy.connect_refusal("shop.example", "127.0.0.1")
    assert policy.connect_refusal("shop.example", "93.184.216.34") == ""
    assert NetPolicy(["http://127.0.0.1:81/"]).connect_refusal("127.0.0.1", "127.0.0.1") == ""


def test_connection_time_check_refuses_a_rebound_answer() -> None:
    from twisted.internet.error import DNSLookupError

    from wildtrace.collect.fetchguard import GuardedResolver

    resolver = GuardedResolver(None, 0, 1.0, NetPolicy(["http://127.0.0.1:81/"]))  # type: ignore[arg-type]
    assert resolver._check("93.184.216.34", "shop.example") == "93.184.216.34"
    with pytest.raises(DNSLookupError, match="now resolves to 10.0.0.5"):
        resolver._check("10.0.0.5", "shop.example")
    assert "DNS rebinding" in GuardedResolver.refused["shop.example"]
