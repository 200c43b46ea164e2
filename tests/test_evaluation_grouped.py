"""Honest evaluation: near-duplicate groups, grouped folds, breakdowns, cross-set."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from wildtrace.app.evaluation import near_duplicate_groups
from wildtrace.assess.batch import Analysis
from wildtrace.assess.evaluation import (
    breakdown,
    cross_validate,
    folds,
    metrics_per_row_threshold,
)
from wildtrace.cli import main
from wildtrace.records import Identification

WORDS = ("amber bronze cedar delta ember fjord garnet harbor indigo jasper kelp lunar "
         "maple nectar onyx pepper quartz raven sable tundra umber velvet willow yarrow "
         "zephyr basalt cobalt dune flint glacier").split()


def _advert(k: int) -> str:
    # A distinct advert per k: its own words, so two adverts share few 5-grams.
    rng = np.random.default_rng(k)
    return " ".join(rng.choice(WORDS, size=9, replace=False)) + f" lot {k}"


def _reposts(n_groups: int = 36, copies: int = 4) -> tuple[list[str], np.ndarray,
                                                             np.ndarray]:
    """Each advert reposted ``copies`` times with another price; labels are random per
    advert, so nothing but memory of a repost can predict them."""
    rng = np.random.default_rng(7)
    labels = rng.permutation([1] * (n_groups // 2) + [0] * (n_groups - n_groups // 2))
    texts, y, truth = [], [], []
    for g in range(n_groups):
        for c in range(copies):
            texts.append(f"{_advert(g)} price {10 + 7 * c} usd")
            y.append(labels[g])
            truth.append(g)
    return texts, np.array(y), np.array(truth)


def _blank(n: int) -> list[Identification]:
    return [Identification((), (), (), "", ()) for _ in range(n)]


def _zero_prior(a: Analysis) -> np.ndarray:
    return np.zeros(len(a))


def test_near_duplicate_groups_join_reposts_only() -> None:
    texts, _, truth = _reposts(12, 3)
    texts += ["Shark jaw", "shark   JAW", "Tiger tooth"]  # short: exact repeats only
    g = near_duplicate_groups(texts)
    n = len(truth)
    for a in range(n):
        for b in range(n):
            assert (g[a] == g[b]) == (truth[a] == truth[b]), (texts[a], texts[b])
    assert g[n] == g[n + 1] and g[n + 2] not in (g[n], *g[:n])
    assert len(near_duplicate_groups([])) == 0


def test_grouped_folds_never_split_a_group() -> None:
    texts, y, truth = _reposts()
    for tr, te in folds(y, 5, groups=truth, seed=3):
        assert not set(truth[tr]) & set(truth[te])
    # Without groups the reposts do straddle folds (what made plain k-fold optimistic).
    assert any(set(truth[tr]) & set(truth[te]) for tr, te in folds(y, 5, seed=3))


def test_grouped_cv_does_not_reward_memorised_reposts() -> None:
    texts, y, truth = _reposts()
    a = Analysis(texts, _blank(len(texts)))
    p, thr = cross_validate(a, y, _zero_prior, k=4, use_embeddings=False)
    plain = metrics_per_row_threshold(y, p, thr)
    p, thr = cross_validate(a, y, _zero_prior, k=4, use_embeddings=False, groups=truth)
    grouped = metrics_per_row_threshold(y, p, thr)
    # Labels are random per advert: plain folds see each repost's siblings and "predict"
    # it; grouped folds cannot, and land near chance.
    assert plain.f1 > 0.9
    assert grouped.average_precision is not None and grouped.average_precision < 0.8
    assert grouped.f1 < plain.f1 - 0.2


def test_breakdown_counts_each_key() -> None:
    y = np.array([1, 1, 0, 0, 1, 0])
    p = np.array([0.9, 0.2, 0.7, 0.1, 0.8, 0.3])
    parts = breakdown(y, p, 0.5, ["en", "en", "en", "vi", "vi", ""])
    assert list(parts) == ["en", "vi", "(none)"]
    en, vi, none = parts["en"], parts["vi"], parts["(none)"]
    assert (en.tp, en.fp, en.fn, en.tn) == (1, 1, 1, 0)
    assert (vi.tp, vi.fp, vi.fn, vi.tn) == (1, 0, 0, 1) and vi.f1 == 1.0
    assert none.n == 1 and none.tn == 1 and none.average_precision is None
    # A per-row threshold (cross-validation's) is honoured row by row.
    parts = breakdown(y, p, np.array([0.95, 0.1, 0.5, 0.5, 0.5, 0.5]), ["x"] * 6)
    assert (parts["x"].tp, parts["x"].fn) == (2, 1)


POS = ["Real tiger shark jaw {n} inch, genuine taxidermy specimen",
       "Genuine python skin leather wallet, size {n}",
       "Antique carved elephant ivory figure, {n} cm, for sale",
       "Real crocodile skull specimen {n} cm, bone",
       "Mako shark teeth lot of {n}, real"]
NEG = ["Plush shark toy for kids {n} inch",
       "Car roof shark fin antenna model {n}",
       "Tiger postage stamp {n} MNH",
       "Ivory colour wedding dress size {n}",
       "Replica resin skull cast {n} cm"]


# The other file's wording: the same kinds of item, written differently.
POS_B = ["{n} cm crocodile skull, real bone, specimen", "shark jaw real {n}in taxidermy",
         "carved ivory figure antique {n} cm genuine", "python skin belt leather {n}",
         "real mako shark tooth x{n}"]
NEG_B = ["shark plush toy {n}in soft kids", "tiger stamp set {n} mint",
         "resin replica skull {n}cm cast", "wedding dress ivory colour {n}",
         "shark fin antenna car {n}"]


def _write(path: Path, rows: int, column: str = "title", other: bool = False) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([column, "label", "kind"])
        for i in range(rows):
            for tpl in POS_B if other else POS:
                w.writerow([tpl.format(n=i + 3), 1, "offer"])
            for tpl in NEG_B if other else NEG:
                w.writerow([tpl.format(n=i + 3), 0, "look-alike"])
    return path


def _run(ws: Path, *args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, ["--workspace", str(ws), *args])
    return res.exit_code, res.output


def test_evaluate_grouped_cv_breakdowns_and_cross_set(tmp_path: Path) -> None:
    data = _write(tmp_path / "a.csv", 4)
    other = _write(tmp_path / "b.csv", 3, column="text", other=True)
    ws = tmp_path / "ws"
    code, out = _run(ws, "evaluate", str(data), "--text-column", "title", "--label-column",
                     "label", "--cv", "3", "--by", "kind", "--by", "language", "--json",
                     "--no-plots")
    assert code == 0, out
    res = json.loads(out)
    assert res["mode"] == "cv3" and res["grouping"] == "near-duplicates"
    assert 0 < res["groups"] <= 40 and res["n"] == 40
    kinds = res["breakdowns"]["kind"]
    assert set(kinds) == {"offer", "look-alike"}
    assert kinds["offer"]["tp"] + kinds["offer"]["fn"] == 20
    assert kinds["look-alike"]["tp"] == 0 and kinds["look-alike"]["fn"] == 0
    assert sum(v["n"] for v in res["breakdowns"]["language"].values()) == 40
    # Cross-set: train on b.csv (its own column), test on a.csv.
    code, out = _run(ws, "evaluate", str(data), "--text-column", "title", "--label-column",
                     "label", "--train-on", str(other), "--train-text-column", "text",
                     "--json", "--no-plots")
    assert code == 0, out
    res = json.loads(out)
    assert res["mode"] == "cross-set" and res["trained_on"].endswith("b.csv")
    assert res["n"] + res["left_out_near_duplicates"] == 40 and res["f1"] > 0.8
    # Plain text output names the grouping.
    code, out = _run(ws, "evaluate", str(data), "--text-column", "title", "--label-column",
                     "label", "--cv", "3", "--group-by", "none", "--no-plots")
    assert code == 0 and "F1" in out and "not grouped" in out


@pytest.mark.parametrize("extra, message", [
    (["--cv", "3", "--group-by", "seller"], "seller"),
    (["--by", "country"], "country"),
    (["--cv", "3", "--train-on", "x.csv"], "--train-on"),
    (["--train-text-column", "text"], "--train-on"),
])
def test_evaluate_bad_options_name_the_problem(tmp_path: Path, extra: list[str],
                                               message: str) -> None:
    data = _write(tmp_path / "a.csv", 2)
    code, out = _run(tmp_path / "ws", "evaluate", str(data), "--text-column", "title",
                     "--label-column", "label", "--no-plots", *extra)
    assert code == 1 and message in out and "Traceback" not in out
