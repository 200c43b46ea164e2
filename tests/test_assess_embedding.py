"""Sentence embeddings (the [embed] extra): skipped where the extra is not installed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from wildtrace.assess.embedding import embeddings_available, embeddings_wanted
from wildtrace.config import load


def test_setting_off_disables_embeddings() -> None:
    assert embeddings_wanted(load(env={"WILDTRACE_EMBEDDINGS": "off"})) is False


@pytest.mark.slow
@pytest.mark.skipif(not embeddings_available(), reason="the [embed] extra is not installed")
def test_embeddings_rank_offers_above_look_alikes(tmp_path: Path) -> None:
    from wildtrace.assess import prototypes
    from wildtrace.assess.embedding import load_embedder
    from wildtrace.assess.zeroshot import ZeroShot

    enc = load_embedder()
    vecs = enc.encode(["Genuine great white shark jaw for sale", "shark plush toy"])
    assert vecs.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    again = enc.encode(["shark plush toy"])
    np.testing.assert_allclose(again[0], vecs[1], atol=1e-6)  # cached, identical
    margins = ZeroShot(enc).margins(vecs)
    assert margins[0] > margins[1]
    assert len(prototypes.POSITIVE) >= 20 and len(prototypes.NEGATIVE) >= 20
    # The disk cache answers once memory has forgotten.
    enc.attach_cache(tmp_path / "cache" / "embeddings.sqlite")
    first = enc.encode(["a real leopard skin rug"])
    enc._cache.clear()
    with sqlite3.connect(tmp_path / "cache" / "embeddings.sqlite") as conn:
        assert conn.execute("SELECT count(*) FROM emb").fetchone()[0] == 1
    np.testing.assert_allclose(enc.encode(["a real leopard skin rug"]), first, atol=1e-6)
