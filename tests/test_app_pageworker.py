"""The crawl's page worker (:mod:`wildtrace.app.pageworker`) and the page processor it
runs (:mod:`wildtrace.app.pages`): the worker in its own process or in a thread storing
the same evidence, a worker that dies mid-crawl, Ctrl-C, re-crawls, batch scoring, and
pages that fail alone."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

sys.path.insert(0, str(Path(__file__).parent / "sites"))
from harness import new_workspace, spawn, wildtrace, wildtrace_json  # noqa: E402
from marketplace import serve  # noqa: E402
from tiny_site import tiny_site  # noqa: E402

from wildtrace.app.pageworker import store_group  # noqa: E402
from wildtrace.app.plan import BatchScore, CrawlPlan, crawl_processor  # noqa: E402
from wildtrace.collect.frontier import Frontier  # noqa: E402
from wildtrace.errors import PageWorkerLost, WildtraceError  # noqa: E402
from wildtrace.records import Page  # noqa: E402
from wildtrace.store import Store  # noqa: E402
from wildtrace.workspace import Workspace  # noqa: E402


def _page(url: str, depth: int = 0, media: str = "text/html") -> Page:
    return Page(requested_url=url, url=url, redirects=(), status=200, headers=(),
                body=b"", media_type=media, server_ip="", started="", ended="",
                user_agent="", depth=depth)


def _captures(ws: Path) -> list[tuple[str, str, str]]:
    con = sqlite3.connect(ws / "wildtrace.db")
    try:
        return sorted(con.execute("SELECT requested_url, body_sha256, warc_file FROM captures"))
    finally:
        con.close()


def test_process_and_thread_workers_store_the_same_crawl(tmp_path: Path) -> None:
    market = serve(n_generated=30)
    try:
        seed = market.urls["gen"] + "/"
        results = {}
        for mode in ("process", "thread"):
            ws = new_workspace(tmp_path / mode)
            proc = wildtrace(ws, "crawl", seed, "--delay", "0", "--json",
                             WILDTRACE_PAGE_WORKER=mode)
            assert proc.stderr == ""  # no warnings, no progress line in --json mode
            summary = json.loads(proc.stdout.strip().splitlines()[-1])
            assert summary["page_worker"] == mode
            assert summary["stopped"] == "finished" and summary["pages"] == 30
            caps = _captures(ws)
            warcs = {p.name for p in (ws / "evidence" / "warc").glob("*.warc.gz")}
            assert caps and all(w in warcs for _, _, w in caps)  # each names its file
            report = wildtrace_json(ws, "evidence", "verify")
            assert report["ok"], report["problems"]
            results[mode] = ({(u, b) for u, b, _ in caps}, summary["listings_stored"])
        assert results["process"] == results["thread"]
    finally:
        market.close()


def _count(ws: Path) -> int:
    """Captures so far, read-only (0 before the crawl has made its database)."""
    try:
        con = sqlite3.connect(f"file:{ws / 'wildtrace.db'}?mode=ro", uri=True, timeout=5)
        try:
            return int(con.execute("SELECT count(*) FROM captures").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_crawl_stops_when_its_worker_dies_and_resumes(tmp_path: Path) -> None:
    market = serve(n_generated=40)
    try:
        seed = market.urls["gen"] + "/"
        ws = new_workspace(tmp_path / "ws")
        proc = spawn(ws, "crawl", seed, "--delay", "0.05", "--json")
        deadline = time.monotonic() + 60
        workers: list[int] = []
        while time.monotonic() < deadline:
            assert proc.poll() is None, "the crawl ended before its worker could be killed"
            workers = _children(proc.pid)
            if workers and _count(ws) >= 5:
                break
            time.sleep(0.05)
        assert workers, "no page-worker process found"
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 1, err
        summary = json.loads(out.strip().splitlines()[-1])
        assert summary["stopped"].startswith("page worker stopped")
        assert summary["pages"] < 40

        again = wildtrace_json(ws, "crawl", seed, "--delay", "0.05")
        assert again["stopped"] == "finished"
        assert again["warc_recovered"], "the dead worker's WARC file was not sealed"
        urls = [u for u, _, _ in _captures(ws)]
        assert len(urls) == len(set(urls)) == 40
        report = wildtrace_json(ws, "evidence", "verify")
        assert report["ok"], report["problems"]
    finally:
        market.close()


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_worker_dies_with_a_killed_crawl(tmp_path: Path) -> None:
    market = serve(n_generated=40)
    try:
        ws = new_workspace(tmp_path / "ws")
        proc = spawn(ws, "crawl", market.urls["gen"] + "/", "--delay", "0.2",
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        workers: list[int] = []
        while not workers and time.monotonic() < deadline:
            workers = _children(proc.pid)
            time.sleep(0.05)
        assert workers
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(_alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_alive(p) for p in workers), "the page worker outlived the crawl"
        assert wildtrace(ws, "evidence", "verify", check=False).returncode in (0, 1)
    finally:
        market.close()


@pytest.mark.postgres
def test_crawl_into_a_postgres_workspace(tmp_path: Path, pg_url: str,
                                         pg_store: Store) -> None:
    # Team setup: the crawler and its page worker both write to one PostgreSQL database.
    market = serve(n_generated=30)
    try:
        ws = new_workspace(tmp_path / "ws")
        summary = wildtrace_json(ws, "crawl", market.urls["gen"] + "/", "--delay", "0",
                                 WILDTRACE_DATABASE_URL=pg_url)
        assert summary["page_worker"] == "process"
        assert summary["stopped"] == "finished" and summary["pages"] == 30
        with pg_store.engine.connect() as conn:
            n = conn.exec_driver_sql("SELECT count(DISTINCT requested_url) FROM captures"
                                     ).scalar()
            states = dict(conn.exec_driver_sql(
                "SELECT state, count(*) FROM frontier GROUP BY state").all())
        assert n == 30
        # Every page done; the site's missing /sitemap.xml is the one URL skipped.
        assert states == {"done": 30, "skipped": 1}, states
        report = wildtrace_json(ws, "evidence", "verify", WILDTRACE_DATABASE_URL=pg_url)
        assert report["ok"], report["problems"]
    finally:
        market.close()


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs process groups")
def test_ctrl_c_stops_the_crawl_cleanly(tmp_path: Path) -> None:
    # Ctrl-C goes to the whole process group: the crawl stops gracefully, its worker
    # seals the WARC file, and the next run has nothing to repair.
    market = serve(n_generated=40)
    try:
        seed = market.urls["gen"] + "/"
        ws = new_workspace(tmp_path / "ws")
        proc = spawn(ws, "crawl", seed, "--delay", "0.1", "--json", start_new_session=True)
        deadline = time.monotonic() + 60
        while _count(ws) < 5:
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.1)
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert "Traceback" not in err, err
        summary = json.loads(out.strip().splitlines()[-1])
        assert summary["stopped"] == "shutdown" and summary["pages"] < 40
        again = wildtrace_json(ws, "crawl", seed, "--delay", "0")
        assert again["warc_recovered"] == []
        assert again["stopped"] == "finished"
        assert len({u for u, _, _ in _captures(ws)}) == 40
        report = wildtrace_json(ws, "evidence", "verify")
        assert report["ok"], report["problems"]
    finally:
        market.close()


def test_a_group_is_scored_in_one_batch(ws: Workspace) -> None:
    processor, _ = crawl_processor(ws, CrawlPlan(domains=("shop.test",)))
    batches: list[list[str]] = []

    def many(texts: list[str]) -> list[float]:
        batches.append(list(texts))
        return [0.9 if "ivory" in t else 0.1 for t in texts]

    processor.score = BatchScore(many)
    pages = [Page(requested_url=f"http://shop.test/p/{i}", url=f"http://shop.test/p/{i}",
                  redirects=(), status=200, headers=(("Content-Type", "text/html"),),
                  body=(f"<h1>{'ivory' if i % 2 else 'teapot'} item {i}</h1>"
                        f"<p>price $ {i + 10}</p>").encode(),
                  media_type="text/html", server_ip="127.0.0.1", started="", ended="",
                  user_agent="t") for i in range(6)]
    outcomes = processor.many(pages)
    processor.session.close()
    assert len(batches) == 1 and len(batches[0]) == 6
    assert [o.score for o in outcomes] == [0.1, 0.9] * 3
    assert [o.relevant for o in outcomes] == [False, True] * 3


def _shop_index(items: list[int]) -> bytes:
    links = "".join(f"<li><a href='/item/{i}'>carved ivory bangle {i}</a></li>"
                    for i in items)
    return (f"<html><body><h1>Antiques shop</h1><ul>{links}</ul>"
            "<a href='/cat/bone'>bone carvings</a></body></html>").encode()


def _shop_item(i: int) -> bytes:
    return (f"<html><body><h1>Carved ivory bangle no. {i}</h1><p>Old carved bangle, "
            f"price US$ {100 + i}. Ships from Hanoi.</p></body></html>").encode()


def test_recrawl_fetches_index_pages_again_and_finds_new_adverts(tmp_path: Path) -> None:
    # A scheduled monitoring run: the home and category pages (no listing) are fetched
    # again and lead to the new advert; adverts captured last time are not refetched.
    pages = {"/robots.txt": b"User-agent: *\nAllow: /\n", "/": _shop_index([1, 2]),
             "/cat/bone": _shop_index([3]), **{f"/item/{i}": _shop_item(i) for i in (1, 2, 3)}}
    with tiny_site({}, pages, b"<html><body>nothing here</body></html>") as site:
        seed = f"http://127.0.0.1:{site.port}/"
        ws = new_workspace(tmp_path / "ws")
        first = wildtrace_json(ws, "crawl", seed, "--delay", "0")
        assert first["pages"] == 5 and first["listings"] == 3
        pages["/cat/bone"] = _shop_index([3, 4])
        pages["/item/4"] = _shop_item(4)
        site.paths.clear()
        assert "nothing to crawl" in wildtrace(ws, "crawl", seed, "--delay", "0").stdout
        again = wildtrace_json(ws, "crawl", seed, "--delay", "0", "--recrawl")
        assert again["stopped"] == "finished"
        fetched = [p for p in site.paths if p != "/robots.txt"]
        assert sorted(fetched) == ["/", "/cat/bone", "/item/4"], fetched
        assert again["listings"] == 1
        shallow = wildtrace_json(ws, "crawl", seed, "--delay", "0", "--recrawl",
                                 "--recrawl-depth", "0")
        assert shallow["pages"] == 1  # only the seed: the category page is one link away


class _Flaky:
    """A page processor that fails on pages whose URL says so."""

    def __init__(self, error: type[BaseException]) -> None:
        self.error = error
        self.calls: list[int] = []

    def many(self, pages: list[Page]) -> list[object]:
        self.calls.append(len(pages))
        if any("bad" in p.url for p in pages):
            raise self.error("boom")
        return [f"stored {p.url}" for p in pages]


def _pages(*names: str) -> list[Page]:
    return [_page(f"http://shop.test/{n}") for n in names]


def test_one_bad_page_fails_alone_and_a_broken_store_stops_the_crawl() -> None:
    flaky = _Flaky(ValueError)
    out = store_group(flaky, _pages("a", "bad", "c"))  # type: ignore[arg-type]
    assert out[0] == "stored http://shop.test/a" and out[2] == "stored http://shop.test/c"
    assert isinstance(out[1], WildtraceError) and "ValueError: boom" in str(out[1])
    assert flaky.calls == [3, 1, 1, 1]
    broken = _Flaky(lambda msg: OperationalError("INSERT", {}, Exception(msg)))  # type: ignore[arg-type]
    with pytest.raises(PageWorkerLost, match="cannot store pages"):
        store_group(broken, _pages("bad"))  # type: ignore[arg-type]


def test_links_of_repeated_or_unreadable_pages(ws: Workspace) -> None:
    processor, _ = crawl_processor(ws, CrawlPlan(domains=("shop.test",)))
    body = b"<h1>Shop</h1><a href='/new-1'>one</a>"

    def page(url: str, content: bytes, ctype: str = "text/html") -> Page:
        return Page(requested_url=url, url=url, redirects=(), status=200,
                    headers=(("Content-Type", ctype),), body=content, media_type="text/html",
                    server_ip="127.0.0.1", started="", ended="", user_agent="t")

    outcomes = processor.many([page("http://shop.test/a", body),
                               page("http://shop.test/b", body)])  # same content
    processor.session.close()
    assert outcomes[1].duplicate_of
    with ws.store.engine.connect() as conn:
        parents = [r[0] for r in conn.exec_driver_sql("SELECT parent FROM frontier")]
    assert parents == ["http://shop.test/a"]  # the repeat's links are not followed


def test_a_page_extraction_fails_on_keeps_its_evidence_and_links(ws: Workspace,
                                                                   monkeypatch: pytest.MonkeyPatch
                                                                   ) -> None:
    processor, _ = crawl_processor(ws, CrawlPlan(domains=("shop.test",)))

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("hostile markup")

    monkeypatch.setattr(processor.extractor, "extract", broken)
    url = "http://shop.test/odd"
    outcome = processor.many([Page(
        requested_url=url, url=url, redirects=(), status=200,
        headers=(("Content-Type", "text/html"),), body=b"<a href='/next'>next</a>",
        media_type="text/html", server_ip="127.0.0.1", started="", ended="",
        user_agent="t")])[0]
    processor.session.close()
    assert not outcome.read and outcome.capture_sha256
    assert any("extraction failed: RuntimeError" in e.reason for e in processor.errors)
    assert Frontier(ws.store.frontier).state_of("http://shop.test/next") == ("queued", "")
