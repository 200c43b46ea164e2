"""The command line: workspace resolution, import, errors as one line, report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from wildtrace.cli import main
from wildtrace.records import Assessment, ListingDraft
from wildtrace.store import content_key
from wildtrace.workspace import open_workspace

XSS = ['<script>alert(1)</script>', '<img src=x onerror=alert(2)>',
       '<a href="javascript:alert(3)">x</a>', '<svg onload=alert(4)>']


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wildtrace", *args], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=120)


def test_workspace_flag_env_and_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    res = runner.invoke(main, ["--workspace", str(tmp_path / "a"), "init"])
    assert res.exit_code == 0 and (tmp_path / "a" / "wildtrace.toml").exists()
    res = runner.invoke(main, ["settings"], env={"WILDTRACE_WORKSPACE": str(tmp_path / "b")})
    assert res.exit_code == 0 and (tmp_path / "b" / "wildtrace.db").exists()
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(main, ["init"]).exit_code == 0
    assert (tmp_path / "wildtrace-data" / "evidence").is_dir()


def test_import_json_contract_and_idempotence(tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_text("title,price\nrhino horn,10\nbear bile,\nbroken,1,2\n")
    runner = CliRunner()
    args = ["--workspace", str(tmp_path / "w"), "import", str(f), "--json"]
    first = json.loads(runner.invoke(main, args).output)
    assert first["imported"] == 2 and first["duplicates"] == 0
    assert first["errors"] == [{"file": str(f), "row": 4, "reason": first["errors"][0]["reason"]}]
    second = json.loads(runner.invoke(main, args).output)
    assert (second["imported"], second["duplicates"]) == (0, 2)


def test_bad_input_is_one_line_exit_1_no_traceback(tmp_path: Path) -> None:
    binary = tmp_path / "bin.csv"
    binary.write_bytes(os.urandom(4000))
    ws = str(tmp_path / "w")
    for args in (["import", str(binary)], ["import", str(tmp_path / "missing.csv")],
                 ["import", str(binary), "--map", "x=y"]):
        res = _run("--workspace", ws, *args)
        assert res.returncode == 1, res
        assert "Traceback" not in res.stderr
        assert res.stderr.startswith("error: ") and res.stderr.count("\n") == 1
    res = _run("--workspace", ws, "import", str(binary))
    assert str(binary) in res.stderr


def test_bad_settings_file_is_a_clear_error(tmp_path: Path) -> None:
    ws = tmp_path / "w"
    ws.mkdir()
    (ws / "wildtrace.toml").write_text("delay = 'soon'\n")
    res = _run("--workspace", str(ws), "settings")
    assert res.returncode == 1 and "delay" in res.stderr and "Traceback" not in res.stderr


def test_report_escapes_hostile_listing_text(tmp_path: Path) -> None:
    ws = open_workspace(tmp_path / "w")
    drafts = [ListingDraft(source="<b>src</b>", title=p, description=p, url=f"javascript:{i}")
              for i, p in enumerate(XSS)]
    ws.store.add_listings([(d, content_key(d)) for d in drafts])
    run = ws.store.start_run("process", "t")
    ids = [x.id for x in ws.store.iter_listings()]
    ws.store.save_assessments(run, [(i, Assessment(True, 0.9, ("<i>Loxodonta</i>",), "I",
                                                   ("code_word",), ("<script>x</script>",),
                                                   "m", "t")) for i in ids])
    ws.close()
    out = tmp_path / "r.html"
    res = CliRunner().invoke(main, ["--workspace", str(tmp_path / "w"), "report", "-o", str(out)])
    assert res.exit_code == 0, res.output
    html = out.read_text()
    for payload in XSS + ["<b>src</b>", "<i>Loxodonta</i>", "<script>x</script>"]:
        assert payload not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html.lower()
    assert 'href="javascript' not in html
    assert "Flagged listings" in html and "Loxodonta" in html


def test_export_listings_jsonl_contract(tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_text("title,price,currency,seller\nrhino horn,10,USD,hm\n")
    runner = CliRunner()
    w = ["--workspace", str(tmp_path / "w")]
    assert runner.invoke(main, [*w, "import", str(f)]).exit_code == 0
    out = tmp_path / "l.jsonl"
    res = runner.invoke(main, [*w, "export", "listings", "--format", "jsonl", "-o", str(out)])
    assert res.exit_code == 0, res.output
    (obj,) = [json.loads(x) for x in out.read_text().splitlines()]
    need = {"id", "url", "title", "description", "price", "currency", "seller", "location",
            "posted", "language", "identifiers", "taxa", "cites", "relevant", "score", "flags",
            "capture_sha256"}
    assert need <= set(obj)
    assert (obj["price"], obj["currency"], obj["identifiers"]) == (10.0, "USD", [])
    res = runner.invoke(main, [*w, "export", "nothing", "--format", "x", "-o", str(out)])
    assert res.exit_code == 1 and "unknown export kind" in res.output
