"""Assess: relevance (zero-shot or trained), risk with reasons, training and evaluation.

The public entry point is :func:`load_scorer`; see :mod:`wildtrace.assess.scorer`.
"""

from wildtrace.assess.scorer import Scorer, load_scorer

__all__ = ["Scorer", "load_scorer"]
