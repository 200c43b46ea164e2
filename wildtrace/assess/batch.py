"""Everything assess computes once per batch of texts and shares between its models.

Identify runs once per text; embeddings (when on) are computed once per batch; the
zero-shot model, the trained model and the risk score all read the same
:class:`Analysis`, so stacking models costs no second pass over the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from wildtrace.records import Identification


class Identifier(Protocol):
    """What assess needs from the identify stage."""

    version: str

    def identify_many(self, texts: Sequence[str]) -> list[Identification]:
        """One identification per text."""
        ...


class Encoder(Protocol):
    """What assess needs from a sentence-embedding model."""

    version: str

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """L2-normalised embeddings, one row per text."""
        ...


@dataclass
class Analysis:
    """Texts with their identifications and (optionally) embeddings."""

    texts: list[str]
    idents: list[Identification]
    embeddings: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, index: Sequence[int] | np.ndarray) -> Analysis:
        """The rows at ``index`` (used by cross-validation to avoid re-analysing)."""
        idx = [int(i) for i in index]
        emb = self.embeddings[idx] if self.embeddings is not None else None
        return Analysis([self.texts[i] for i in idx], [self.idents[i] for i in idx], emb)


def analyse(texts: Sequence[str], identifier: Identifier, encoder: Encoder | None,
            max_chars: int = 200_000) -> Analysis:
    """Identify (and embed, when an encoder is given) every text of the batch."""
    clipped = [(t or "")[:max_chars] for t in texts]
    idents = identifier.identify_many(clipped)
    emb = encoder.encode(clipped) if encoder is not None else None
    return Analysis(clipped, list(idents), emb)


def describe(obj: Any) -> str:
    """A short version string of an identifier or encoder, for provenance."""
    return str(getattr(obj, "version", "?"))
