"""``wildtrace crawl`` in browser mode against a local shop that draws its listings with
JavaScript (tests/sites/jsshop.py): "load more" pressed as the site profile says, every
response the page loaded (pictures included) in the WARC with the screenshot, nothing
internal reached; and logged-in collection with a session the site logs out after three
pages: the site is paused, no login page is archived, and renewing the session resumes
the crawl. Skipped where chromium or Playwright is missing."""

from __future__ import annotations

import json
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

sys.path.insert(0, str(Path(__file__).parent / "sites"))
from harness import new_workspace, wildtrace, wildtrace_json  # noqa: E402
from jsshop import Shop, js_shop  # noqa: E402

from wildtrace.preserve.browser import browser_unavailable  # noqa: E402
from wildtrace.workspace import open_workspace  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
pytestmark = [pytest.mark.browser, pytest.mark.slow]  # ~40 s each: Chromium per crawl
FAST = {"WILDTRACE_DELAY": "0", "WILDTRACE_IMAGES": "false"}
PROFILE = """name = "jsshop"
domains = ["127.0.0.1"]
render = "browser"
load_more = "button.more"
listing_url = "/item/\\\\d+"
[fields]
title = "css:h1.title::text"
price = "css:.price::text"
description = "css:p.desc"
"""


@pytest.fixture
def shop() -> Iterator[Shop]:
    why = browser_unavailable(CHROMIUM)
    if why:
        pytest.skip(f"browser crawl not testable here: {why}")
    with js_shop(pages_per_session=3, sessions=("good", "fresh")) as s:
        yield s


def _records(ws: Path) -> list[tuple[str, str, bytes]]:
    out = []
    for path in sorted((ws / "evidence" / "warc").glob("*.warc.gz")):
        with path.open("rb") as fh:
            for rec in ArchiveIterator(fh):
                out.append((rec.rec_type, rec.rec_headers.get_header("WARC-Target-URI") or "",
                            rec.content_stream().read()))
    return out


def test_js_shop_is_crawled_with_its_pictures(tmp_path: Path, shop: Shop) -> None:
    # The baseline: a plain crawl sees the empty shell, no advert and no link.
    plain = wildtrace_json(new_workspace(tmp_path / "plain"), "crawl", shop.base + "/",
                           timeout=300, **FAST)
    assert plain["pages"] == 1 and plain["listings_stored"] == 0 and "mode" not in plain
    ws = new_workspace(tmp_path / "ws")
    (ws / "profiles" / "jsshop.toml").write_text(PROFILE)
    result = wildtrace_json(ws, "crawl", shop.base + "/", timeout=300, **FAST)
    assert result["mode"] == "browser" and result["paused"] == []
    # "load more" pressed until gone: all seven adverts, only drawn by the script.
    assert result["pages"] == 8 and result["listings_stored"] == 7, result
    recs = _records(ws)
    responses = {u for kind, u, _ in recs if kind == "response"}
    base = shop.base
    for path in ("/robots.txt", "/", "/api/items?page=1", "/api/items?page=3",
                 "/img/thumb7.png", "/item/4", "/api/item/4", "/img/4.png"):
        assert base + path in responses, path
    assert base + "/img/big.png" not in responses  # over max_body_bytes
    shots = [b for kind, u, b in recs if kind == "resource" and u.startswith("urn:screenshot:")]
    assert len(shots) == 8 and all(b.startswith(b"\x89PNG") for b in shots)
    meta = [json.loads(b) for kind, _, b in recs if kind == "metadata"]
    assert len(meta) == 8 and meta[0]["logged-in"] is False
    assert any(m["actions"].get("clicks") == 2 for m in meta)
    # The guard: neither the unnamed local service nor the metadata address was reached.
    assert shop.internal_hits.paths == []
    refused = {r["url"] for m in meta for r in m["refused"]}
    assert shop.internal + "/secret.png" in refused
    assert "http://169.254.169.254/latest/meta-data/" in refused
    assert "http://10.0.0.1/router.png" in refused
    assert any("over max_body_bytes" in r["reason"] for m in meta for r in m["refused"])
    # The rendered adverts were extracted, and the evidence verifies.
    assert "evidence OK" in wildtrace(ws, "evidence", "verify").stdout
    wacz = tmp_path / "e.wacz"
    wildtrace(ws, "export", "evidence", "--format", "wacz", "-o", str(wacz))
    with zipfile.ZipFile(wacz) as z:
        index = z.read("indexes/index.cdxj").decode()
    assert "img/4.png" in index and "urn:screenshot:" in index


