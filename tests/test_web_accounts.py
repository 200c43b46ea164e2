"""Accounts against a curious insider and a stolen credential: token expiry, listing and
revocation, disabling and removing users, password resets, per-account lockout."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from web_seed import CSRF_FIELD, PASSWORD, WebEnv, login, make_env

from wildtrace.app import accounts as accounts_module
from wildtrace.app.accounts import Accounts
from wildtrace.cli import main
from wildtrace.store import utcnow


@pytest.fixture
def env(tmp_path: Path) -> Iterator[WebEnv]:
    e = make_env(tmp_path / "ws")
    yield e
    e.ws.close()


def _cli(env: WebEnv, *args: str, stdin: str | None = None) -> tuple[int, str]:
    res = CliRunner().invoke(main, ["--workspace", str(env.ws.root), *args], input=stdin)
    return res.exit_code, res.output


def _me(env: WebEnv, headers: dict[str, str]) -> int:
    return env.client().get("/api/me", headers=headers).status_code


def _try_login(client: TestClient, name: str, password: str) -> int:
    page = client.get("/login")
    token = CSRF_FIELD.search(page.text)
    assert token is not None
    resp = client.post("/login", data={"username": name, "password": password,
                                       "csrf_token": token.group(1)},
                       follow_redirects=False)
    return resp.status_code


def test_an_expired_token_answers_401(env: WebEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = _cli(env, "token", "create", "ana", "--expires-days", "2")
    assert code == 0 and out.startswith("wt_")
    headers = {"Authorization": "Bearer " + out.strip()}
    assert _me(env, headers) == 200
    later = utcnow() + timedelta(days=2, seconds=1)
    monkeypatch.setattr(accounts_module, "utcnow", lambda: later)
    assert _me(env, headers) == 401
    listed = Accounts(env.ws.store).tokens("ana")
    assert [t.status for t in listed] == ["expired"]


def test_tokens_are_listed_without_the_secret_and_revoked_by_id(env: WebEnv) -> None:
    first = _cli(env, "token", "create", "ana")[1].strip()
    second = _cli(env, "token", "create", "ana")[1].strip()
    code, out = _cli(env, "token", "list", "ana", "--json")
    rows = json.loads(out)
    assert code == 0 and [r["status"] for r in rows] == ["active", "active"]
    assert first not in out and second not in out and rows[0]["prefix"] == first[:10]
    code, out = _cli(env, "token", "revoke", str(rows[0]["id"]))
    assert code == 0 and "revoked" in out
    assert _me(env, {"Authorization": "Bearer " + first}) == 401
    assert _me(env, {"Authorization": "Bearer " + second}) == 200
    assert [r["status"] for r in json.loads(_cli(env, "token", "list", "--json")[1])] == [
        "revoked", "active"]
    code, out = _cli(env, "token", "revoke", "999")
    assert code == 1 and "no API token with id 999" in out
    assert _cli(env, "token", "create", "ana", "--expires-days", "0")[0] == 2


def test_a_disabled_user_loses_sessions_and_tokens_at_once(env: WebEnv) -> None:
    browser = env.client()
    login(browser, "ana")
    headers = env.token("ana")
    assert _cli(env, "user", "disable", "ana") == (0, "user ana disabled\n")
    assert browser.get("/queue", follow_redirects=False).status_code == 303
    assert _me(env, headers) == 401
    assert _try_login(env.client(), "ana", PASSWORD) == 401
    assert _cli(env, "token", "create", "ana")[0] == 1
    assert _cli(env, "user", "enable", "ana")[0] == 0
    assert _try_login(env.client(), "ana", PASSWORD) == 303
    assert _me(env, headers) == 401  # tokens revoked by the disabling stay revoked


def test_a_removed_user_is_gone_but_their_audit_entries_stay(env: WebEnv) -> None:
    browser = env.client()
    login(browser, "ana")
    browser.get("/listings/1")
    headers = env.token("ana")
    before = [e.id for e in env.ws.store.audit.entries(user="ana", limit=1000)]
    assert before
    assert _cli(env, "user", "remove", "ana") == (0, "user ana removed\n")
    assert browser.get("/queue", follow_redirects=False).status_code == 303
    assert _me(env, headers) == 401
    assert env.ws.store.accounts.user("ana") is None
    after = [e.id for e in env.ws.store.audit.entries(user="ana", limit=1000)]
    assert after == before
    removal = env.ws.store.audit.entries(action="user_remove")
    assert removal and removal[0].object_id == "ana"
    assert _cli(env, "user", "remove", "ana")[0] == 1
    assert env.ws.store.audit.verify().ok


def test_a_new_password_ends_every_session_and_token(env: WebEnv) -> None:
    browser = env.client()
    login(browser, "ana")
    headers = env.token("ana")
    code, _ = _cli(env, "user", "add", "ana", "--role", "analyst", "--password-stdin",
                   stdin="a brand new passphrase\n")
    assert code == 0
    assert browser.get("/queue", follow_redirects=False).status_code == 303
    assert _me(env, headers) == 401
    assert _try_login(env.client(), "ana", "a brand new passphrase") == 303


def test_ten_failures_lock_the_account_from_any_address(env: WebEnv) -> None:
    for i in range(10):  # each from its own address: the per-address limit never trips
        client = TestClient(env.app, client=(f"192.0.2.{i + 1}", 4000))
        assert _try_login(client, "ana", "wrong password") == 401
    fresh = TestClient(env.app, client=("198.51.100.7", 4000))
    assert _try_login(fresh, "ana", PASSWORD) == 429
    assert _try_login(fresh, "root", PASSWORD) == 303  # other accounts are not locked
    assert env.ws.store.audit.entries(action="lockout", user="ana")


def test_a_locked_answer_does_not_tell_whether_the_account_exists(env: WebEnv) -> None:
    answers = {}
    for name in ("ana", "no-such-user"):
        for i in range(10):
            client = TestClient(env.app, client=(f"203.0.113.{i + 1}", 4000))
            assert _try_login(client, name, "wrong password") == 401
        client = TestClient(env.app, client=("203.0.113.200", 4000))
        page = client.get("/login")
        token = CSRF_FIELD.search(page.text)
        assert token is not None
        resp = client.post("/login", data={"username": name, "password": PASSWORD,
                                           "csrf_token": token.group(1)})
        # The page differs only by its fresh CSRF token (and the name typed in).
        text = re.sub(r'(csrf[-_]token"? (?:content|value)=)"[^"]*"', r"\1", resp.text)
        answers[name] = (resp.status_code, text.replace(name, "NAME"))
    assert answers["ana"][0] == 429
    assert answers["ana"] == answers["no-such-user"]


def test_a_good_login_clears_the_failures(env: WebEnv) -> None:
    lockout = env.app.state.web.lockout
    for _ in range(9):
        lockout.failed("root")
    assert _try_login(env.client(), "root", PASSWORD) == 303
    lockout.failed("root")
    assert not lockout.locked("root")
