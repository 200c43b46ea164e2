"""``import --scheduler``: the pages of WARC and HTML files extracted on Dask workers,
the evidence and listings written here, in file order: the stored result is the one a
single-process import stores (a LocalCluster stands in for the cluster)."""

from __future__ import annotations

import dataclasses
import io
import json
import pickle
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from wildtrace.app import archives
from wildtrace.app import distributed_extract as dx
from wildtrace.app.archives import import_archives
from wildtrace.app.distributed import LOCAL_ONLY
from wildtrace.app.evidence import verify_evidence
from wildtrace.app.pages import extract_page
from wildtrace.cli import main
from wildtrace.errors import WorkspaceError
from wildtrace.extract.extractor import Extractor
from wildtrace.records import Page
from wildtrace.store.tables import input_errors, listings, runs
from wildtrace.store.tables.preserve import captures, custody
from wildtrace.workspace import Workspace, open_workspace

pytest.importorskip("distributed", reason="Dask distributed not installed "
                                          "(pip install 'wildtrace[scale]')")
from distributed import LocalCluster  # noqa: E402

PAGES = sorted((Path(__file__).parent / "pages").rglob("*.html"))
EXTRACTED_IN: list[str] = []
PROFILE = """name = "lots"
kind = "marketplace"
domains = ["market0.test"]
listing_url = "/lot/"
[fields]
title = "css:title::text"
"""


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """Two single-threaded workers in this process, over TCP on 127.0.0.1: results and
    pages are pickled through the scheduler as on a remote cluster."""
    with LocalCluster(n_workers=2, threads_per_worker=1,  # type: ignore[no-untyped-call]
                      processes=False, protocol="tcp://", **LOCAL_ONLY) as lc:
        yield str(lc.scheduler_address)


def _page(url: str, body: bytes, ctype: str = "text/html; charset=utf-8") -> Page:
    return Page(requested_url=url, url=url, redirects=(), status=200,
                headers=(("Content-Type", ctype),), body=body, media_type="text/html",
                server_ip="", started="", ended="", user_agent="", method="import")


def _body(i: int) -> bytes:
    """The ``i``-th sample page, made unique (so each is a capture of its own)."""
    return PAGES[i % len(PAGES)].read_bytes().replace(
        b"</body>", f"<p>Lot {i}, ref {i * 7919}</p></body>".encode(), 1)


def _warc(path: Path, n: int, *, truncate: bool = False) -> Path:
    """A WARC of ``n`` sample pages on five sites, a repeated body, a boom page (its
    extraction fails) and an image; ``truncate`` cuts the file inside its last page."""
    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=True)

        def record(url: str, body: bytes, ctype: str) -> None:
            w.write_record(w.create_warc_record(
                url, "response", payload=io.BytesIO(body), length=len(body),
                http_headers=StatusAndHeaders("200 OK", [("Content-Type", ctype)],
                                              protocol="HTTP/1.1")))

        for i in range(n):
            ctype = "text/html" if "charset" in PAGES[i % len(PAGES)].name \
                or "gbk" in PAGES[i % len(PAGES)].name else "text/html; charset=utf-8"
            record(f"http://market{i % 5}.test/lot/{i}", _body(i), ctype)
            if i == 3:
                record("http://market1.test/again/3", _body(3), ctype)
                record("http://market1.test/boom", _body(4), ctype)
                record("http://market1.test/logo.png", b"\x89PNG", "image/png")
    if truncate:
        data = path.read_bytes()
        path.write_bytes(data[:len(data) - 200])
    return path


