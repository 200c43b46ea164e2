"""Species hints from a listing's photos as one more feature of relevance and risk.

The image classifier (:mod:`wildtrace.identify.imageclass`) says what a photo *looks
like*, with a confidence; it cannot tell a tiger from a tiger on a beer can, a stuffed
animal from a live one, or ivory from resin. So a hint is weak, bounded evidence here:

* **relevance**: a small bump in log-odds (at most :data:`RELEVANCE_BUMP` times the
  hint's confidence), and only where the listing's own text already names the animal the
  photo shows (the same taxon, genus or family, or the hint's group: "tiger tooth" under a
  photo that looks like a tiger or a leopard; not a shark tooth under a tiger) and says
  nothing that marks it a look-alike (toy, replica, print, colour, fossil, news: the
  zero-shot model's negative cues). The photo corroborates the text; it never makes a
  listing relevant on its own: a tiger photo on a Tiger-beer advert changes nothing, and
  a listing the text leaves below the relevance threshold stays below it (the bump moves
  it up the review order, not across the line: on the labelled sets, a confident
  agreeing hint on every listing would otherwise turn more look-alikes relevant than
  offers, stamps and charms that show the animal among them; see bench/README.md).
* **risk**: a hint of a CITES Appendix I or II taxon adds one bounded term (see
  :func:`wildtrace.assess.risk.assess_risk`), with a reason that says it came from a
  photo and is a hint. It is skipped where the text marks a look-alike (a plush tiger's
  photo looks like a tiger), but needs no wildlife in the text: an advert that hides the
  species in its picture ("rare item, PM me" under a photo of a tiger skin) should rise in
  the risk order, though the photo alone never makes it an offer.

Only the most confident hint of a listing counts, so ten photos of one tiger weigh no
more than one. The weights are set by hand (there are no labelled photo-and-text
listings to fit them to) and are deliberately small beside the text's own evidence.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from wildtrace.assess import zeroshot
from wildtrace.identify.imageclass import MIN_CLASS, MIN_GROUP
from wildtrace.records import Taxon

# A scientific name's reference-pack record (the matcher's ``taxon``), for its lineage.
Lookup = Callable[[str], Taxon | None]

RELEVANCE_BUMP = 0.5  # log-odds at confidence 1.0
HOLD_BELOW = 1e-4  # how far below the threshold a bumped score stops (scores keep 4 places)
# Text evidence that the listing names wildlife or a wildlife product ("tiger bone",
# "ivory", a code word). A bare product form ("ointment", "bracelet") is not enough: Tiger
# Balm's tin shows a tiger.
_NAMES_WILDLIFE = ("taxon_name", "taxon_name_scientific", "product_term", "code_word")
# Text evidence that it is a look-alike: every cue the zero-shot model weighs against.
LOOKALIKE = frozenset(k for k, w in zeroshot.WEIGHTS.items()
                      if k.startswith("cue_") and w < 0)
LOOKALIKE_MARGIN = -0.03  # an embedding margin this low reads as a look-alike
# Names the text side uses for what a hint group covers, where the reference pack gives
# them no lineage ("shark" is matched as the superorder Selachimorpha, without a class).
_GROUP_ALSO: dict[str, tuple[str, ...]] = {"Elasmobranchii": ("Selachimorpha",)}


@dataclass(frozen=True)
class PhotoHint:
    """One photo's species hint, as stored with the photo (a hint, not a verdict)."""

    label: str  # what the photo looks like: "tiger", or the group ("Felidae")
    taxon: str
    confidence: float  # 0-1, the class's (or the group's summed) probability
    cites: str = ""  # "I", "II", "I/II", "some", "varies", ""
    group: str = ""
    group_only: bool = False  # no single class was confident, only the group

    @property
    def threshold(self) -> float:
        """The confidence at which the classifier gives a hint of this kind."""
        return MIN_GROUP if self.group_only else MIN_CLASS

    @property
    def usable(self) -> bool:
        """Confident enough to count (a finding from another engine may not be)."""
        return self.confidence >= self.threshold

    def describe(self) -> str:
        """``a photo looks like a tiger (0.87, a hint)``."""
        return f"a photo looks like {_article(self.label)} ({self.confidence:.2f}, a hint)"


def _article(label: str) -> str:
    if not label or label[0].isupper():  # a group or scientific name: "like Felidae"
        return label
    return ("an " if label[0].lower() in "aeiou" else "a ") + label


def best_hint(hints: Sequence[PhotoHint]) -> PhotoHint | None:
    """The most confident usable hint of a listing, or None."""
    usable = [h for h in hints if h.usable]
    return max(usable, key=lambda h: h.confidence) if usable else None


def _lineage(name: str, lookup: Lookup | None, *, wide: bool) -> set[str]:
    """``name`` with its genus and family (and, ``wide``, its order and class)."""
    out = {name}
    if " " in name:
        out.add(name.split(" ", 1)[0])  # a binomial's genus, even outside the pack
    t = lookup(name) if lookup is not None else None
    if t is not None:
        out |= {t.genus, t.family, *((t.order, t.klass) if wide else ())}
    return {x for x in out if x}


def agrees(hint: PhotoHint, taxa: Iterable[str], lookup: Lookup | None = None) -> bool:
    """Whether the photo shows what the text names: the hint's taxon, genus, family or
    hand-picked group is the text's taxon or one of its ancestors (a tiger photo agrees
    with "leopard skin" through Panthera; not with "bear bile": the two meet only at
    Carnivora, which is not a group the hints are given at)."""
    mine = (_lineage(hint.taxon, lookup, wide=False) | ({hint.group} - {""})
            | set(_GROUP_ALSO.get(hint.group, ())))
    return any(mine & _lineage(t, lookup, wide=True) for t in taxa)


def says_lookalike(evidence: dict[str, float], margin: float | None = None) -> bool:
    """Whether the text (its identify evidence, its embedding margin) marks a look-alike:
    a toy, replica, print, colour, fossil or news."""
    return (any(evidence.get(k) for k in LOOKALIKE)
            or (margin is not None and margin <= LOOKALIKE_MARGIN))


def names_wildlife(evidence: dict[str, float], margin: float | None = None) -> bool:
    """Whether the text names wildlife or a wildlife product and shows no sign of being a
    look-alike: the only texts a photo hint may move."""
    return (any(evidence.get(k) for k in _NAMES_WILDLIFE)
            and not says_lookalike(evidence, margin))


def bump_relevance(prob: float, evidence: dict[str, float],
                   hints: Sequence[PhotoHint], margin: float | None = None, *,
                   taxa: Sequence[str] = (), lookup: Lookup | None = None,
                   threshold: float = 0.5) -> tuple[float, str]:
    """``prob`` moved by the best photo hint that agrees with the text's ``taxa``, with
    the reason (``""`` and the same ``prob`` when no hint may move it); a ``prob`` below
    ``threshold`` stays below it."""
    if not taxa or not names_wildlife(evidence, margin):
        return prob, ""
    hint = best_hint([h for h in hints if agrees(h, taxa, lookup)])
    if hint is None:
        return prob, ""
    p = min(max(prob, 1e-6), 1.0 - 1e-6)
    z = math.log(p / (1.0 - p)) + RELEVANCE_BUMP * min(hint.confidence, 1.0)
    new = 1.0 / (1.0 + math.exp(-z))
    held = ""
    if prob < threshold <= new:
        new = max(prob, threshold - HOLD_BELOW)
        held = f" (held just below the threshold {threshold:.2f}: a photo never decides)"
    return new, (f"+ {hint.describe()}, as the text says: relevance {prob:.2f} -> "
                 f"{new:.2f}{held}")
