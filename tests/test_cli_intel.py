"""The anticipate-and-share commands end to end through the CLI: terms, rising, alerts,
watch and intel, on one small workspace."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from wildtrace.cli import main


def _run(ws: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--workspace", str(ws), *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.slow  # imports (language detection) and processes a workspace: ~30 s here
def test_commands_end_to_end(tmp_path: Path) -> None:
    pytest.importorskip("stix2")
    ws = tmp_path / "ws"
    rows = ["title,seller,url,posted"]
    rows += [f"moon porcelain bangle lot {k},s{k % 4},https://rao.vn/{k},2026-03-{k + 1:02d}"
             for k in range(8)]
    rows += [f"ngà voi vòng tay {k},t{k},https://rao.vn/n{k},2026-03-{k + 10:02d}"
             for k in range(4)]
    rows += [f"cotton shirt {k},u{k},https://shop.example/{k},2026-03-{k + 1:02d}"
             for k in range(10)]
    data = tmp_path / "in.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    _run(ws, "import", str(data))
    out = json.loads(_run(ws, "watch", "run", "--no-crawl", "--name", "imports",
                          "--every", "1h", "--json"))
    assert out["status"] == "ok" and out["detail"]["baseline"]["new"] == 22
    assert "imports: 1 runs, 1 ok, 0 failed" in _run(ws, "watch", "history")
    # analysts confirm the moon porcelain listings
    from wildtrace.workspace import open_workspace

    w = open_workspace(ws)
    for lid in range(1, 9):
        w.store.add_label(lid, 1, "ana")
    w.close()
    found = json.loads(_run(ws, "terms", "suggest", "--json"))
    assert "moon porcelain" in [c["term"] for c in found]
    assert "accepted 'moon porcelain'" in _run(ws, "terms", "accept", "moon porcelain",
                                               "--taxon", "Elephantidae")
    assert "accepted" in _run(ws, "terms", "decisions")
    bad = CliRunner().invoke(main, ["--workspace", str(ws), "terms", "accept", "x y",
                                    "--taxon", "Nonexistentia"])
    assert bad.exit_code == 1 and "unknown taxon" in bad.output
    _run(ws, "rising", "--json")
    added = _run(ws, "alerts", "add", "Ivory", "--rule", "appendix_i", "--email",
                 "ana@ngo.test")
    assert "unsubscribe token:" in added
    assert "appendix_i" in _run(ws, "alerts", "list")
    stix = tmp_path / "sel.json"
    _run(ws, "intel", "export", "--listing", "9", "--listing", "10", "--format", "stix",
         "-o", str(stix))
    other = tmp_path / "other"
    done = json.loads(_run(other, "intel", "import", str(stix), "--json"))
    assert done["imported"] == 2 and done["format"] == "stix"
