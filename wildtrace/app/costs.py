"""What a run's optional models cost, said before the run starts.

Sentence embeddings make ``process``, ``score``, ``train`` and ``evaluate`` better on
paraphrased listings and much slower. They switch on by themselves when the ``[embed]``
extra is installed, so a user who never asked for them would otherwise only see a run
that is slow for no stated reason. Each face prints :func:`model_notices` before the
work, with the figure and the setting that turns them off.

The embedding figures were measured on the development machine (2 shared cores): about
7 ms per listing once the model is loaded, and about 4 s to load it; a run over 10,000
new listings takes about 70 s longer with them. Texts already embedded are cached in the
workspace (``cache/embeddings.sqlite``), so a second run pays only for new listings.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wildtrace.assess.embedding import NAME, embeddings_wanted
from wildtrace.assess.modelfile import load as load_model
from wildtrace.workspace import Workspace

MS_PER_LISTING = 7.0
LOAD_SECONDS = 4.0


@dataclass(frozen=True)
class ModelNotice:
    """One optional model a run will use: what it is, what it costs, how to turn it off."""

    name: str
    cost: str
    off: str

    def line(self) -> str:
        """The notice as one line for a terminal or a log."""
        return f"{self.name} on: {self.cost}; {self.off}"


def embedding_cost(listings: int | None) -> str:
    """The embeddings' cost in words, for ``listings`` texts when the count is known."""
    text = f"about {MS_PER_LISTING:.0f} ms per listing on a CPU plus {LOAD_SECONDS:.0f} s to load"
    if listings:
        seconds = LOAD_SECONDS + listings * MS_PER_LISTING / 1000
        text += f" (about {seconds:,.0f} s for these {listings:,})"
    return text


def embeddings_on(ws: Workspace, model_path: Path | None = None) -> bool:
    """Whether a run with this workspace's settings (and ``model_path``, whose own
    choice wins) will compute sentence embeddings."""
    if not embeddings_wanted(ws.settings):
        return False
    if model_path is not None:
        try:
            return bool(load_model(Path(model_path)).use_embeddings)
        except Exception:  # the run itself reports an unreadable model properly
            return True
    return True


def model_notices(ws: Workspace, *, model_path: Path | None = None,
                  listings: int | None = None) -> list[ModelNotice]:
    """The optional models a run over ``listings`` texts will use. Sentence embeddings
    are the only model that can be switched on or off: photo comparison in linking is a
    64-bit difference hash (milliseconds per captured photo), not a model."""
    if not embeddings_on(ws, model_path):
        return []
    return [ModelNotice(f"sentence embeddings ({NAME})", embedding_cost(listings),
                        "set WILDTRACE_EMBEDDINGS=off (or embeddings = false in "
                        "wildtrace.toml) for the fast path")]
