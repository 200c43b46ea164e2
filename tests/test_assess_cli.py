"""The score / train / evaluate / review-order / models commands (contract of DESIGN.md)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from wildtrace.cli import main

POS = ["Real tiger shark jaw {n} inch, genuine taxidermy specimen",
       "Genuine python skin leather wallet, size {n}",
       "Antique carved elephant ivory figure, {n} cm, for sale",
       "Real crocodile skull specimen {n} cm",
       "Mako shark teeth lot of {n}, real"]
NEG = ["Plush shark toy for kids {n} inch",
       "Car roof shark fin antenna model {n}",
       "Tiger postage stamp {n} MNH",
       "Ivory colour wedding dress size {n}",
       "Replica resin skull cast {n} cm"]
CONTRACT = ["wt_relevant", "wt_score", "wt_taxa", "wt_cites", "wt_flags"]


def _write(path: Path, n_each: int = 4) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "title", "description", "label"])
        k = 0
        for i in range(n_each):
            for tpl in POS:
                k += 1
                w.writerow([k, tpl.format(n=i + 3), "ships worldwide" if i % 2 else "", 1])
            for tpl in NEG:
                k += 1
                w.writerow([k, tpl.format(n=i + 3), "", 0])
    return path


@pytest.fixture
def labelled(tmp_path: Path) -> Path:
    return _write(tmp_path / "labelled.csv")


def _run(ws: Path, *args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, ["--workspace", str(ws), *args])
    return res.exit_code, res.output


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_score_writes_contract_columns(tmp_path: Path, labelled: Path) -> None:
    out = tmp_path / "out.csv"
    code, output = _run(tmp_path / "ws", "score", str(labelled), "--text-column", "title",
                        "-o", str(out))
    assert code == 0, output
    rows = _rows(out)
    assert len(rows) == 40
    assert set(CONTRACT) <= set(rows[0]) and {"id", "title", "label"} <= set(rows[0])
    for r in rows:
        assert r["wt_relevant"] in ("0", "1")
        assert 0.0 <= float(r["wt_score"]) <= 1.0
        assert r["wt_cites"] in ("", "I", "II", "III")
    ivory = [r for r in rows if "elephant ivory" in r["title"]]
    assert all(r["wt_cites"] == "I" and r["wt_taxa"] for r in ivory)
    stamps = [r for r in rows if "stamp" in r["title"]]
    assert all(r["wt_relevant"] == "0" for r in stamps)


def test_score_repeatable_text_column_and_bad_column(tmp_path: Path, labelled: Path) -> None:
    out = tmp_path / "out.csv"
    code, output = _run(tmp_path / "ws", "score", str(labelled), "--text-column", "title",
                        "--text-column", "description", "-o", str(out), "--json")
    assert code == 0, output
    assert json.loads(output.strip().splitlines()[-1])["rows"] == 40
    code, output = _run(tmp_path / "ws", "score", str(labelled), "--text-column", "nope",
                        "-o", str(out))
    assert code == 1 and "nope" in output and "Traceback" not in output


def test_train_versions_model_and_score_with_it(tmp_path: Path, labelled: Path) -> None:
    ws = tmp_path / "ws"
    model = tmp_path / "m.wtmodel"
    code, output = _run(ws, "train", str(labelled), "--text-column", "title",
                        "--label-column", "label", "-o", str(model), "--json")
    assert code == 0, output
    res = json.loads(output.strip().splitlines()[-1])
    assert model.exists() and Path(res["filed"]).parent == ws / "models"
    assert {"n", "precision", "recall", "f1"} <= set(res["metrics"])
    code, output = _run(ws, "models", "--json")
    entries = json.loads(output)
    assert entries[-1]["version"] == res["version"] and len(entries[-1]["data_sha256"]) == 64
    assert entries[-1]["created"] and entries[-1]["metrics"]["out_of_fold"]["n"] == 40
    out = tmp_path / "scored.csv"
    code, output = _run(ws, "score", str(labelled), "--text-column", "title", "--model",
                        str(model), "-o", str(out))
    assert code == 0, output
    rows = _rows(out)
    agree = sum(r["wt_relevant"] == r["label"] for r in rows)
    assert agree >= 36
    code, output = _run(ws, "score", str(labelled), "--text-column", "title", "--model",
                        str(tmp_path / "missing.wtmodel"), "-o", str(out))
    assert code == 1 and "not found" in output


def test_evaluate_json_shape_and_cv(tmp_path: Path, labelled: Path) -> None:
    ws = tmp_path / "ws"
    code, output = _run(ws, "evaluate", str(labelled), "--text-column", "title",
                        "--label-column", "label", "--json", "--plots",
                        str(tmp_path / "ev"))
    assert code == 0, output
    res = json.loads(output)
    assert {"n", "precision", "recall", "f1"} <= set(res) and res["n"] == 40
    assert res["mode"] == "zeroshot"
    assert all(Path(p).read_bytes()[:4] == b"\x89PNG" for p in res["plots"])
    code, output = _run(ws, "evaluate", str(labelled), "--text-column", "title",
                        "--label-column", "label", "--cv", "3", "--json", "--no-plots")
    assert code == 0, output
    cv = json.loads(output)
    assert cv["mode"] == "cv3" and cv["n"] == 40 and 0.0 <= cv["f1"] <= 1.0
    assert cv["tp"] + cv["fn"] == 20
    code, output = _run(ws, "evaluate", str(labelled), "--text-column", "title",
                        "--label-column", "missing", "--json")
    assert code == 1 and "missing" in output


def test_train_from_workspace_labels_and_review_order(tmp_path: Path, labelled: Path) -> None:
    ws_dir = tmp_path / "ws"
    code, output = _run(ws_dir, "import", str(labelled), "--json")
    assert code == 0, output
    code, output = _run(ws_dir, "train")
    assert code == 1 and "no labelled listings" in output
    from wildtrace.workspace import open_workspace

    ws = open_workspace(ws_dir)
    try:
        listings = list(ws.store.iter_listings())
        for x in listings[:24]:
            label = 0 if any(w in x.title.lower() for w in ("toy", "antenna", "stamp",
                                                             "dress", "replica")) else 1
            ws.store.add_label(x.id, label, "tester")
        labelled_ids = {x.id for x in listings[:24]}
    finally:
        ws.close()
    code, output = _run(ws_dir, "train", "--json")
    assert code == 0, output
    assert json.loads(output.strip().splitlines()[-1])["n"] == 24
    code, output = _run(ws_dir, "review-order", "--limit", "5", "--json")
    assert code == 0, output
    picks = json.loads(output)
    assert 0 < len(picks) <= 5
    assert not {p["id"] for p in picks} & labelled_ids
    assert all(0.0 <= p["score"] <= 1.0 and 0.0 <= p["risk"] <= 1.0 for p in picks)
