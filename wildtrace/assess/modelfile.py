"""Model files: save and load trained models, and keep versions in the workspace.

A model file is a NumPy ``.npz`` archive read with ``allow_pickle=False``, so opening a
model someone sent you cannot run code. It holds the non-zero weights, the calibration,
and a JSON header with provenance: the SHA-256 of the training data, the metrics, the
date, the versions of identify and the featuriser. ``train`` also files a copy in the
workspace's ``models/`` folder under its version, next to ``models/index.jsonl``.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from wildtrace.assess.linear import FORMAT, KIND, LinearModel
from wildtrace.assess.textfeatures import featuriser_for
from wildtrace.collect.compression import check_zip
from wildtrace.errors import FormatError, ModelError

SUFFIX = ".wtmodel"
INDEX = "index.jsonl"


def data_hash(texts: Sequence[str], labels: Iterable[int]) -> str:
    """SHA-256 of the training rows (label, tab, text; in order)."""
    h = hashlib.sha256()
    for text, label in zip(texts, labels, strict=True):
        h.update(f"{int(label)}\t".encode())
        h.update(text.encode("utf-8", "surrogatepass"))
        h.update(b"\n")
    return h.hexdigest()


def save(model: LinearModel, path: Path) -> Path:
    """Write ``model`` to ``path`` (created or replaced atomically)."""
    nz = np.flatnonzero(model.coef)
    header = {
        "kind": KIND, "format": FORMAT, "version": model.version,
        "intercept": model.intercept, "platt_a": model.platt_a, "platt_b": model.platt_b,
        "threshold": model.threshold, "use_embeddings": model.use_embeddings,
        "scales": list(model.scales),
        "n_columns": int(model.coef.shape[0]), "featuriser": model.featuriser.version,
        "n_features": model.featuriser.n_features, **model.meta,
    }
    buf = io.BytesIO()
    np.savez_compressed(buf, idx=nz.astype(np.int64), val=model.coef[nz].astype(np.float32),
                        header=np.array(json.dumps(header, ensure_ascii=False)))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_bytes(buf.getvalue())
        tmp.replace(path)
    except OSError as exc:
        raise ModelError(f"cannot write model file {path}: {exc.strerror}") from exc
    return path


def read_header(path: Path) -> dict[str, Any]:
    """The JSON header of a model file, without loading the weights."""
    return _open(path)[0]


def _open(path: Path) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    if not path.is_file():
        raise ModelError(f"model file not found: {path}",
                         hint="train one with 'wildtrace train' or list them with "
                              "'wildtrace models'")
    try:
        check_zip(path)  # an .npz is a zip: refuse one that would inflate past 1 GiB
        with np.load(path, allow_pickle=False) as z:
            header = json.loads(str(z["header"]))
            idx, val = z["idx"], z["val"]
    except FormatError as exc:
        raise ModelError(f"{path} is not a wildtrace model file ({exc.reason})") from exc
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
        raise ModelError(f"{path} is not a wildtrace model file ({exc})") from exc
    if header.get("kind") != KIND or header.get("format") != FORMAT:
        raise ModelError(f"{path}: model kind {header.get('kind')!r} format "
                         f"{header.get('format')!r} is not supported by this version",
                         hint="retrain it with 'wildtrace train'")
    return header, idx, val


def load(path: Path) -> LinearModel:
    """Read a model file written by :func:`save`."""
    header, idx, val = _open(path)
    try:
        n_cols = int(header["n_columns"])
        try:
            # Each featuriser version stays available, so an older model scores exactly
            # as it did when it was trained.
            featuriser = featuriser_for(str(header.get("featuriser")),
                                        int(header["n_features"]))
        except KeyError:
            raise ModelError(f"{path}: made with featuriser {header.get('featuriser')}, "
                             "which this version does not have", hint="retrain it") from None
        coef = np.zeros(n_cols, dtype=np.float32)
        if len(idx) and (idx.min() < 0 or idx.max() >= n_cols):
            raise ModelError(f"{path}: weight index out of range; the file is corrupt")
        coef[idx] = val
        fixed = {"kind", "format", "version", "intercept", "platt_a", "platt_b", "threshold",
                 "use_embeddings", "scales", "n_columns", "featuriser", "n_features"}
        return LinearModel(coef=coef, intercept=float(header["intercept"]),
                           platt_a=float(header["platt_a"]), platt_b=float(header["platt_b"]),
                           threshold=float(header["threshold"]),
                           use_embeddings=bool(header["use_embeddings"]),
                           scales=_scales(header.get("scales", (0.5, 0.5, 1.0))),
                           featuriser=featuriser,
                           meta={k: v for k, v in header.items() if k not in fixed})
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"{path}: model header is incomplete ({exc})") from exc


def _scales(value: Any) -> tuple[float, float, float]:
    a, b, c = (float(v) for v in value)
    return (a, b, c)


def file_in_workspace(models_dir: Path, path: Path) -> Path:
    """Copy a saved model into ``models/`` under its version and append to the index."""
    header = read_header(path)
    stamp = str(header.get("created", "")).replace(":", "").replace("-", "")[:15]
    dest = models_dir / f"{stamp}-{str(header.get('data_sha256', ''))[:12]}{SUFFIX}"
    models_dir.mkdir(parents=True, exist_ok=True)
    if dest.resolve() != path.resolve():
        shutil.copyfile(path, dest)
    entry = {"file": dest.name, "version": header.get("version"),
             "created": header.get("created"), "data_sha256": header.get("data_sha256"),
             "n": header.get("n"), "metrics": header.get("metrics"),
             "source": header.get("source")}
    with (models_dir / INDEX).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return dest


def list_models(models_dir: Path) -> list[dict[str, Any]]:
    """The workspace's model index, oldest first (entries whose file is gone are kept)."""
    index = models_dir / INDEX
    if not index.exists():
        return []
    out = []
    for line in index.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        entry["present"] = (models_dir / str(entry.get("file", ""))).is_file()
        out.append(entry)
    return out


def latest_model(models_dir: Path) -> Path | None:
    """The newest model filed in the workspace, or None."""
    present = [e for e in list_models(models_dir) if e["present"]]
    return models_dir / present[-1]["file"] if present else None


def now_iso() -> str:
    """The current UTC time as an ISO 8601 string (seconds)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()
