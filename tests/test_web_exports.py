"""Exports over HTTP: the registry's kinds, downloads that match the CLI's files, roles,
and the audit entry every download leaves."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from web_seed import WebEnv, make_env

from wildtrace.cli import main


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebEnv]:
    e = make_env(tmp_path_factory.mktemp("exports") / "ws")
    yield e
    e.ws.close()


def test_kinds_and_formats_are_the_registry(env: WebEnv) -> None:
    resp = env.client().get("/api/exports", headers=env.token("ana"))
    assert resp.status_code == 200
    kinds = {k["kind"]: k["formats"] for k in resp.json()}
    assert kinds == {"listings": ["jsonl", "csv"], "venues": ["csv", "jsonl"],
                     "evidence": ["wacz"], "graph": ["gexf", "graphml", "csv"],
                     "prices": ["csv", "parquet"], "volume": ["csv", "parquet"]}
    assert all(k["help"] for k in resp.json())


def test_listings_download_is_the_cli_file(env: WebEnv, tmp_path: Path) -> None:
    resp = env.client().get("/api/exports/listings?format=jsonl", headers=env.token("ana"))
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/x-ndjson")
    assert 'attachment; filename="listings.jsonl"' in resp.headers["content-disposition"]
    rows = [json.loads(line) for line in resp.text.splitlines()]
    assert len(rows) == 4 and {r["seller"] for r in rows} >= {"ivorytrader88", "hornking"}
    out = tmp_path / "l.jsonl"
    res = CliRunner().invoke(main, ["--workspace", str(env.ws.root), "export", "listings",
                                    "--format", "jsonl", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_bytes() == resp.content


def test_a_download_of_several_files_is_one_zip(env: WebEnv) -> None:
    resp = env.client().get("/api/exports/graph?format=csv", headers=env.token("root"))
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(resp.content)) as zf:
        assert sorted(zf.namelist()) == ["graph.csv", "graph.nodes.csv"]
        assert zf.read("graph.csv").startswith(b"source,target,kind,weight")


def test_viewers_are_refused_and_anonymous_callers_unauthorised(env: WebEnv) -> None:
    c = env.client()
    for path in ("/api/exports", "/api/exports/listings?format=csv"):
        assert c.get(path, headers=env.token("vic")).status_code == 403
        assert c.get(path).status_code == 401


def test_unknown_kind_and_format_answer_in_the_error_shape(env: WebEnv) -> None:
    c = env.client()
    h = env.token("ana")
    resp = c.get("/api/exports/nothing?format=csv", headers=h)
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "not_found"
    resp = c.get("/api/exports/listings?format=xlsx", headers=h)
    assert resp.status_code == 400
    assert "formats: jsonl, csv" in resp.json()["error"]["hint"]
    resp = c.get("/api/exports/evidence?format=wacz", headers=h)
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "evidence_missing"


def test_each_download_is_audited_with_what_it_held(env: WebEnv) -> None:
    c = env.client()
    assert c.get("/api/exports/listings?format=csv", headers=env.token("ana")).status_code \
        == 200
    (entry,) = [e for e in env.ws.store.audit.entries(user="ana", action="export", limit=20)
                if e.object_kind == "export" and e.detail["format"] == "csv"]
    assert entry.object_id == "listings" and entry.detail["count"] == 4
    assert not env.ws.store.audit.entries(user="vic", action="export")
