"""One polite crawl of the whole local test marketplace, misbehaving pages included,
then checks of what it did: politeness, limits, reasons, evidence, listings, venues."""

from __future__ import annotations

import csv
import gzip
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent / "sites"))
from harness import new_workspace, wildtrace, wildtrace_json  # noqa: E402
from marketplace import Marketplace, serve  # noqa: E402

from wildtrace.collect.frontier import Frontier  # noqa: E402
from wildtrace.store.tables.preserve import artefacts, captures  # noqa: E402
from wildtrace.workspace import open_workspace  # noqa: E402


@pytest.fixture(scope="module")
def market() -> Iterator[Marketplace]:
    m = serve()
    yield m
    m.close()


@pytest.fixture(scope="module")
def crawled(market: Marketplace, tmp_path_factory: pytest.TempPathFactory
            ) -> tuple[Path, dict[str, Any]]:
    ws = new_workspace(tmp_path_factory.mktemp("crawl") / "ws")
    seeds = [u + "/" for k, u in market.urls.items() if k != "gen"]
    summary = wildtrace_json(ws, "crawl", *seeds, "--delay", "0.05", timeout=180)
    return ws, summary


def _reasons(summary: dict[str, Any]) -> dict[str, str]:
    return {f["url"].split("/", 3)[3]: f["reason"] for f in summary["failures"]}


def test_crawl_finishes_and_captures_the_sites(crawled: tuple[Path, dict[str, Any]]) -> None:
    ws, summary = crawled
    assert summary["stopped"] == "finished"
    assert summary["queued"] == 0
    assert summary["pages"] >= 20
    assert summary["listings"] >= 12


def test_each_trap_gets_the_right_behaviour_and_a_reason(
        crawled: tuple[Path, dict[str, Any]], market: Marketplace) -> None:
    _, summary = crawled
    r = _reasons(summary)
    assert r["private/secret"] == "disallowed by robots.txt"
    assert market.log.count("classifieds", "/private/secret") == 0
    assert "timed out" in r["slow"] and "gave up after 2 attempts" in r["slow"]
    assert r["loop/a"] == "max redirections reached"
    assert "exceeds max_body_bytes" in r["big"]
    assert "compression bomb" in r["bomb"]
    assert r["error500"] == "HTTP 500; gave up after 2 attempts"
    assert market.log.count("classifieds", "/error500") == 2
    assert "HTTP 503 (Retry-After 1s)" in r["unavailable"]
    assert r["missing"] == "HTTP 404"
    # 429 with Retry-After: waited, then captured on the second try.
    assert "busy" not in r
    times = [t for s, p, t, _ in market.log.hits if p == "/busy"]
    assert len(times) == 2 and times[1] - times[0] >= 0.95


def test_robots_crawl_delay_is_applied(crawled: tuple[Path, dict[str, Any]],
                                       market: Marketplace) -> None:
    times = sorted(market.log.times("classifieds"))
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len(gaps) > 10
    # --delay 0.05, but robots.txt says Crawl-delay: 0.2.
    assert min(gaps) >= 0.19, min(gaps)
    other = sorted(market.log.times("shop"))
    assert all(b - a >= 0.049 for a, b in zip(other, other[1:], strict=False))


def test_user_agent_names_a_contact(crawled: tuple[Path, dict[str, Any]],
                                    market: Marketplace) -> None:
    agents = {a for _, _, _, a in market.log.hits}
    assert agents and all("tests@wildtrace.invalid" in a and a.startswith("wildtrace/")
                          for a in agents)


def test_urls_are_canonicalised_and_fetched_once(crawled: tuple[Path, dict[str, Any]],
                                                 market: Marketplace) -> None:
    # The index links /ad/1 and /ad/1?utm_source=x#top: one fetch.
    assert market.log.count("classifieds", "/ad/1") == 1
    assert market.log.count("classifieds", "/robots.txt") == 1


def test_sitemap_pages_are_found(crawled: tuple[Path, dict[str, Any]],
                                 market: Marketplace) -> None:
    # /about is linked from nowhere but the sitemap named in robots.txt.
    assert market.log.count("classifieds", "/sitemap.xml") == 1
    assert market.log.count("classifieds", "/about") == 1


def test_capture_records_and_duplicate_content(crawled: tuple[Path, dict[str, Any]]) -> None:
    ws_dir, _ = crawled
    ws = open_workspace(ws_dir)
    try:
        with ws.store.engine.connect() as conn:
            rows = {r.requested_url.split("/", 3)[3]: r for r in conn.execute(
                sa.select(captures))}
            kinds = {r.kind for r in conn.execute(sa.select(artefacts))}
        moved = rows["old-ad"]
        assert moved.final_url.endswith("/ad/2")
        assert json.loads(moved.redirects)[0].endswith("/old-ad")
        assert moved.status == 200 and moved.server_ip.startswith("127.0.0.")
        assert moved.started_at <= moved.ended_at and moved.ended_at.endswith("Z")
        assert moved.operator == "test-operator" and "tests@wildtrace.invalid" in \
            moved.user_agent
        tools = json.loads(moved.tools)
        assert {"wildtrace", "scrapy", "warcio"} <= set(tools)
        assert len(json.loads(moved.warc_record_ids)) == 2  # the 301 and the 200
        assert moved.robots_url.endswith("/robots.txt") and moved.robots_sha256
        assert b"Crawl-delay" in ws.blobs.get(moved.robots_sha256)
        assert rows["ad/2"].body_sha256 == moved.body_sha256
        assert kinds == {"body", "robots"}
        state = Frontier(ws.store.frontier).state_of(moved.requested_url)
        assert state is not None and "same content as" in state[1]
    finally:
        ws.close()


