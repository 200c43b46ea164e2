"""The tamper matrix of ``evidence verify``: the workspace of :mod:`tamper_seed`
verifies clean; each case then tampers with one thing, and ``wildtrace evidence verify
--json`` must fail with a message naming what and where (table and row id, SHA-256,
file). The same workspace on PostgreSQL runs a share of the cases."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from tamper_cases import CASES
from tamper_seed import Ctx, build, cli_report

from wildtrace.preserve.verify import verify
from wildtrace.workspace import open_workspace


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tamper") / "ws"
    build(root)
    return root


@pytest.fixture
def ctx(template: Path, tmp_path: Path) -> Iterator[Ctx]:
    root = tmp_path / "ws"
    shutil.copytree(template, root)
    ws = open_workspace(root)
    yield Ctx(ws)
    ws.close()


def test_clean_workspace_verifies(ctx: Ctx) -> None:
    code, report = cli_report(ctx.ws.root)
    assert code == 0 and report["ok"], report["problems"]
    c = report["checked"]
    assert c["captures"] == 7  # 4 crawled, 2 imported pages, 1 tip page
    # 4 crawled, 2 imported; the CSV row has no capture and the tip page is not extracted
    assert c["listings"] == 6 and c["listings_unhashed"] == 0
    assert c["tips"] == 1 and c["imported_files"] == 2
    assert c["custody_entries"] == c["custody_mirror_lines"]


def test_tip_is_captured_like_any_capture(ctx: Ctx) -> None:
    tip = ctx.rows("SELECT id, screenshot_sha256, capture_sha256, capture_status "
                   "FROM tips")[0]
    assert tip.capture_status == "captured"
    cap = ctx.rows("SELECT id, warc_file, warc_record_ids FROM captures WHERE method = "
                   "'tip'")[0]
    assert cap.warc_file.endswith(".warc.gz") and json.loads(cap.warc_record_ids)
    sealed = ctx.one("SELECT sealed_at FROM warc_files WHERE name = :n", n=cap.warc_file)
    assert sealed is not None
    actions = {r.action: r for r in ctx.rows("SELECT action, subject, sha256, detail FROM "
                                             "custody WHERE subject = :t OR detail LIKE :d",
                                             t=f"tip/{tip.id}", d='%"tip_id"%')}
    assert actions["tip_screenshot"].sha256 == tip.screenshot_sha256
    assert json.loads(actions["captured"].detail)["tip_id"] == tip.id


def test_the_matrix_is_large_enough() -> None:
    assert len(CASES) >= 35


@pytest.mark.parametrize("name", sorted(CASES))
def test_tampering_is_caught(ctx: Ctx, name: str) -> None:
    kind, says = CASES[name](ctx)
    root = ctx.ws.root
    ctx.ws.close()
    code, report = cli_report(root)
    assert code == 1 and not report["ok"]
    found = [f"{p['subject']} {p['detail']}" for p in report["problems"]
             if p["kind"] == kind]
    assert any(says in f for f in found), (says, report["problems"])


def test_verify_report_matches_the_cli(ctx: Ctx) -> None:
    assert verify(ctx.ws)["ok"]


PG_CASES = ["listing_title_edited", "listing_pointed_at_another_capture",
            "screenshots_swapped", "body_row_pointed_at_another_blob", "capture_deleted",
            "custody_entry_deleted", "mirror_lines_reordered", "tip_screenshot_swapped",
            "imported_warc_blob_deleted", "warc_row_deleted"]


@pytest.mark.postgres
@pytest.mark.parametrize("name", PG_CASES)
def test_tampering_is_caught_on_postgres(tmp_path: Path, pg_url: str, name: str) -> None:
    settings = {"database_url": pg_url}
    build(tmp_path / "pgws", settings)
    ws = open_workspace(tmp_path / "pgws", overrides=settings)
    try:
        assert verify(ws)["ok"], verify(ws)["problems"]
        kind, says = CASES[name](Ctx(ws))
        report = verify(ws)
        found = [f"{p['subject']} {p['detail']}" for p in report["problems"]
                 if p["kind"] == kind]
        assert any(says in f for f in found), (says, report["problems"])
    finally:
        ws.close()
