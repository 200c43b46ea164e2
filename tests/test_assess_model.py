"""The trained linear model, model files, calibration and cross-validation."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from wildtrace.assess import linear, modelfile
from wildtrace.assess.batch import Analysis
from wildtrace.assess.evaluation import (
    cross_validate,
    metrics,
    metrics_per_row_threshold,
    save_plots,
    worst_errors,
)
from wildtrace.errors import InputError, ModelError
from wildtrace.records import Identification

POS_ITEMS = ["shark jaw", "crocodile skull", "python skin wallet", "ivory carving",
             "deer antlers", "tortoiseshell comb"]
NEG_ITEMS = ["shark plush toy", "tiger postage stamp", "car fin antenna", "ivory dress",
             "dinosaur figurine", "leopard print poster"]
FRAMES = ["Real {} for sale", "{} genuine, ships fast", "Rare {} great condition",
          "Vintage {} collectors item", "{} - buy now"]


def _blank(n: int) -> list[Identification]:
    # Identification records with no findings: the text block must do the work here.
    return [Identification((), (), (), "", ()) for _ in range(n)]


def _data() -> tuple[Analysis, np.ndarray]:
    texts, labels = [], []
    for (item, label), frame in itertools.product(
            [(i, 1) for i in POS_ITEMS] + [(i, 0) for i in NEG_ITEMS], FRAMES):
        texts.append(frame.format(item))
        labels.append(label)
    return Analysis(texts, _blank(len(texts))), np.array(labels)


def _zero_prior(a: Analysis) -> np.ndarray:
    return np.zeros(len(a))


def test_fit_separates_and_is_calibrated() -> None:
    analysis, y = _data()
    model, oof = linear.fit(analysis, y, _zero_prior, use_embeddings=False)
    p = model.proba(analysis, _zero_prior)
    assert ((p >= 0) & (p <= 1)).all() and ((oof >= 0) & (oof <= 1)).all()
    assert metrics(y, p, model.threshold).f1 > 0.9
    assert 0.1 <= model.threshold <= 0.9
    # Unseen wording of a seen item leans the right way.
    new = Analysis(["genuine crocodile skull, real bone", "cute shark plush toy for kids"],
                   _blank(2))
    q = model.proba(new, _zero_prior)
    assert q[0] > q[1]


def test_fit_needs_both_classes() -> None:
    analysis, y = _data()
    with pytest.raises(InputError, match="at least 2 relevant"):
        linear.fit(analysis, np.ones_like(y), _zero_prior, use_embeddings=False)


def test_model_file_round_trip_and_versioning(tmp_path: Path) -> None:
    analysis, y = _data()
    model, _ = linear.fit(analysis, y, _zero_prior, use_embeddings=False)
    model.meta.update({"data_sha256": modelfile.data_hash(analysis.texts, y),
                       "created": "2026-01-02T03:04:05+00:00", "n": len(y),
                       "metrics": {"out_of_fold": {"f1": 0.9}}, "source": "test"})
    path = modelfile.save(model, tmp_path / "m.wtmodel")
    again = modelfile.load(path)
    assert again.version == model.version and model.meta["data_sha256"][:12] in model.version
    np.testing.assert_allclose(again.proba(analysis, _zero_prior),
                               model.proba(analysis, _zero_prior), rtol=1e-5)
    filed = modelfile.file_in_workspace(tmp_path / "models", path)
    assert filed.exists() and filed.parent.name == "models"
    index = modelfile.list_models(tmp_path / "models")
    assert index[-1]["data_sha256"] == model.meta["data_sha256"]
    assert index[-1]["metrics"]["out_of_fold"]["f1"] == 0.9
    assert modelfile.latest_model(tmp_path / "models") == filed


def test_data_hash_depends_on_texts_and_labels() -> None:
    h = modelfile.data_hash(["a", "b"], [1, 0])
    assert h != modelfile.data_hash(["a", "b"], [0, 1])
    assert h != modelfile.data_hash(["a", "c"], [1, 0])
    assert h == modelfile.data_hash(["a", "b"], [1, 0])


def test_corrupt_or_foreign_model_files_are_model_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wtmodel"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="not a wildtrace model"):
        modelfile.load(bad)
    with pytest.raises(ModelError, match="not found"):
        modelfile.load(tmp_path / "missing.wtmodel")
    other = tmp_path / "other.wtmodel"
    with other.open("wb") as fh:
        np.savez(fh, idx=np.zeros(0, dtype=np.int64), val=np.zeros(0, dtype=np.float32),
                 header=np.array(json.dumps({"kind": "something-else", "format": 9})))
    with pytest.raises(ModelError, match="not supported"):
        modelfile.load(other)


def test_embedding_model_refuses_to_run_without_embeddings() -> None:
    analysis, y = _data()
    emb = np.random.default_rng(0).normal(size=(len(y), 8)).astype(np.float32)
    with_emb = Analysis(analysis.texts, analysis.idents, emb)
    model, _ = linear.fit(with_emb, y, _zero_prior, use_embeddings=True)
    assert model.version.endswith("+emb")
    with pytest.raises(ModelError, match="embeddings"):
        model.proba(analysis, _zero_prior)


def test_cross_validation_is_out_of_fold() -> None:
    analysis, y = _data()
    p, thr = cross_validate(analysis, y, _zero_prior, k=3, use_embeddings=False)
    assert p.shape == y.shape and ((p >= 0) & (p <= 1)).all()
    m = metrics_per_row_threshold(y, p, thr)
    assert m.n == len(y) and m.tp + m.fn == int(y.sum())
    # Shuffled labels carry no signal: out-of-fold scores must not look perfect.
    rng = np.random.default_rng(1)
    noise = rng.permutation(y)
    p2, thr2 = cross_validate(analysis, noise, _zero_prior, k=3, use_embeddings=False)
    assert metrics_per_row_threshold(noise, p2, thr2).f1 < 0.9
    with pytest.raises(InputError):
        cross_validate(analysis, y, _zero_prior, k=1, use_embeddings=False)


def test_metrics_and_worst_errors() -> None:
    y = np.array([1, 1, 0, 0, 1])
    p = np.array([0.9, 0.2, 0.8, 0.1, 0.6])
    m = metrics(y, p, 0.5)
    assert (m.tp, m.fp, m.fn, m.tn) == (2, 1, 1, 1)
    assert m.as_dict()["precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert m.as_dict()["f1"] == pytest.approx(2 / 3, abs=1e-4)
    worst = worst_errors(["a", "b", "c", "d", "e"], y, p, limit=5)
    assert [w["row"] for w in worst] == [1, 2]


def test_plots_are_png(tmp_path: Path) -> None:
    y = np.array([1, 0, 1, 0, 1, 0])
    p = np.array([0.9, 0.3, 0.7, 0.4, 0.2, 0.1])
    paths = save_plots(y, p, 0.5, tmp_path / "ev", "test")
    assert [x.name for x in paths] == ["ev-pr.png", "ev-calibration.png"]
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