def test_bad_charsets_and_malformed_pages_become_listings(
        crawled: tuple[Path, dict[str, Any]]) -> None:
    ws_dir, _ = crawled
    ws = open_workspace(ws_dir)
    try:
        titles = {item.title: item for item in ws.store.iter_listings()}
    finally:
        ws.close()
    assert "Cao hổ cốt nguyên chất" in titles  # UTF-8 served as ISO-8859-1
    assert "犀牛角杯 收藏级" in titles  # GB18030 with no charset at all
    assert "穿山甲鳞片 批发" in titles  # GBK declared in the header
    assert "Rhino horn beads wholesale" in titles  # malformed HTML
    ivory = titles["Carved ivory bangle, old stock"]
    assert ivory.price == 1250 and ivory.currency == "USD"
    assert ivory.extra["provenance"]["title"]["rule"] == "profile:testclassifieds/title"
    assert ivory.extra["provenance"]["title"]["capture"] == ivory.capture_sha256
    assert "Two wooden garden chairs" in titles


def test_evidence_verifies_and_warcs_pass_warcio_check(
        crawled: tuple[Path, dict[str, Any]]) -> None:
    ws, _ = crawled
    report = wildtrace_json(ws, "evidence", "verify")
    assert report["ok"], report["problems"]
    assert report["checked"]["captures"] >= 20
    warcs = sorted((ws / "evidence" / "warc").glob("*.warc.gz"))
    assert warcs
    for path in warcs:
        check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(path)],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        text = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
        assert "WARC/1.1" in text and "WARC-Type: warcinfo" in text
        assert "operator: test-operator" in text and "robots: obey" in text
        assert "WARC-Block-Digest: sha256:" in text and "WARC-Payload-Digest: sha256:" in text
        assert "sha1:" not in text
        assert "WARC-Type: request" in text and "WARC-Type: response" in text


def test_venues_export(crawled: tuple[Path, dict[str, Any]]) -> None:
    ws, _ = crawled
    out = ws / "venues.csv"
    wildtrace(ws, "export", "venues", "--format", "csv", "-o", str(out))
    with out.open(encoding="utf-8") as fh:
        rows = {r["domain"]: r for r in csv.DictReader(fh)}
    assert rows["127.0.0.2"]["kind"] == "shop"
    assert rows["127.0.0.3"]["kind"] == "forum"
    assert rows["127.0.0.4"]["kind"] == "social"
    assert rows["127.0.0.1"]["kind"] == "classifieds"
    assert rows["127.0.0.5"]["language"] == "zh" and rows["127.0.0.5"]["country"] == "CN"
    assert rows["127.0.0.6"]["language"] == "vi" and rows["127.0.0.6"]["country"] == "VN"
    assert int(rows["127.0.0.1"]["listings"]) >= 4
    jl = ws / "venues.jsonl"
    wildtrace(ws, "export", "venues", "--format", "jsonl", "-o", str(jl))
    assert len(jl.read_text(encoding="utf-8").splitlines()) == len(rows)


def test_rerun_fetches_nothing_already_captured(crawled: tuple[Path, dict[str, Any]],
                                                market: Marketplace) -> None:
    ws, _ = crawled
    before = len(market.log.hits)
    seeds = [u + "/" for k, u in market.urls.items() if k != "gen"]
    again = wildtrace(ws, "crawl", *seeds)
    assert "nothing to crawl" in again.stdout
    assert len(market.log.hits) == before


def test_wacz_export(crawled: tuple[Path, dict[str, Any]]) -> None:
    import hashlib
    import zipfile

    ws, _ = crawled
    out = ws / "evidence.wacz"
    wildtrace(ws, "export", "evidence", "--format", "wacz", "-o", str(out))
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        assert {"datapackage.json", "datapackage-digest.json", "indexes/index.cdxj",
                "pages/pages.jsonl"} <= names
        assert any(n.startswith("archive/") and n.endswith(".warc.gz") for n in names)
        package = json.loads(zf.read("datapackage.json"))
        assert package["wacz_version"].startswith("1.1")
        for res in package["resources"]:
            data = zf.read(res["path"])
            assert res["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
            assert res["bytes"] == len(data)
        digest = json.loads(zf.read("datapackage-digest.json"))
        assert digest["hash"] == "sha256:" + hashlib.sha256(
            zf.read("datapackage.json")).hexdigest()
        cdx = zf.read("indexes/index.cdxj").decode().splitlines()
        assert cdx == sorted(cdx) and any("/ad/1" in line for line in cdx)
        first = json.loads(cdx[0].split(" ", 2)[2])
        arch = zf.read("archive/" + first["filename"])
        member = arch[int(first["offset"]):int(first["offset"]) + int(first["length"])]
        assert gzip.decompress(member).startswith(b"WARC/1.1")
        pages = zf.read("pages/pages.jsonl").decode().splitlines()
        assert json.loads(pages[0])["format"] == "json-pages-1.0" and len(pages) > 20
