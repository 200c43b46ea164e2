"""``wildtrace capture`` in Chromium against a hostile page: sandboxed, and nothing the
page asks for (image, stylesheet, iframe on [::1], script fetch(), WebSocket,
preconnect, a redirecting image) reaches a local service nobody named; each refusal is
recorded. Skipped where chromium or Playwright is missing."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent / "sites"))
from harness import new_workspace, wildtrace_json  # noqa: E402
from hostile import Hostile, hostile_site  # noqa: E402

from wildtrace.collect.netguard import NetPolicy  # noqa: E402
from wildtrace.preserve.browser import Chromium, browser_unavailable  # noqa: E402
from wildtrace.store.tables.preserve import artefacts  # noqa: E402
from wildtrace.workspace import open_workspace  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.browser


@pytest.fixture
def hostile() -> Iterator[Hostile]:
    why = browser_unavailable(CHROMIUM)
    if why:
        pytest.skip(f"browser capture not testable here: {why}")
    with hostile_site() as h:
        yield h


def test_capture_renders_the_page_and_reaches_nothing_internal(tmp_path: Path,
                                                               hostile: Hostile) -> None:
    ws = new_workspace(tmp_path / "ws")
    url = hostile.seed + "/"
    result = wildtrace_json(ws, "capture", url, timeout=180)
    shot = result["browser"][0]
    assert "error" not in shot, shot
    assert hostile.reached() == 0, (hostile.hits, hostile.hits6)
    refused = {r["url"]: r["reason"] for r in shot["refused"]}
    internal = hostile.internal
    for path in ("/style.css", "/tracker.png", "/probe", "/pixel.png"):
        assert "not a public internet address" in refused[internal + path], path
    assert "WebSockets are not opened" in refused[internal.replace("http", "ws") + "/socket"]
    frame = (hostile.internal6 or internal) + "/frame"
    assert "not an origin you named" in refused[frame]
    # The seed's own page was fetched (by the crawler, then for the browser).
    assert hostile.seed_hits.paths.count("/") == 2
    w = open_workspace(ws)
    try:
        with w.store.engine.connect() as conn:
            rows = {r.kind: r for r in conn.execute(sa.select(artefacts))}
        detail = json.loads(rows["screenshot"].detail)
        assert detail["sandbox"] is True and len(detail["refused"]) == len(refused)
        assert "Ivory bangles for sale" in w.blobs.get(shot["dom_sha256"]).decode()
    finally:
        w.close()
    errors = wildtrace_json(ws, "errors")
    assert any(e["file"] == internal + "/probe" and f"asked for by {url}" in e["reason"]
               for e in errors)


def test_page_redirects_are_followed_only_where_the_guard_allows(hostile: Hostile) -> None:
    policy = NetPolicy([hostile.seed])
    with Chromium(CHROMIUM, user_agent="wildtrace-test", timeout=20,
                  policy=policy) as chromium:
        shown = chromium.render(hostile.seed + "/to-page")
        assert not isinstance(shown, str), shown
        assert shown.detail["final_url"] == hostile.seed + "/page"
        assert shown.detail["redirects"] == [hostile.seed + "/page"]
        refused = chromium.render(hostile.seed + "/to-internal")
        assert isinstance(refused, str)
        assert refused.startswith(f"refused {hostile.internal}/admin")
    assert hostile.reached() == 0


def test_an_internal_page_the_user_names_is_rendered(hostile: Hostile) -> None:
    with Chromium(CHROMIUM, user_agent="wildtrace-test", timeout=20,
                  policy=NetPolicy([hostile.internal])) as chromium:
        shown = chromium.render(hostile.internal + "/named")
    assert not isinstance(shown, str), shown
    assert hostile.hits.paths == ["/named"]
