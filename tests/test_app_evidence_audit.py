"""``evidence verify`` checks the audit chain as well: an audit row edited behind
wildtrace's back (its append-only triggers dropped first) fails the verification,
naming the first broken entry, in JSON and in text."""

from __future__ import annotations

import json
import sqlite3

from click.testing import CliRunner

from wildtrace.cli import main
from wildtrace.workspace import Workspace


def test_evidence_verify_reports_a_tampered_audit_row(ws: Workspace) -> None:
    for i in range(4):
        ws.store.audit.record(f"user{i}", "view", "listing", i + 1, {"via": "api"})
    runner = CliRunner()
    args = ["--workspace", str(ws.root), "evidence", "verify"]
    ok = runner.invoke(main, [*args, "--json"])
    assert ok.exit_code == 0, ok.output
    audit = json.loads(ok.output)["audit"]
    assert audit["ok"] is True and audit["checked"] == 4 and audit["first_broken"] is None

    conn = sqlite3.connect(ws.root / "wildtrace.db", isolation_level=None)
    for name in ("audit_log_no_update", "audit_log_no_delete"):
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("UPDATE audit_log SET user = 'nobody' WHERE id = 3")
    conn.close()

    bad = runner.invoke(main, [*args, "--json"])
    assert bad.exit_code == 1, bad.output
    report = json.loads(bad.output)
    assert report["ok"] is False and report["problems"] == []
    assert report["audit"]["first_broken"] == 3
    assert report["audit"]["problems"][0]["entry"] == 3
    text = runner.invoke(main, args)
    assert text.exit_code == 1
    assert "FAIL audit: entry 3:" in text.output
    assert "audit chain: 4 entries, broken from entry 3" in text.output