@pytest.fixture()
def inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """WARC files (one refused as truncated, one that breaks after 5 pages once the
    import reads it), a saved page and a missing file; a page whose extraction raises,
    wherever it is extracted. The threads that extracted are kept in ``EXTRACTED_IN``."""
    real, pages = Extractor.extract, archives.warc_pages  # type: ignore[attr-defined]
    EXTRACTED_IN.clear()

    def hostile(self: Extractor, body: bytes, url: str, *args: Any) -> Any:
        EXTRACTED_IN.append(threading.current_thread().name)
        if url.endswith("/boom"):
            raise ValueError("hostile page")
        return real(self, body, url, *args)

    def breaking(stream: Any, path: Path, sha: str) -> Iterator[Any]:
        for n, item in enumerate(pages(stream, path, sha)):
            if path.name == "c.warc.gz" and n == 5:
                raise ValueError("zlib: invalid block")
            yield item

    monkeypatch.setattr(Extractor, "extract", hostile)
    monkeypatch.setattr(archives, "warc_pages", breaking)
    html = tmp_path / "saved.html"
    html.write_bytes(_body(2))
    return [_warc(tmp_path / "a.warc.gz", 40), html,
            _warc(tmp_path / "b.warc.gz", 9, truncate=True), tmp_path / "missing.warc",
            _warc(tmp_path / "c.warc.gz", 12)]


def _workspace(root: Path) -> Workspace:
    ws = open_workspace(root)
    (root / "profiles").mkdir(exist_ok=True)
    (root / "profiles" / "lots.toml").write_text(PROFILE)
    return ws


def _stored(ws: Workspace) -> dict[str, list[Any]]:
    """What an import leaves in the workspace, times and the run's own id left out."""
    with ws.store.engine.connect() as conn:
        lst = [tuple(v for k, v in r._mapping.items() if k != "created_at")
               for r in conn.execute(sa.select(listings).order_by(listings.c.id))]
        caps = [tuple(v for k, v in r._mapping.items() if k not in (
            "started_at", "ended_at", "record_sha256"))
            for r in conn.execute(sa.select(captures).order_by(captures.c.id))]
        # A saved page is captured at the import's time, and its capture record's
        # hash (the custody entry's sha256) covers that time; an archived page's times
        # are the archive's, so its hash must be the same.
        chain = [(r.seq, r.who, r.action, r.subject, "" if r.action == "captured" and
                  r.subject.startswith("file:") else r.sha256, _timeless(r.detail))
                 for r in conn.execute(sa.select(custody).order_by(custody.c.seq))]
        errs = [(r.file, r.row, r.reason)
                for r in conn.execute(sa.select(input_errors).order_by(input_errors.c.id))]
    return {"listings": lst, "captures": caps, "custody": chain, "errors": errs}


def _timeless(detail: str) -> Any:
    """A custody entry's detail without the times and hashes that times change."""
    value = json.loads(detail)
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k not in (
            "at", "opened_at", "sealed_at", "started_at", "ended_at", "record_sha256")}
    return value


def test_a_portable_extraction_pickles_and_equals_the_local_one() -> None:
    extractor = Extractor()
    for path in PAGES:
        page = _page(f"https://shop.test/{path.name}", path.read_bytes())
        here = extract_page(extractor, page, keep=True)
        there = pickle.loads(pickle.dumps(extract_page(extractor, page)))
        assert here.extraction is not None and here.extraction.root is not None
        assert there.extraction is not None and there.extraction.root is None
        assert there == here and there.failure == ""
        made: dict[str, Any] = {"source": "s", "url": page.url, "capture_sha256": "ab",
                                "capture_id": 1}
        assert there.extraction.draft(**made) == here.extraction.draft(**made)


