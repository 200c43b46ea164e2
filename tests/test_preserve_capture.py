"""``wildtrace capture``: evidence of chosen pages, with a headless-Chromium screenshot
and rendered DOM when Debian's chromium is there; and WARC/HTML import."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent / "sites"))
from harness import new_workspace, wildtrace, wildtrace_json  # noqa: E402
from marketplace import Marketplace, serve  # noqa: E402

from wildtrace.preserve.browser import browser_unavailable  # noqa: E402
from wildtrace.store.tables.preserve import artefacts, captures  # noqa: E402
from wildtrace.workspace import open_workspace  # noqa: E402

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def market() -> Iterator[Marketplace]:
    m = serve()
    yield m
    m.close()


@pytest.mark.browser
def test_capture_with_screenshot_and_dom(tmp_path: Path, market: Marketplace) -> None:
    why = browser_unavailable(CHROMIUM)
    if why:
        pytest.skip(f"browser capture not testable here: {why}")
    ws = new_workspace(tmp_path / "ws")
    url = market.urls["shop"] + "/turtle-shell-bracelet"
    result = wildtrace_json(ws, "capture", url, timeout=180)
    assert [c["url"] for c in result["captured"]] == [url]
    shot = result["browser"][0]
    assert "error" not in shot, shot
    w = open_workspace(ws)
    try:
        png = w.blobs.get(shot["screenshot_sha256"])
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        dom = w.blobs.get(shot["dom_sha256"]).decode()
        assert "Hawksbill tortoiseshell bracelet" in dom
        with w.store.engine.connect() as conn:
            rows = {r.kind: r for r in conn.execute(sa.select(artefacts))}
        assert set(rows) == {"body", "robots", "screenshot", "dom"}
        assert rows["screenshot"].evidentiary and rows["dom"].evidentiary
        detail = json.loads(rows["screenshot"].detail)
        assert detail["url"] == url and detail["chromium"] and detail["status"] == 200
    finally:
        w.close()
    assert wildtrace_json(ws, "evidence", "verify")["ok"]
    # The browser fetched with our User-Agent too.
    assert sum(1 for _, p, _, a in market.log.hits
               if p == "/turtle-shell-bracelet" and "tests@wildtrace.invalid" in a) == 2


def test_capture_without_browser_and_a_failure(tmp_path: Path, market: Marketplace) -> None:
    ws = new_workspace(tmp_path / "ws")
    good = market.urls["vi"] + "/vay-te-te"
    bad = market.urls["classifieds"] + "/error500"
    proc = wildtrace(ws, "capture", "--no-browser", good, bad, check=False)
    assert proc.returncode == 1
    assert f"captured {good}" in proc.stdout
    assert "HTTP 500; gave up after 2 attempts" in proc.stderr
    w = open_workspace(ws)
    try:
        with w.store.engine.connect() as conn:
            caps = list(conn.execute(sa.select(captures)))
        assert [c.final_url for c in caps] == [good] and caps[0].method == "crawl"
        listing = next(iter(w.store.iter_listings()))
        assert listing.title == "Bán vảy tê tê khô loại 1"
    finally:
        w.close()
    # Capturing again is an explicit act: it fetches again, and adds a second capture.
    again = wildtrace_json(ws, "capture", "--no-browser", good)
    assert len(again["captured"]) == 1


def _warc_of_pages(tmp_path: Path) -> Path:
    """A WARC of two golden pages, written the way a crawl writes one."""
    from wildtrace.preserve.custody import CustodyLog
    from wildtrace.preserve.warc import WarcRecorder, warcinfo
    from wildtrace.records import Exchange

    other = open_workspace(tmp_path / "other")
    rec = WarcRecorder(other.evidence_dir / "warc", other.store,
                       CustodyLog(other.store, other.evidence_dir / "c.jsonl", "x"),
                       warcinfo("someone else's crawler", "x", "obey", "ua"))
    pages = Path(__file__).parent / "pages"
    for name, url in (("zh/xiangya.html", "http://zh.test/xiangya"),
                      ("shop/turtle-shell-bracelet.html", "http://shop.test/bracelet")):
        rec.record(Exchange(url, "GET", (("Host", url.split("/")[2]),), 200, "OK",
                            "HTTP/1.1", (("Content-Type", "text/html; charset=utf-8"),),
                            (pages / name).read_bytes(), "127.0.0.1",
                            "2026-11-01T10:00:00Z", "2026-11-01T10:00:01Z"))
    name = rec.seal()
    other.close()
    return other.evidence_dir / "warc" / name


def test_import_warc_and_html(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from wildtrace.cli import main

    warc = _warc_of_pages(tmp_path)
    html = Path(__file__).parent / "pages" / "vi" / "sung-te-giac.html"
    ws = tmp_path / "ws"
    runner = CliRunner()

    def run(*args: str) -> dict[str, object]:
        res = runner.invoke(main, ["--workspace", str(ws), *args, "--json"])
        assert res.exit_code == 0, res.output
        return json.loads(res.output.strip().splitlines()[-1])  # type: ignore[no-any-return]

    result = run("import", str(warc), str(html), "--source", "seized-drive")
    assert result["imported"] == 3 and result["errors"] == []
    w = open_workspace(ws)
    try:
        titles = {li.title: li for li in w.store.iter_listings()}
        assert set(titles) == {"出售老象牙手镯，包老保真", "Hawksbill tortoiseshell bracelet",
                               "Sừng tê giác Châu Phi nguyên chiếc"}
        assert all(li.source == "seized-drive" for li in titles.values())
        assert titles["Hawksbill tortoiseshell bracelet"].url == "http://shop.test/bracelet"
        with w.store.engine.connect() as conn:
            methods = set(conn.execute(sa.select(captures.c.method)).scalars())
        assert methods == {"import"}
    finally:
        w.close()
    assert run("evidence", "verify")["ok"]
    dup = run("import", str(warc), "--format", "warc")
    assert dup["imported"] == 0 and dup["duplicates"] == 2
    broken = tmp_path / "broken.warc.gz"
    broken.write_bytes(b"\x1f\x8b\x08\x00garbage" * 10)
    # unreadable: exit 1 with file:offset, and not kept as evidence (issue 14)
    bad = runner.invoke(main, ["--workspace", str(ws), "import", str(broken), "--json"])
    assert bad.exit_code == 1 and f"{broken}:0: unreadable WARC record" in bad.output