def _cookies(path: Path, sid: str) -> Path:
    path.write_text("# Netscape HTTP Cookie File\n"
                    f"127.0.0.1\tFALSE\t/\tFALSE\t0\tsid\t{sid}\n"
                    ".bank.example\tTRUE\t/\tTRUE\t0\tsession\tnot-for-us\n")
    return path


def test_logged_in_crawl_pauses_when_logged_out_and_resumes(tmp_path: Path,
                                                             shop: Shop) -> None:
    ws = new_workspace(tmp_path / "ws")
    (ws / "profiles" / "jsshop.toml").write_text(PROFILE)
    stored = wildtrace_json(ws, "session", "import", "127.0.0.1",
                            str(_cookies(tmp_path / "c1.txt", "good")),
                            "--account", "ana.traffic")
    assert stored["cookies"] == 1 and "left out" in stored["note"]
    seed = shop.base + "/members/"
    first = wildtrace_json(ws, "crawl", seed, timeout=300, **FAST)
    # Three member pages, then the site logged the session out (redirect to /login).
    assert first["pages"] == 3, first
    assert [p["site"] for p in first["paused"]] == ["127.0.0.1"]
    assert "sent to a login page" in first["paused"][0]["reason"]
    listed = wildtrace_json(ws, "session", "list")
    assert listed[0]["state"] == "paused" and listed[0]["pages"] == 3
    # Paused: a crawl now fetches nothing of the site, and says why.
    hits = len(shop.hits.paths)
    again = wildtrace_json(ws, "crawl", seed, "--recrawl", timeout=300, **FAST)
    assert again["pages"] == 0 and again["paused"] and len(shop.hits.paths) == hits
    renewed = wildtrace_json(ws, "session", "renew", "127.0.0.1",
                             str(_cookies(tmp_path / "c2.txt", "fresh")))
    assert renewed["state"] == "active" and renewed["account"] == "ana.traffic"
    second = wildtrace_json(ws, "crawl", seed, timeout=300, **FAST)
    # Resumed where it stopped: three more pages, until this session expires too.
    assert second["pages"] == 3 and second["queued"] >= 1, second
    assert len(second["paused"]) == 1
    assert wildtrace_json(ws, "session", "list")[0]["pages"] == 6
    recs = _records(ws)
    urls = [u for kind, u, _ in recs if kind == "response"]
    # No login page archived; the cookies never reach the WARC.
    assert not any("/login" in u for u in urls)
    blob = b"".join(b for _, _, b in recs)
    assert b"good" not in blob and b"fresh" not in blob
    meta = [json.loads(b) for kind, _, b in recs if kind == "metadata"]
    assert meta and all(m["logged-in-as"] == "ana.traffic" for m in meta)
    custody = [json.loads(line) for line in
               (ws / "evidence" / "custody.jsonl").read_text().splitlines()]
    captured = [e for e in custody if e.get("action") == "captured"]
    assert captured and all(e["detail"].get("logged_in_as") == "ana.traffic"
                            for e in captured)
    # Sealed at rest: neither the database nor anything else in the workspace but the
    # key file holds the cookie value in clear.
    assert b"fresh" not in (ws / "wildtrace.db").read_bytes()
    w = open_workspace(ws)
    try:
        uses = [e for e in w.store.audit.entries() if e.action == "session_use"]
    finally:
        w.close()
    assert [u.detail["pages"] for u in uses] == [3, 3], uses
    assert oct((ws / "secrets" / "session.key").stat().st_mode & 0o777) == "0o600"


def test_capture_keeps_what_the_browser_loaded(tmp_path: Path, shop: Shop) -> None:
    ws = new_workspace(tmp_path / "ws")
    result = wildtrace_json(ws, "capture", shop.base + "/item/5", timeout=300, **FAST)
    assert "error" not in result["browser"][0], result
    recs = _records(ws)
    responses = [u for kind, u, _ in recs if kind == "response"]
    # The page's script drew the photo; the browser's fetch of it is in the WARC.
    assert shop.base + "/api/item/5" in responses and shop.base + "/img/5.png" in responses
    assert any(kind == "resource" and u == f"urn:screenshot:{shop.base}/item/5"
               for kind, u, _ in recs)
    assert shop.internal_hits.paths == []
    assert "evidence OK" in wildtrace(ws, "evidence", "verify").stdout
