"""How well a seller resolution matches known sellers: pairwise and B-cubed scores.

Pairwise precision/recall count listing pairs put together; B-cubed (Bagga and Baldwin
1998) averages per listing how much of its predicted group is truly its seller's and how
much of its seller's listings its group holds, so one giant wrong cluster cannot hide
behind many small right ones.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping
from typing import Any


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def pairwise(predicted: Mapping[int, Hashable], truth: Mapping[int, Hashable]
             ) -> dict[str, float]:
    """Pairwise precision, recall and F1 over the items present in both mappings."""
    items = [i for i in predicted if i in truth]
    joint = Counter((predicted[i], truth[i]) for i in items)
    pred = Counter(predicted[i] for i in items)
    true = Counter(truth[i] for i in items)

    def pairs(c: Counter[Any]) -> int:
        return sum(n * (n - 1) // 2 for n in c.values())
    tp, pp, tt = pairs(joint), pairs(pred), pairs(true)
    p = tp / pp if pp else 1.0
    r = tp / tt if tt else 1.0
    return {"precision": p, "recall": r, "f1": _f1(p, r)}


def bcubed(predicted: Mapping[int, Hashable], truth: Mapping[int, Hashable]
           ) -> dict[str, float]:
    """B-cubed precision, recall and F1."""
    items = [i for i in predicted if i in truth]
    if not items:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    joint = Counter((predicted[i], truth[i]) for i in items)
    pred = Counter(predicted[i] for i in items)
    true = Counter(truth[i] for i in items)
    p = sum(joint[(predicted[i], truth[i])] / pred[predicted[i]] for i in items) / len(items)
    r = sum(joint[(predicted[i], truth[i])] / true[truth[i]] for i in items) / len(items)
    return {"precision": p, "recall": r, "f1": _f1(p, r)}


def singletons(items: list[int]) -> dict[int, int]:
    """The baseline resolution: every listing its own seller."""
    return {i: i for i in items}


def groups(mapping: Mapping[int, Hashable]) -> dict[Hashable, list[int]]:
    """Items per group."""
    out: dict[Hashable, list[int]] = defaultdict(list)
    for item, g in mapping.items():
        out[g].append(item)
    return dict(out)
