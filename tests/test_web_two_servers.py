"""Two ``wildtrace serve`` processes (real uvicorn subprocesses on two ports) over one
PostgreSQL workspace behave as one server: a login on one is valid on the other, the
tip rate limit and the account lockout count across both, a logout on one ends the
session on both. Once with the limits in Redis, once in the PostgreSQL database."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
REDIS_URL = "redis://127.0.0.1:6379/14"  # this test's own Redis database, emptied first
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct horse battery"

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(folder: Path, *args: str, stdin: str = "") -> None:
    subprocess.run([sys.executable, "-m", "wildtrace", "--workspace", str(folder), *args],
                   input=stdin, text=True, check=True, capture_output=True, cwd=folder)


def _redis_ready() -> bool:
    try:
        import redis
    except ImportError:
        return False
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).flushdb()
    except redis.RedisError:
        return False
    return True


@pytest.fixture(params=["redis", "database"])
def servers(request: pytest.FixtureRequest, pg_url: str, tmp_path: Path
            ) -> Iterator[tuple[str, str]]:
    """Base URLs of two servers, each with a workspace folder of its own, one database."""
    settings = f'database_url = "{pg_url}"\n'
    if request.param == "redis":
        if not _redis_ready():
            pytest.skip("Redis not reachable at 127.0.0.1:6379 (or redis not installed)")
        settings += f'redis_url = "{REDIS_URL}"\n'
    folders = [tmp_path / "a", tmp_path / "b"]
    for folder in folders:
        folder.mkdir()
        (folder / "wildtrace.toml").write_text(settings, encoding="utf-8")
    for name in ("ana", "cy"):
        _cli(folders[0], "user", "add", name, "--role", "analyst", "--password-stdin",
             stdin=PASSWORD + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WILDTRACE_")}
    procs, bases = [], []
    for folder in folders:
        port = _free_port()
        with (folder / "serve.log").open("wb") as log:
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "wildtrace", "--workspace", str(folder), "serve",
                 "--port", str(port), "--no-tip-capture"], cwd=folder, env=env,
                stdout=subprocess.DEVNULL, stderr=log))
        bases.append(f"http://127.0.0.1:{port}")
    try:
        for folder, base, proc in zip(folders, bases, procs, strict=True):
            for _ in range(300):
                if proc.poll() is not None:
                    log_text = (folder / "serve.log").read_text(errors="replace")
                    pytest.fail(f"serve exited: {log_text[-2000:]}")
                try:
                    if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
        yield bases[0], bases[1]
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(30)


def _login(client: httpx.Client, name: str, password: str) -> int:
    token = CSRF.search(client.get("/login").text)
    assert token is not None
    resp = client.post("/login", data={"username": name, "password": password,
                                       "csrf_token": token.group(1)})
    return int(resp.status_code)


def test_two_servers_behave_as_one(servers: tuple[str, str]) -> None:
    a_url, b_url = servers
    with httpx.Client(base_url=a_url) as a, httpx.Client(base_url=b_url) as b:
        # A login on one server is a session on both.
        assert _login(a, "ana", PASSWORD) == 303
        b.cookies.set("wt_session", a.cookies["wt_session"])
        assert b.get("/api/me").json() == {"name": "ana", "role": "analyst"}

        # The tip limit (10 an hour per address) counts the tips of both servers.
        tip = {"url": "https://shop.example/item/1", "description": "ivory"}
        codes = [(a if i % 2 else b).post("/api/tips", json=tip).status_code
                 for i in range(10)]
        assert codes == [202] * 10
        assert a.post("/api/tips", json=tip).status_code == 429
        assert b.post("/api/tips", json=tip).status_code == 429

        # Ten failures, half on each server, lock the account on both.
        with httpx.Client(base_url=a_url) as a2, httpx.Client(base_url=b_url) as b2:
            fails = [_login(a2 if i % 2 else b2, "cy", "wrong password") for i in range(9)]
            assert fails == [401] * 9
            assert _login(a2, "cy", "wrong password") == 401  # the 10th: now locked
            assert _login(b2, "cy", PASSWORD) == 429
            assert _login(a2, "cy", PASSWORD) == 429

        # A logout on one server ends the session on both.
        page = b.get("/queue")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text) or \
            re.search(r'csrf-token" content="([^"]+)"', page.text)
        assert csrf is not None
        assert b.post("/logout", data={"csrf_token": csrf.group(1)}).status_code == 303
        assert a.get("/api/me").status_code == 401
        assert b.get("/api/me").status_code == 401
