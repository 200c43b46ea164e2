"""Access control of the web app: login, sessions, CSRF, roles, tokens, audit, headers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from web_seed import PASSWORD, WebEnv, login, make_env

from wildtrace.cli import main
from wildtrace.store.tables.web import api_tokens, sessions, users


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebEnv]:
    e = make_env(tmp_path_factory.mktemp("access") / "ws")
    yield e
    e.ws.close()


def test_healthz_is_public(env: WebEnv) -> None:
    resp = env.client().get("/healthz")
    assert resp.status_code == 200 and resp.json() == {"ok": True}


@pytest.mark.parametrize("path", ["/api/listings", "/api/listings/1", "/api/queue",
                                  "/api/cases", "/api/tips", "/api/dashboard/volume",
                                  "/api/audit", "/api/me"])
def test_api_without_credentials_is_401_in_the_error_shape(env: WebEnv, path: str) -> None:
    resp = env.client().get(path)
    assert resp.status_code == 401
    body = resp.json()
    assert body["error"]["status"] == 401 and body["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("path", ["/", "/queue", "/listings/1", "/dashboard", "/cases",
                                  "/cases/1", "/tips", "/audit"])
def test_pages_without_session_redirect_to_login(env: WebEnv, path: str) -> None:
    resp = env.client().get(path, follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"].startswith("/login?next=")


def test_public_pages_need_no_login(env: WebEnv) -> None:
    c = env.client()
    assert c.get("/login").status_code == 200
    assert c.get("/tips/new").status_code == 200
    assert c.get("/openapi.json").status_code == 200


def test_login_sets_hardened_session_cookie_and_stores_only_a_hash(env: WebEnv) -> None:
    c = env.client()
    page = c.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    resp = c.post("/login", data={"username": "ana", "password": PASSWORD,
                                  "csrf_token": token}, follow_redirects=False)
    assert resp.status_code == 303
    cookie = resp.headers["set-cookie"]
    assert "wt_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    secret = cookie.split("wt_session=")[1].split(";")[0]
    with env.ws.store.engine.connect() as conn:
        stored = [r.id_hash for r in conn.execute(sessions.select())]
        hashes = [r.password_hash for r in conn.execute(users.select())]
    assert secret not in stored and len(stored[0]) == 64
    assert all(h.startswith("$argon2") for h in hashes)
    assert c.get("/queue").status_code == 200


def test_login_refuses_wrong_password_and_missing_csrf(env: WebEnv) -> None:
    c = env.client()
    page = c.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    bad = c.post("/login", data={"username": "ana", "password": "wrong-password",
                                 "csrf_token": token}, follow_redirects=False)
    assert bad.status_code == 401 and "wt_session" not in bad.headers.get("set-cookie", "")
    no_csrf = env.client().post("/login", data={"username": "ana", "password": PASSWORD,
                                                "csrf_token": "forged"},
                                follow_redirects=False)
    assert no_csrf.status_code == 403


def test_login_next_cannot_leave_the_site(env: WebEnv) -> None:
    c = env.client()
    page = c.get("/login?next=//evil.example/x")
    assert 'value="//evil.example/x"' not in page.text
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    resp = c.post("/login", data={"username": "ana", "password": PASSWORD,
                                  "csrf_token": token, "next": "https://evil.example/"},
                  follow_redirects=False)
    assert resp.headers["location"] == "/queue"


def test_form_post_without_session_csrf_is_refused(env: WebEnv) -> None:
    c = env.client()
    login(c, "ana")
    resp = c.post("/cases", data={"title": "x", "csrf_token": "not-the-token"})
    assert resp.status_code == 403


def test_json_post_with_cookie_needs_csrf_header(env: WebEnv) -> None:
    c = env.client()
    csrf = login(c, "ana")
    assert c.post("/api/cases", json={"title": "no header"}).status_code == 403
    ok = c.post("/api/cases", json={"title": "with header"}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201


def test_roles_limit_what_users_may_do(env: WebEnv) -> None:
    viewer = env.token("vic")
    c = env.client()
    assert c.get("/api/queue", headers=viewer).status_code == 200
    resp = c.post("/api/listings/1/labels", json={"label": "confirm"}, headers=viewer)
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "forbidden"
    assert c.get("/api/audit", headers=viewer).status_code == 403
    assert c.get("/api/audit", headers=env.token("root")).status_code == 200


def test_bearer_tokens_are_hashed_and_wrong_ones_refused(env: WebEnv) -> None:
    headers = env.token("ana")
    token = headers["Authorization"].split()[1]
    with env.ws.store.engine.connect() as conn:
        stored = [r.token_hash for r in conn.execute(api_tokens.select())]
    assert token not in stored
    c = env.client()
    assert c.get("/api/me", headers=headers).json() == {"name": "ana", "role": "analyst"}
    forged = {"Authorization": "Bearer " + token[:-2] + "xx"}
    assert c.get("/api/me", headers=forged).status_code == 401


def test_logout_ends_the_session(env: WebEnv) -> None:
    c = env.client()
    csrf = login(c, "ana")
    c.post("/logout", data={"csrf_token": csrf})
    assert c.get("/queue", follow_redirects=False).status_code == 303


def test_security_headers_on_pages_and_api(env: WebEnv) -> None:
    c = env.client()
    for path in ("/login", "/healthz", "/tips/new"):
        h = c.get(path).headers
        csp = h["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1]
        assert "frame-ancestors 'none'" in csp
        assert h["x-frame-options"] == "DENY"
        assert h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "no-referrer"


def test_audit_log_records_views_labels_and_logins(env: WebEnv) -> None:
    c = env.client()
    login(c, "ana")
    c.get("/listings/1")
    headers = env.token("ana")
    c.post("/api/listings/2/labels", json={"label": "reject", "note": "toy"}, headers=headers)
    entries = env.ws.store.audit.entries(user="ana", limit=50)
    actions = {(e.action, e.object_id) for e in entries}
    assert ("view", "1") in actions and ("label", "2") in actions and ("login", "") in actions
    api = c.get("/api/audit?who=ana", headers=env.token("root")).json()
    assert any(e["action"] == "label" and e["detail"] == {"label": "reject"} for e in api)


def test_cli_user_add_and_token_create(tmp_path: Path) -> None:
    runner = CliRunner()
    wsdir = str(tmp_path / "cli-ws")
    res = runner.invoke(main, ["--workspace", wsdir, "user", "add", "boss", "--role", "admin",
                               "--password-stdin"], input="a long password\n")
    assert res.exit_code == 0, res.output
    res = runner.invoke(main, ["--workspace", wsdir, "token", "create", "boss"])
    assert res.exit_code == 0 and res.output.strip().startswith("wt_")
    res = runner.invoke(main, ["--workspace", wsdir, "token", "create", "nobody"])
    assert res.exit_code == 1 and "no user" in res.output
    res = runner.invoke(main, ["--workspace", wsdir, "user", "add", "x", "--role", "admin",
                               "--password-stdin"], input="short\n")
    assert res.exit_code == 1 and "at least 8" in res.output


def _reads(env: WebEnv, user: str, kind: str) -> list[dict[str, object]]:
    return [e.detail for e in env.ws.store.audit.entries(user=user, action="view", limit=500)
            if e.object_kind == kind]


def test_bulk_reads_of_listings_are_audited_with_the_ids_shown(env: WebEnv) -> None:
    headers = env.token("vic")
    c = env.client()
    page = c.get("/api/listings?limit=2", headers=headers).json()
    shown = [str(i["id"]) for i in page["items"]]
    reads = _reads(env, "vic", "listings")
    assert reads and reads[0]["ids"] == shown and reads[0]["count"] == 2
    c.get("/api/listings?q=ivory", headers=headers)
    assert _reads(env, "vic", "listings")[0]["query"] == "ivory"


def test_the_review_queue_page_and_api_are_audited(env: WebEnv) -> None:
    c = env.client()
    api = c.get("/api/queue", headers=env.token("vic")).json()
    queue_reads = _reads(env, "vic", "queue")
    assert queue_reads[0]["ids"] == [str(i["id"]) for i in api["items"]]
    login(c, "ana")
    before = len(_reads(env, "ana", "queue"))
    assert c.get("/queue?appendix=I").status_code == 200
    reads = _reads(env, "ana", "queue")
    assert len(reads) == before + 1 and reads[0]["filter"] == {"appendix": "I"}


def test_the_audit_chain_holds_after_a_working_session(env: WebEnv) -> None:
    c = env.client()
    login(c, "root")
    for path in ("/queue", "/listings/1", "/api/listings", "/audit"):
        assert c.get(path).status_code == 200
    assert env.ws.store.audit.verify().ok


def test_the_seller_network_is_audited(env: WebEnv) -> None:
    c = env.client()
    assert c.get("/api/dashboard/network", headers=env.token("vic")).status_code == 200
    reads = _reads(env, "vic", "network")
    assert reads and reads[0]["via"] == "api"
    login(c, "ana")
    assert c.get("/dashboard").status_code == 200
    assert _reads(env, "ana", "network")[0]["via"] == "page"


@pytest.mark.parametrize(("kind", "fmt"), [("listings", "csv"), ("listings", "jsonl"),
                                           ("venues", "csv"), ("graph", "gexf")])
def test_cli_exports_are_audited_under_the_operator(env: WebEnv, tmp_path: Path,
                                                    kind: str, fmt: str) -> None:
    out = tmp_path / f"out.{fmt}"
    res = CliRunner().invoke(main, ["--workspace", str(env.ws.root), "export", kind,
                                    "--format", fmt, "-o", str(out)],
                             env={"WILDTRACE_OPERATOR": "investigator-7"})
    assert res.exit_code == 0, res.output
    entry = env.ws.store.audit.entries(user="investigator-7", action="export")[0]
    assert entry.object_id == kind and entry.detail["via"] == "cli"
    assert entry.detail["path"] == str(out.resolve())