def test_cluster_import_stores_what_a_single_process_import_stores(
        tmp_path: Path, cluster: str, inputs: list[Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    single_ws, dask_ws = _workspace(tmp_path / "single"), _workspace(tmp_path / "dask")
    single = import_archives(single_ws, inputs, "auto", "seized", scheduler="")
    here = set(EXTRACTED_IN)
    EXTRACTED_IN.clear()
    spread = import_archives(dask_ws, inputs, "auto", "seized", scheduler=cluster)
    # Every page was extracted by a worker thread (read ahead of the break in c too).
    assert len(EXTRACTED_IN) >= (spread.pages or 0) and not here & set(EXTRACTED_IN)
    assert (spread.imported, spread.duplicates, spread.pages, spread.errors) == \
        (single.imported, single.duplicates, single.pages, single.errors)
    # a: 40 + a repeat + the boom page; the saved page; c: 5 before its break.
    assert single.pages == 48 and single.imported > 35
    reasons = " | ".join(e.reason for e in single.errors)
    assert "hostile page" in reasons and "WARC unreadable after" in reasons \
        and "no such file" in reasons
    one, other = _stored(single_ws), _stored(dask_ws)
    for part in ("listings", "captures", "custody", "errors"):
        assert one[part] == other[part], part
    # The workspace's site profile was used by the workers too.
    assert any("profile:lots/title" in str(row) for row in other["listings"])
    with dask_ws.store.engine.connect() as conn:
        detail = json.loads(conn.execute(sa.select(runs.c.detail).where(
            runs.c.stage == "import")).scalar_one())
    assert detail["scheduler"] == {"address": cluster, "workers": 2}
    for ws in (single_ws, dask_ws):
        report = verify_evidence(ws)
        assert not report.problems, report.problems
        ws.close()


def test_a_worker_of_another_version_is_refused(tmp_path: Path, cluster: str,
                                                 inputs: list[Path],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    ws = _workspace(tmp_path / "ws")
    real = dx.extract_spec
    monkeypatch.setattr(dx, "extract_spec", lambda w: dataclasses.replace(
        real(w), version="wildtrace 0.0.0, extractor 0"))
    with pytest.raises(WorkspaceError, match="same wildtrace on every worker"):
        import_archives(ws, inputs[:1], "warc", scheduler=cluster)
    ws.close()


def test_an_unreachable_scheduler_keeps_nothing(tmp_path: Path, inputs: list[Path],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from wildtrace.app import distributed as dist

    monkeypatch.setattr(dist, "CONNECT_TIMEOUT", "1s")
    ws = _workspace(tmp_path / "ws")
    with pytest.raises(WorkspaceError, match="cannot reach the Dask scheduler"):
        import_archives(ws, inputs[:1], "warc", scheduler="tcp://127.0.0.1:9")
    stored = _stored(ws)
    assert stored["captures"] == [] and stored["custody"] == []
    ws.close()


@pytest.mark.slow
def test_import_scheduler_local_processes_through_the_cli(tmp_path: Path) -> None:
    """``import --scheduler local:2``: two worker processes, pages pickled to them; then
    ``evidence verify`` passes; a CSV import with the setting needs no cluster."""
    warc = _warc(tmp_path / "lot.warc.gz", 30)
    runner = CliRunner()

    def run(ws: Path, *args: str) -> dict[str, Any]:
        res = runner.invoke(main, ["--workspace", str(ws), *args, "--json"])
        assert res.exit_code == 0, res.output
        return json.loads(res.output.strip().splitlines()[-1])  # type: ignore[no-any-return]

    single = run(tmp_path / "single", "import", str(warc), "--scheduler", "")
    spread = run(tmp_path / "dask", "import", str(warc), "--scheduler", "local:2")
    assert spread == single and single["pages"] == 32 and single["imported"] > 25
    assert run(tmp_path / "dask", "evidence", "verify")["ok"]
    one, other = open_workspace(tmp_path / "single"), open_workspace(tmp_path / "dask")
    try:
        assert _stored(one) == _stored(other)
    finally:
        one.close()
        other.close()
    csv = tmp_path / "rows.csv"
    csv.write_text("title,description\nIvory bangle,old\n")
    env = {"WILDTRACE_SCHEDULER": "tcp://127.0.0.1:9"}
    res = runner.invoke(main, ["--workspace", str(tmp_path / "dask"), "import", str(csv),
                               "--json"], env=env)
    assert res.exit_code == 0, res.output
    assert json.loads(res.output.strip().splitlines()[-1])["imported"] == 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
