"""The identify commands: explain a stored listing, reference info, reference match."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from wildtrace.cli import main
from wildtrace.records import ListingDraft
from wildtrace.store import content_key
from wildtrace.workspace import open_workspace


def _store(root: Path, *drafts: ListingDraft) -> list[int]:
    ws = open_workspace(root)
    try:
        ws.store.add_listings([(d, content_key(d)) for d in drafts])
        return [lst.id for lst in ws.store.iter_listings()]
    finally:
        ws.close()


def test_explain_json_shows_matches_and_reasons(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    ids = _store(root, ListingDraft(source="t", title="Antique ivory netsuke, pre-1947",
                                    description="DM for price", location="Leeds, England"))
    result = CliRunner().invoke(main, ["--workspace", str(root), "explain", str(ids[0]),
                                       "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["taxa"] == ["Elephantidae"] and doc["cites"] == "I"
    assert {"antique_claim", "covert"} <= set(doc["flags"])
    m = doc["matches"][0]
    assert doc["title"][m["start"]:m["end"]] == m["matched"]
    legal = doc["legality"]
    assert legal["jurisdiction"] == "UK"  # from the listing's location
    assert legal["verdict"] == "needs_permit"
    assert "uk.ivory_act.claimed_exemption" in legal["rules_fired"]


def test_explain_text_and_jurisdiction_option(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    ids = _store(root, ListingDraft(source="t", title="出售犀角杯 私聊"))
    result = CliRunner().invoke(main, ["--workspace", str(root), "explain", str(ids[0]),
                                       "--jurisdiction", "CN"])
    assert result.exit_code == 0, result.output
    assert "Rhinocerotidae" in result.output
    assert "verdict (CN): likely_illegal" in result.output
    assert "[cn.rhino_tiger]" in result.output


def test_explain_unknown_listing_is_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--workspace", str(tmp_path / "ws"), "explain", "999"])
    assert result.exit_code == 1
    assert "no listing with id 999" in result.output
    assert "Traceback" not in result.output


def test_reference_info_json(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--workspace", str(tmp_path / "ws"), "reference",
                                       "info", "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["taxa"] > 30_000
    langs = set(info["pack_names_by_language"]) | set(info["lexicon_terms_by_language"])
    assert {"en", "fr", "es", "de", "pt", "zh", "ja", "vi", "th", "id", "ms"} <= langs
    assert info["code_words_matched"] > 10
    assert info["load_seconds"] >= 0


def test_reference_match_uses_workspace_lexicon(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "lexicon.csv").write_text("term,taxon\nsnow flakes,Elephantidae\n",
                                      encoding="utf-8")
    result = CliRunner().invoke(main, ["--workspace", str(root), "reference", "match",
                                       "snow flakes carving", "--json",
                                       "--jurisdiction", "EU"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["taxa"] == ["Elephantidae"] and "code_word" in doc["flags"]
    assert doc["legality"]["jurisdiction"] == "EU"
