"""Crawl workers sharing one frontier (:mod:`wildtrace.collect.frontier`,
:mod:`wildtrace.collect.workers`) and politeness shared through Redis
(:mod:`wildtrace.collect.sharedgate`): leases, their expiry and renewal, recovery of
dead workers' URLs, SKIP LOCKED takes, the gate's take/give, and ``crawl status``."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wildtrace.app.crawl_status import crawl_status
from wildtrace.collect.frontier import Entry, Frontier
from wildtrace.collect.workers import WorkerId
from wildtrace.store import Store
from wildtrace.workspace import Workspace, open_workspace

REDIS = ("127.0.0.1", 6379)


def _worker(name: str, pid: int = 1, host: str = "") -> WorkerId:
    """A worker on a machine of its own (``host``: the one given)."""
    host = host or f"machine-{name}"
    return WorkerId(f"{host}-{name}", host, pid)


def _fill(f: Frontier, n: int = 30) -> None:
    f.add([Entry(f"http://s{i % 3}.test/{i}", 0.5) for i in range(n)])


def _leases(store: Store) -> None:
    a = Frontier(store.frontier, _worker("a"), lease=60)
    b = Frontier(store.frontier, _worker("b"), lease=60)
    a.join()
    b.join()
    _fill(a)
    took_a = {e.url for e in a.take(8, per_domain=8)}
    took_b = {e.url for e in b.take(8, per_domain=8)}
    assert len(took_a) == len(took_b) == 8 and not took_a & took_b
    # A new run elsewhere: a live worker's URLs are not taken from it, however long.
    c = Frontier(store.frontier, _worker("c"), lease=60)
    assert c.recover() == 0
    assert c.others_busy()
    assert {w: n for w, n, _, _ in store.frontier.leases()} == {a.worker.id: 8,
                                                                b.worker.id: 8}
    # b stops renewing: after its lease runs out its URLs return (and only its).
    store.frontier.renew(b.worker.id, 0.0)
    assert a.heartbeat(0) == 8
    assert store.frontier.counts() == {"queued": 22, "active": 8}
    # a leaves: what it took and never settled goes back; it is marked stopped.
    a.settle([(u, "done", "captured x (listing)") for u in sorted(took_a)[:3]])
    assert a.leave(3) == 5
    assert store.frontier.counts() == {"queued": 27, "done": 3}
    assert {w.id: w.state for w in store.frontier.workers.all()} == {
        a.worker.id: "stopped", b.worker.id: "running"}


def test_leases_sqlite(ws: Workspace) -> None:
    _leases(ws.store)


@pytest.mark.postgres
def test_leases_postgres(pg_store: Store) -> None:
    _leases(pg_store)


def test_a_dead_worker_of_this_machine_is_recovered_at_once(ws: Workspace) -> None:
    proc = subprocess.Popen(["sleep", "30"])
    dead = Frontier(ws.store.frontier, _worker("dead", proc.pid, socket.gethostname()))
    dead.join()
    _fill(dead, 6)
    assert len(dead.take(6, per_domain=6)) == 6
    me = Frontier(ws.store.frontier)
    assert me.recover() == 0  # its process still runs
    proc.kill()
    proc.wait()
    assert me.recover() == 6  # killed: back at once, no need to wait for the lease
    assert [w.state for w in ws.store.frontier.workers.all()] == ["stopped"]


def test_takers_that_never_registered_are_recovered(ws: Workspace) -> None:
    f = Frontier(ws.store.frontier)
    _fill(f, 4)
    f.take(4)
    assert Frontier(ws.store.frontier).recover() == 4  # as after kill -9 (one machine)


@pytest.mark.postgres
def test_concurrent_takes_never_share_a_url(pg_url: str, tmp_path: Path) -> None:
    ws = open_workspace(tmp_path / "ws", overrides={"database_url": pg_url})
    try:
        seed = Frontier(ws.store.frontier)
        seed.add([Entry(f"http://s{i % 10}.test/{i}", (i % 7) / 7) for i in range(2000)])
    finally:
        ws.close()
    taken: dict[str, list[str]] = {}
    errors: list[BaseException] = []

    def run(name: str) -> None:
        store = Store.open(pg_url)
        try:
            f = Frontier(store.frontier, _worker(name))
            f.join()
            got = taken.setdefault(name, [])
            while batch := f.take(16, per_domain=4):
                got += [e.url for e in batch]
                f.settle([(e.url, "done", "captured") for e in batch])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=run, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    everything = [u for urls in taken.values() for u in urls]
    assert len(everything) == len(set(everything)) == 2000
    assert all(len(urls) > 100 for urls in taken.values()), {k: len(v) for k, v in
                                                               taken.items()}


def test_crawl_status(ws: Workspace) -> None:
    f = Frontier(ws.store.frontier, _worker("a"), lease=60)
    f.join()
    _fill(f, 6)
    f.take(2, per_domain=1)
    status = crawl_status(ws).as_dict()
    assert status["queue"] == {"queued": 4, "active": 2}
    (w,) = status["workers"]
    assert (w["id"], w["state"], w["leases"], w["expired_leases"]) == (
        f.worker.id, "running", 2, 0)
    assert sum(d.get("active", 0) for d in status["domains"].values()) == 2


# -- politeness shared through Redis ---------------------------------------------------
@pytest.fixture
def gate() -> Iterator[Any]:
    try:
        with socket.create_connection(REDIS, timeout=1):
            pass
    except OSError:
        pytest.skip(f"Redis not reachable at {REDIS[0]}:{REDIS[1]}")
    pytest.importorskip("redis", reason="redis not installed (pip install 'wildtrace[scale]')")
    from wildtrace.collect.sharedgate import Gate, connect

    client = connect(f"redis://{REDIS[0]}:{REDIS[1]}/0")
    yield Gate(client)
    client.close()


def test_gate_one_request_at_a_time_then_the_delay(gate: Any) -> None:
    key = f"test-{uuid.uuid4().hex}.invalid"
    assert gate.take(key, "a", hold=5) == 0
    assert gate.take(key, "b", hold=5) < 0  # a request is in flight
    assert gate.give(key, "b", gap=0.3) == 0  # not b's to give
    assert gate.give(key, "a", gap=0.3) == 0.3
    wait = gate.take(key, "b", hold=5)
    assert 0 < wait <= 0.3  # the gap runs
    time.sleep(wait + 0.02)
    assert gate.take(key, "b", hold=5) == 0


def test_gate_shares_a_learned_crawl_delay(gate: Any) -> None:
    key = f"test-{uuid.uuid4().hex}.invalid"
    assert gate.take(key, "a", hold=5) == 0
    assert gate.give(key, "a", gap=0.05, learned=0.4) == 0.4  # read from robots.txt
    time.sleep(0.45)
    # Another worker that has not read robots.txt yet still leaves the Crawl-delay.
    assert gate.take(key, "b", hold=5) == 0
    assert gate.give(key, "b", gap=0.05) == 0.4


def test_gate_of_a_killed_worker_frees_the_server(gate: Any) -> None:
    key = f"test-{uuid.uuid4().hex}.invalid"
    assert gate.take(key, "dead", hold=0.2) == 0  # and never given back
    time.sleep(0.25)
    assert gate.take(key, "b", hold=5) == 0


def test_unreachable_redis_is_one_clear_error() -> None:
    pytest.importorskip("redis")
    from wildtrace.collect.sharedgate import connect
    from wildtrace.errors import ConfigError

    with pytest.raises(ConfigError, match=r"redis_url \(redis://127.0.0.1:1/0\) does not"):
        connect("redis://127.0.0.1:1/0")


def test_crawl_status_command(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from wildtrace.cli import main

    ws = open_workspace(tmp_path / "ws")
    f = Frontier(ws.store.frontier, _worker("a"), lease=60)
    f.join()
    _fill(f, 3)
    f.take(1)
    ws.close()
    res = CliRunner().invoke(main, ["--workspace", str(tmp_path / "ws"), "crawl", "status"])
    assert res.exit_code == 0, res.output
    assert "queue: 1 active, 2 queued" in res.output
    assert f"{f.worker.id}  running" in res.output and "1 URLs held (0 expired)" in res.output
    res = CliRunner().invoke(main, ["--workspace", str(tmp_path / "ws"), "crawl", "status",
                                    "--json"])
    assert json.loads(res.output)["queue"] == {"active": 1, "queued": 2}
