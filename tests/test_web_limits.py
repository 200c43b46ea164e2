"""What every request goes through: X-Forwarded-For believed only from trusted proxies,
body caps that answer 413 before the body is read, and secrets masked in ``settings``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from web_seed import CSRF_FIELD, WebEnv, make_env, seed

from wildtrace import config
from wildtrace.cli import main
from wildtrace.web import create_app
from wildtrace.web.middleware import forwarded_client, parse_networks
from wildtrace.workspace import open_workspace

TIP = {"url": "https://shop.example/item/1", "description": "ivory"}


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebEnv]:
    e = make_env(tmp_path_factory.mktemp("limits") / "ws")
    yield e
    e.ws.close()


def _login_attempt(client: TestClient, forwarded: str) -> int:
    page = client.get("/login")
    token = CSRF_FIELD.search(page.text)
    assert token is not None
    return client.post("/login", data={"username": f"x{forwarded}", "password": "bad pw",
                                       "csrf_token": token.group(1)},
                       headers={"X-Forwarded-For": forwarded}).status_code


def test_rotating_x_forwarded_for_does_not_get_round_the_login_limit(env: WebEnv) -> None:
    client = TestClient(env.app, client=("127.0.0.1", 5000))
    codes = [_login_attempt(client, f"10.9.8.{i}") for i in range(25)]
    assert codes[:20] == [401] * 20 and set(codes[20:]) == {429}


def test_rotating_x_forwarded_for_does_not_get_round_the_tip_limit(env: WebEnv) -> None:
    client = TestClient(env.app, client=("127.0.0.2", 5000))
    codes = [client.post("/api/tips", json=TIP,
                         headers={"X-Forwarded-For": f"10.1.1.{i}"}).status_code
             for i in range(12)]
    assert codes[:10] == [202] * 10 and set(codes[10:]) == {429}


def test_a_trusted_proxy_forwards_the_client_address(tmp_path: Path) -> None:
    ws = open_workspace(tmp_path / "ws", overrides={"trusted_proxies": "10.0.0.0/8, ::1"})
    try:
        seed(ws)
        app = create_app(ws, capture_tips=False)
        proxy = TestClient(app, client=("10.0.0.1", 5000))
        # Each forwarded client has its own count: 12 tips from 12 clients all pass.
        codes = {proxy.post("/api/tips", json=TIP, headers={
            "X-Forwarded-For": f"6.6.6.6, 198.51.100.{i}"}).status_code for i in range(12)}
        assert codes == {202}
        stranger = TestClient(app, client=("192.0.2.9", 5000))
        codes2 = [stranger.post("/api/tips", json=TIP, headers={
            "X-Forwarded-For": f"198.51.100.{i}"}).status_code for i in range(12)]
        assert set(codes2[10:]) == {429}
    finally:
        ws.close()


def test_forwarded_client_reads_from_the_right() -> None:
    nets = parse_networks(["10.0.0.0/8"])
    assert forwarded_client("10.0.0.1", "1.2.3.4, 5.6.7.8, 10.0.0.2", nets) == "5.6.7.8"
    assert forwarded_client("192.0.2.1", "1.2.3.4", nets) == "192.0.2.1"
    assert forwarded_client("10.0.0.1", "1.2.3.4", ()) == "10.0.0.1"


def test_serve_leaves_proxy_headers_to_the_app(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw))
    res = CliRunner().invoke(main, ["--workspace", str(tmp_path / "ws"), "serve"])
    assert res.exit_code == 0, res.output
    assert seen["proxy_headers"] is False


def test_a_bad_trusted_proxies_setting_is_refused(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError, match="not an IP address"):
        config.load(env={"WILDTRACE_TRUSTED_PROXIES": "10.0.0.1, proxy.example"})


@pytest.mark.parametrize(("path", "size"), [("/api/tips", 70_000), ("/login", 70_000),
                                            ("/api/cases", 1_100_000)])
def test_bodies_over_the_cap_get_413(env: WebEnv, path: str, size: int) -> None:
    resp = env.client().post(path, content=b"x" * size,
                             headers={"content-type": "application/json"})
    assert resp.status_code == 413
    assert resp.json()["error"]["code"] == "too_large"
    assert resp.headers["x-content-type-options"] == "nosniff"


def test_the_tip_form_still_takes_a_screenshot(env: WebEnv) -> None:
    client = env.client()
    page = client.get("/tips/new")
    token = CSRF_FIELD.search(page.text)
    assert token is not None
    resp = client.post("/tips/new", data={"url": TIP["url"], "csrf_token": token.group(1)},
                       files={"screenshot": ("shot.png", b"\x89PNG" + b"0" * 1_000_000)})
    assert resp.status_code != 413


def _stream(app: Any, path: str, chunks: int, chunk: bytes) -> tuple[int, int]:
    """Send a body of ``chunks`` chunks without Content-Length; (status, chunks read)."""
    sent = 0
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        sent += 1
        return {"type": "http.request", "body": chunk, "more_body": sent < chunks}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "client": ("192.0.2.50", 1234),
             "server": ("testserver", 80),
             "headers": [(b"host", b"testserver"), (b"content-type", b"application/json")]}
    asyncio.run(app(scope, receive, send))
    return statuses[0], sent


def test_a_streamed_body_is_cut_off_at_the_cap(env: WebEnv) -> None:
    status, read = _stream(env.app, "/api/tips", chunks=1600, chunk=b" " * 65_536)
    assert status == 413 and read <= 2  # 100 MB offered, 128 KiB read


def test_settings_mask_the_database_password(pg_url: str, tmp_path: Path) -> None:
    url = pg_url.replace("postgres@", "postgres:s3cret-pw@")
    wsdir = str(tmp_path / "ws")
    res = CliRunner().invoke(main, ["--workspace", wsdir, "settings", "--json"],
                             env={"WILDTRACE_DATABASE_URL": url})
    assert res.exit_code == 0, res.output
    assert "s3cret-pw" not in res.output
    shown = json.loads(res.output)["database_url"]["value"]
    assert shown == url.replace("s3cret-pw", config.MASK)
    text = CliRunner().invoke(main, ["--workspace", wsdir, "settings"],
                              env={"WILDTRACE_DATABASE_URL": url})
    assert text.exit_code == 0 and "s3cret-pw" not in text.output


def test_shown_masks_urls_and_secret_settings() -> None:
    assert config.shown("database_url", "postgresql://u:p%40ss@db:5432/x") == \
        "postgresql://u:***@db:5432/x"
    assert config.shown("database_url", "sqlite:///x.db") == "sqlite:///x.db"
    assert config.shown("delay", 2.0) == 2.0


def test_trusted_proxies_may_be_a_toml_list(tmp_path: Path) -> None:
    toml = tmp_path / "wildtrace.toml"
    toml.write_text('trusted_proxies = ["127.0.0.1", "10.0.0.0/8"]\n', encoding="utf-8")
    assert config.load(toml, env={}).trusted_proxies == ("127.0.0.1", "10.0.0.0/8")
