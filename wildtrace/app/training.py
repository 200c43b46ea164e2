"""Training: ``wildtrace train`` (a relevance model from a labelled file or from the
analysts' labels in the workspace) and ``wildtrace models`` (the models filed so far).

Every trained model is filed in the workspace's ``models/`` folder with what it was
trained on (data hash, source, columns, versions) and its out-of-fold metrics, so
``process`` can pick the newest and a result can be traced to the model that made it.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wildtrace import __version__
from wildtrace.app.evaluation import near_duplicate_groups
from wildtrace.app.scoring import scorer_for
from wildtrace.assess import modelfile
from wildtrace.assess.dataset import read_table
from wildtrace.assess.evaluation import Metrics, metrics
from wildtrace.assess.linear import fit
from wildtrace.errors import InputError
from wildtrace.records import RowError
from wildtrace.workspace import Workspace


@dataclass(frozen=True)
class TrainingData:
    """Texts and 0/1 labels to train on, where they came from, and the rows left out."""

    texts: list[str]
    labels: list[int]
    source: str  # the file, or "workspace labels"
    text_columns: tuple[str, ...]
    label_column: str
    errors: tuple[RowError, ...] = ()
    unlabelled: int = 0  # rows without a 0/1 label


@dataclass(frozen=True)
class TrainResult:
    """A trained model: where it was written and filed, and how well it did out of fold."""

    model: Path
    filed: Path
    version: str
    n: int
    positives: int
    metrics: Metrics
    threshold: float

    def as_dict(self) -> dict[str, Any]:
        """JSON shape of ``train --json``."""
        return {"model": str(self.model), "filed": str(self.filed), "version": self.version,
                "n": self.n, "positives": self.positives, "metrics": self.metrics.as_dict(),
                "threshold": round(self.threshold, 4)}


def training_data(ws: Workspace, file: Path | None, text_columns: tuple[str, ...],
                  label_column: str | None) -> TrainingData:
    """The labelled rows of ``file`` (its ``text_columns``, labels in ``label_column``),
    or without a file the listings analysts labelled in the workspace."""
    if file is not None and not text_columns:
        raise InputError("give --text-column with a FILE")
    if file is None:
        pairs = ws.store.labelled()
        if not pairs:
            raise InputError("the workspace has no labelled listings",
                             hint="label listings in the review queue, or give a labelled "
                                  "FILE with --label-column")
        return TrainingData([x.text for x, _ in pairs], [y for _, y in pairs],
                            "workspace labels", text_columns, label_column or "")
    if not label_column:
        raise InputError("give --label-column with a labelled FILE")
    table = read_table(file, text_columns, label_column)
    return TrainingData(table.texts, table.labels, str(file), text_columns, label_column,
                        tuple(table.errors), table.unlabelled)


def train(ws: Workspace, data: TrainingData, output: Path | None = None) -> TrainResult:
    """Fit a model on ``data``, write it to ``output`` and file a copy in the workspace
    (without ``output``, only the filed copy is kept)."""
    texts, labels = data.texts, data.labels
    base = scorer_for(ws, None)
    use_emb = base.encoder is not None
    analysis = base.analyse(texts)
    # Near-duplicates stay in one internal fold, so the settings and threshold are chosen
    # on out-of-fold scores that a reposted advert cannot flatter.
    model, oof = fit(analysis, labels, base.zeroshot.logits, use_embeddings=use_emb,
                     groups=near_duplicate_groups(analysis.texts))
    m = metrics(labels, oof, model.threshold)
    model.meta.update({
        "data_sha256": modelfile.data_hash(analysis.texts, labels),
        "created": modelfile.now_iso(), "source": data.source, "n": len(labels),
        "positives": int(sum(labels)), "text_columns": list(data.text_columns),
        "label_column": data.label_column, "identify": str(base.identifier.version),
        "embeddings": getattr(base.encoder, "version", "") if use_emb else "",
        "wildtrace": __version__, "python": platform.python_version(),
        "metrics": {"out_of_fold": m.as_dict()},
    })
    ws_models = ws.models_dir
    if output is None:
        path = modelfile.save(model, ws_models / "incoming.wtmodel")
        filed = modelfile.file_in_workspace(ws_models, path)
        path.unlink(missing_ok=True)
        path = filed
    else:
        path = modelfile.save(model, output)
        filed = modelfile.file_in_workspace(ws_models, path)
    return TrainResult(model=path, filed=filed, version=model.version, n=len(labels),
                       positives=int(sum(labels)), metrics=m, threshold=model.threshold)


def models(ws: Workspace) -> list[dict[str, Any]]:
    """The models filed in the workspace, oldest first, each with its recorded metadata
    and whether its file is still present."""
    return modelfile.list_models(ws.models_dir)
