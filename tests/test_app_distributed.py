"""``process --scheduler``: identify and assess on Dask workers, written here once, with
the same results as a single-process run (a LocalCluster stands in for the cluster)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from wildtrace import config
from wildtrace.app import distributed as dist
from wildtrace.app.process import ProcessResult, process
from wildtrace.cli import main
from wildtrace.collect.importer import import_file
from wildtrace.errors import ConfigError, MissingExtraError, WorkspaceError
from wildtrace.workspace import Workspace, open_workspace

pytest.importorskip("distributed", reason="Dask distributed not installed "
                                          "(pip install 'wildtrace[scale]')")
from distributed import LocalCluster  # noqa: E402

DEMO = Path(__file__).resolve().parent.parent / "examples" / "demo-listings.csv"
SMALL = 7  # 40 demo listings in 6 batches, so several workers take part


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """Two single-threaded workers in this process, over TCP on 127.0.0.1 (fast to
    start; the same client, scatter and task path as a remote cluster)."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      protocol="tcp://", **dist.LOCAL_ONLY) as lc:
        yield str(lc.scheduler_address)


def _workspace(root: Path, **overrides: Any) -> Workspace:
    ws = open_workspace(root, overrides=overrides or None)
    import_file(ws.store, DEMO, source="demo")
    extra = root.parent / f"{root.name}-more.csv"
    extra.write_text("title,description\nRhino horn powder,\"genuine, wechat: hornman_9\"\n")
    import_file(ws.store, extra, source="demo")
    return ws


def _results(ws: Workspace) -> list[tuple[Any, ...]]:
    return sorted((r["id"], r["score"], r["risk"], r["relevant"], r["taxa"], r["cites"],
                   r["flags"], r["reasons"], r["model_version"], r["identifiers"])
                  for r in ws.store.latest_assessments())


def _same(one: ProcessResult, other: ProcessResult) -> None:
    assert (one.assessed, one.relevant, one.model_version, one.link) == \
        (other.assessed, other.relevant, other.model_version, other.link)


def test_cluster_run_equals_single_process_run(tmp_path: Path, cluster: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    single_ws, dask_ws = _workspace(tmp_path / "single"), _workspace(tmp_path / "dask")
    loads: list[str] = []
    real = dist.load_scorer

    def counting(*args: Any, **kwargs: Any) -> Any:
        loads.append("load")
        return real(*args, **kwargs)

    monkeypatch.setattr(dist, "load_scorer", counting)
    single = process(single_ws, batch=SMALL)
    spread = process(dask_ws, batch=SMALL, scheduler=cluster)
    _same(single, spread)
    assert spread.assessed == 41 and spread.workers == 2 and single.workers == 0
    assert _results(single_ws) == _results(dask_ws)
    # Six batches, one scorer: the workers (threads of one process here) load it once.
    assert loads == ["load"]
    run = dask_ws.store.latest_assessments()[0]
    assert run["model_version"] == spread.model_version
    # Nothing new: the cluster is asked for nothing and nothing is written twice.
    again = process(dask_ws, batch=SMALL, scheduler=cluster)
    assert again.assessed == 0 and again.link["sellers"] == spread.link["sellers"]
    assert len(dask_ws.store.latest_assessments()) == 41
    single_ws.close()
    dask_ws.close()


def test_only_new_listings_go_to_the_cluster(tmp_path: Path, cluster: str) -> None:
    ws = _workspace(tmp_path / "ws")
    process(ws, batch=SMALL)
    more = tmp_path / "later.csv"
    more.write_text("title,description\nPangolin scales 1kg,\"whatsapp +84 912 345 678\"\n")
    import_file(ws.store, more, source="later")
    res = process(ws, batch=SMALL, scheduler=cluster)
    assert res.assessed == 1
    row = [r for r in ws.store.iter_listings_with_assessment()
           if r["title"] == "Pangolin scales 1kg"][0]
    assert row["model_version"] == res.model_version
    assert json.loads(row["identifiers"])
    ws.close()


def test_postgres_workspace_on_the_cluster(tmp_path: Path, pg_url: str, cluster: str) -> None:
    """The team setup: workers read listings from PostgreSQL by id range."""
    single_ws = _workspace(tmp_path / "single")
    pg_ws = _workspace(tmp_path / "pg", database_url=pg_url)
    single = process(single_ws, batch=SMALL)
    spread = process(pg_ws, batch=SMALL, scheduler=cluster)
    _same(single, spread)
    assert [r[1:] for r in _results(single_ws)] == [r[1:] for r in _results(pg_ws)]
    single_ws.close()
    pg_ws.close()


def test_cli_process_scheduler(tmp_path: Path, cluster: str) -> None:
    root = tmp_path / "ws"
    _workspace(root).close()
    runner = CliRunner()
    out = runner.invoke(main, ["--workspace", str(root), "process", "--json",
                               "--scheduler", cluster])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["assessed"] == 41
    bad = runner.invoke(main, ["--workspace", str(root), "process", "--scheduler",
                               "http://127.0.0.1:8786"])
    assert bad.exit_code == 1
    assert "--scheduler" in bad.output and "tcp://HOST:PORT" in bad.output


def test_scheduler_setting_is_checked() -> None:
    assert config.load(None, env={"WILDTRACE_SCHEDULER": "tcp://10.0.0.5:8786"}
                       ).scheduler == "tcp://10.0.0.5:8786"
    assert config.load(None, env={}).scheduler == ""
    assert dist.scheduler_address("local:4") == "local:4"
    for bad in ("10.0.0.5:8786", "local:0", "local:x", "http://h:1"):
        with pytest.raises(ConfigError, match="expected tcp://HOST:PORT"):
            config.load(None, env={"WILDTRACE_SCHEDULER": bad})


def test_missing_extra_names_the_install_line(ws: Workspace,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    import_file(ws.store, DEMO)
    with pytest.raises(MissingExtraError) as err:
        process(ws, scheduler="tcp://127.0.0.1:8786")
    assert "pip install 'wildtrace[scale]'" in str(err.value)


def test_unreachable_scheduler_is_one_clear_error(ws: Workspace,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dist, "CONNECT_TIMEOUT", "1s")
    import_file(ws.store, DEMO)
    with pytest.raises(WorkspaceError, match="cannot reach the Dask scheduler at "
                                             "tcp://127.0.0.1:9"):
        process(ws, scheduler="tcp://127.0.0.1:9")


def test_worker_without_the_sqlite_file_refuses(ws: Workspace, tmp_path: Path) -> None:
    from wildtrace.assess import load_scorer

    spec = dist.worker_spec(ws, load_scorer(ws.settings), None)
    elsewhere = dist.WorkerSpec(spec.key + "x", spec.settings,
                                f"sqlite:///{tmp_path / 'absent' / 'wildtrace.db'}",
                                spec.version, None, None, None)
    with pytest.raises(WorkspaceError, match="need a PostgreSQL database_url"):
        dist.score_range(elsewhere, 1, 10)
    assert not (tmp_path / "absent").exists()


@pytest.mark.slow
def test_local_worker_processes(tmp_path: Path) -> None:
    """``local:2``: two worker processes started here, reading the SQLite file."""
    single_ws, dask_ws = _workspace(tmp_path / "single"), _workspace(tmp_path / "dask")
    single = process(single_ws, batch=SMALL)
    spread = process(dask_ws, batch=SMALL, scheduler="local:2")
    _same(single, spread)
    assert spread.workers == 2
    assert _results(single_ws) == _results(dask_ws)
    single_ws.close()
    dask_ws.close()
