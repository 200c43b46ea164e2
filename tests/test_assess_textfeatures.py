"""The vectorised n-gram featuriser, and models trained with the first one still loading."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from wildtrace.assess import linear, modelfile, textfeatures
from wildtrace.assess.batch import Analysis
from wildtrace.assess.textfeatures import SklearnTextFeaturiser, TextFeaturiser
from wildtrace.records import Identification

TEXTS = ["Real tiger shark jaw 14 inch, genuine taxidermy",
         "",
         "象牙 雕刻 for sale, DM @dealer https://x.example/a",
         "i.v.o.r.y bangle – 1vory – ivory-colour dress",
         "a",
         "Ngà voi thật, bán gấp; liên hệ Zalo 0901234567",
         "   spaced    out\ttext\nwith lines  "]


def test_blocks_are_l2_normalised_and_empty_text_is_zero() -> None:
    f = TextFeaturiser(2**12)
    x = f.transform(TEXTS)
    assert x.shape == (len(TEXTS), f.width) and x.dtype == np.float32
    half = f.n_features
    for i, text in enumerate(TEXTS):
        row = x[i].toarray().ravel()
        if not text.strip():
            assert not row.any()
            continue
        assert np.isclose(np.linalg.norm(row[:half]), 1.0, atol=1e-5)
        assert np.isclose(np.linalg.norm(row[half:]), 1.0, atol=1e-5)
    assert f.transform([]).shape == (0, f.width)


def test_a_row_does_not_depend_on_its_batch_or_chunking(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    f = TextFeaturiser()
    together = f.transform(TEXTS).toarray()
    alone = np.vstack([f.transform([t]).toarray() for t in TEXTS])
    assert np.array_equal(together, alone)
    monkeypatch.setattr(textfeatures, "CHUNK_CHARS", 40)
    assert np.array_equal(f.transform(TEXTS).toarray(), together)


def test_same_ngrams_as_the_first_featuriser() -> None:
    # Same n-gram definitions as scikit-learn's word 1-2-grams and char_wb 3-5-grams:
    # per text, the same number of distinct features in each block (2^20 columns make
    # a hash collision within one short text practically impossible).
    new, old = TextFeaturiser(2**20), SklearnTextFeaturiser(2**20)
    texts = [t for t in TEXTS if len(t.strip()) > 1]
    a, b = new.transform(texts), old.transform(texts)
    for i in range(len(texts)):
        ra, rb = a[i].indices, b[i].indices
        assert (ra < 2**20).sum() == (rb < 2**20).sum(), texts[i]
        assert (ra >= 2**20).sum() == (rb >= 2**20).sum(), texts[i]


def test_features_tell_texts_apart() -> None:
    f = TextFeaturiser()
    x = f.transform(["shark jaw real", "jaw shark real", "plush shark toy"])
    sim = (x @ x.T).toarray() / 2  # two unit blocks per row
    assert sim[0, 1] < 0.999  # word order counts (bigrams), ...
    assert sim[0, 1] > sim[0, 2]  # ... but shared words count more


def _blank(n: int) -> list[Identification]:
    return [Identification((), (), (), "", ()) for _ in range(n)]


def _zero(a: Analysis) -> np.ndarray:
    return np.zeros(len(a))


def test_model_with_the_first_featuriser_still_loads_and_scores(tmp_path: Path) -> None:
    texts = [f"real shark jaw {i} inch" for i in range(10)] + \
            [f"plush shark toy {i} inch" for i in range(10)]
    y = np.array([1] * 10 + [0] * 10)
    a = Analysis(texts, _blank(len(texts)))
    model, _ = linear.fit(a, y, _zero, use_embeddings=False)
    assert model.featuriser.version == "hash-w12-c35-v2"
    old = linear.LinearModel(coef=model.coef, intercept=model.intercept,
                             platt_a=model.platt_a, platt_b=model.platt_b,
                             threshold=model.threshold, use_embeddings=False,
                             scales=model.scales, featuriser=SklearnTextFeaturiser())
    for m, version in ((model, "hash-w12-c35-v2"), (old, "hash-w12-c35-v1")):
        path = modelfile.save(m, tmp_path / f"{version}.wtmodel")
        back = modelfile.load(path)
        assert back.featuriser.version == version
        assert np.allclose(back.proba(a, _zero), m.proba(a, _zero))
    assert (model.proba(a, _zero)[:10] > model.threshold).all()
