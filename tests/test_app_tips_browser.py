"""A tip's page is captured like any other capture, screenshot included: after the
guarded fetch, headless Chromium renders the page and its screenshot and DOM are stored
as artefacts of the tip's capture, with custody. The browser's policy allows public
addresses only (a tip never names an origin); the test names its local origin itself,
as it exempts 127.0.0.1 for the fetcher. Without a browser the tip says why."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tiny_site import TinySite, tiny_site

from wildtrace.app.tips import TipDesk
from wildtrace.collect.netguard import NetPolicy, SafeFetcher
from wildtrace.preserve.browser import browser_unavailable
from wildtrace.preserve.verify import verify
from wildtrace.workspace import Workspace, open_workspace

CHROMIUM = "/usr/bin/chromium"
PAGE = b"<html><head><title>tip</title></head><body><h1>Pangolin scales, 2 kg</h1></body></html>"


@pytest.fixture
def site() -> Iterator[TinySite]:
    with tiny_site({}, {"/p": PAGE}, b"<html>nothing here</html>") as running:
        yield running


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    workspace = open_workspace(tmp_path / "ws")
    workspace.settings = workspace.settings.replace(timeout=20.0)
    yield workspace
    workspace.close()


def _fetcher() -> SafeFetcher:
    return SafeFetcher(first_hop_exempt=frozenset({"127.0.0.1"}), timeout=5)


def _needs_chromium() -> None:
    why = browser_unavailable(CHROMIUM)
    if why:
        pytest.skip(f"browser capture not testable here: {why}")


@pytest.mark.browser
def test_tip_page_is_rendered_and_kept_with_custody(ws: Workspace, site: TinySite) -> None:
    _needs_chromium()
    origin = f"http://127.0.0.1:{site.port}"
    desk = TipDesk(ws, _fetcher(), browser_policy=NetPolicy([origin]))
    tip_id = desk.submit(origin + "/p", "pangolin scales", "en")
    desk.capture(tip_id)
    tip = ws.store.tips.get(tip_id)
    assert tip is not None and tip["capture_status"] == "captured", tip
    assert tip["capture_sha256"] and "screenshot " in tip["capture_detail"], tip
    arts = {a.kind: a for a in ws.store.evidence.iter_artefacts()}
    assert set(arts) == {"body", "screenshot", "dom"}
    capture_id = arts["screenshot"].capture_id
    assert arts["dom"].capture_id == capture_id
    assert ws.blobs.get(arts["screenshot"].sha256).startswith(b"\x89PNG")
    assert b"Pangolin scales, 2 kg" in ws.blobs.get(arts["dom"].sha256)
    entries = ws.store.evidence.custody_entries()
    logged = {(e.action, e.subject, e.sha256) for e in entries}
    assert ("stored_screenshot", f"capture/{capture_id}", arts["screenshot"].sha256) in logged
    assert ("stored_dom", f"capture/{capture_id}", arts["dom"].sha256) in logged
    captured = [e for e in entries if e.action == "captured"]
    assert captured[0].detail["tip_id"] == tip_id
    report = verify(ws)
    assert report["problems"] == [], report["problems"]
    assert site.paths.count("/p") == 2  # the guarded fetch, then the browser


@pytest.mark.browser
def test_the_browser_takes_no_tip_at_its_word(ws: Workspace, site: TinySite) -> None:
    """By default the browser's policy names nothing: the tip's own (local) address is
    refused, the page fetched for the capture stays evidence, and the tip says why."""
    _needs_chromium()
    desk = TipDesk(ws, _fetcher())
    tip_id = desk.submit(f"http://127.0.0.1:{site.port}/p", "pangolin scales", "en")
    desk.capture(tip_id)
    tip = ws.store.tips.get(tip_id)
    assert tip is not None and tip["capture_status"] == "captured", tip
    assert "no screenshot: refused" in tip["capture_detail"], tip
    assert "not a public internet address" in tip["capture_detail"]
    assert [a.kind for a in ws.store.evidence.iter_artefacts()] == ["body"]
    assert site.paths.count("/p") == 1


def test_without_a_browser_the_tip_says_why(ws: Workspace, site: TinySite,
                                            tmp_path: Path) -> None:
    ws.settings = ws.settings.replace(chromium_path=str(tmp_path / "no-chromium"))
    origin = f"http://127.0.0.1:{site.port}"
    desk = TipDesk(ws, _fetcher(), browser_policy=NetPolicy([origin]))
    tip_id = desk.submit(origin + "/p", "pangolin scales", "en")
    desk.capture(tip_id)
    tip = ws.store.tips.get(tip_id)
    assert tip is not None and tip["capture_status"] == "captured", tip
    assert tip["capture_sha256"], tip  # the page itself is still kept
    assert "no screenshot: chromium not found at" in tip["capture_detail"], tip
