"""Rate-limit and lockout backends: memory, the database (SQLite and PostgreSQL) and
Redis count alike, and the shared ones are exact when many threads count at once."""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from wildtrace.app.shared_state import (
    DatabaseLimits,
    LimitBackend,
    MemoryLimits,
    limit_backend,
)
from wildtrace.errors import WorkspaceError
from wildtrace.store import Store, utcnow
from wildtrace.web.ratelimit import AccountLockout, RateLimiter

REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_limits() -> Iterator[LimitBackend]:
    if not _redis_reachable():
        pytest.skip("Redis not reachable at 127.0.0.1:6379")
    pytest.importorskip("redis", reason="redis not installed (pip install 'wildtrace[scale]')")
    from wildtrace.app.redis_limits import RedisLimits

    yield RedisLimits(REDIS_URL)


@pytest.fixture(params=["memory", "sqlite", "postgres", "redis"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LimitBackend]:
    kind = request.param
    if kind == "memory":
        yield MemoryLimits()
    elif kind == "sqlite":
        store = Store.open(f"sqlite:///{tmp_path / 'w.db'}")
        yield DatabaseLimits(store)
        store.close()
    elif kind == "postgres":
        store = request.getfixturevalue("pg_store")
        yield DatabaseLimits(store)
    else:
        yield request.getfixturevalue("redis_limits")


def _key() -> str:
    return "test:" + uuid.uuid4().hex  # fresh per test: Redis outlives the test


def test_a_window_allows_the_limit_and_refuses_the_rest(backend: LimitBackend) -> None:
    key = _key()
    assert [backend.hit(key, 3, 60) for _ in range(5)] == [True] * 3 + [False] * 2
    assert backend.hit(_key(), 3, 60)  # other keys count apart
    backend.forget(key)
    assert backend.hit(key, 3, 60)


def test_a_lock_holds_and_ends(backend: LimitBackend) -> None:
    key = _key()
    assert not backend.locked(key)
    backend.lock(key, 60)
    assert backend.locked(key)
    backend.lock(key, 0.001)  # a later lock replaces the earlier one
    import time

    time.sleep(0.01)
    assert not backend.locked(key)


def test_many_threads_at_once_take_exactly_the_limit(backend: LimitBackend) -> None:
    key, results = _key(), []
    lock = threading.Lock()

    def hit() -> None:
        for _ in range(5):
            ok = backend.hit(key, 17, 60)
            with lock:
                results.append(ok)

    threads = [threading.Thread(target=hit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 17 and len(results) == 40


def test_the_window_slides(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'w.db'}")
    try:
        start = utcnow()
        rows = store.limits
        assert rows.hit("k", 2, 10, now=start) and rows.hit("k", 2, 10, now=start)
        assert not rows.hit("k", 2, 10, now=start + timedelta(seconds=9))
        assert rows.hit("k", 2, 10, now=start + timedelta(seconds=10))
        rows.lock("l", 5, now=start)
        assert rows.locked("l", now=start + timedelta(seconds=4))
        assert not rows.locked("l", now=start + timedelta(seconds=5))
    finally:
        store.close()
    memory = MemoryLimits()
    assert memory.hit("k", 1, 10, now=0.0) and not memory.hit("k", 1, 10, now=9.9)
    assert memory.hit("k", 1, 10, now=10.0)


def test_the_lockout_and_limiter_policies_over_a_shared_backend(backend: LimitBackend
                                                                ) -> None:
    name = _key()
    one, other = AccountLockout(3, backend=backend), AccountLockout(3, backend=backend)
    assert not one.failed(name) and not other.failed(name)  # two servers, one count
    assert one.failed(name)
    assert one.locked(name) and other.locked(name)
    tips, logins = RateLimiter(1, 60, backend, "tip"), RateLimiter(1, 60, backend, "login")
    assert tips.allow(name) and logins.allow(name)  # limits of other names count apart
    assert not tips.allow(name)


def test_the_backend_follows_the_settings(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'w.db'}")
    try:
        assert limit_backend(store, "").name == "memory"
        if _redis_reachable():
            assert limit_backend(store, REDIS_URL).name == "redis"
        with pytest.raises(WorkspaceError, match=r"cannot reach Redis at redis://u:\*\*\*@"
                                                 r"127\.0\.0\.1:1/0 \(setting redis_url\)"):
            limit_backend(store, "redis://u:secret@127.0.0.1:1/0")
    finally:
        store.close()


@pytest.mark.postgres
def test_postgres_workspaces_count_in_the_database(pg_store: Store) -> None:
    assert limit_backend(pg_store, "").name == "database"


def test_serve_workers_share_limits_even_on_sqlite(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from wildtrace.web import SERVE_OPTIONS, serve_options
    from wildtrace.web.app import app_from_environment

    monkeypatch.setenv(SERVE_OPTIONS, serve_options(tmp_path / "ws", False, "off"))
    app = app_from_environment()
    try:
        assert app.state.web.limits.name == "database"
        assert app.state.web.capture_tips is False
    finally:
        app.state.web.ws.close()
    monkeypatch.delenv(SERVE_OPTIONS)
    with pytest.raises(WorkspaceError, match="WILDTRACE_SERVE_OPTIONS is missing"):
        app_from_environment()
