"""Replay every fuzz harness over its committed seed corpus (``fuzz/corpus/<harness>/``):
the contracts the fuzzers check hold on the seeds in every test run, with or without
atheris installed, and a harness that no longer imports fails here, not only in CI's
fuzz step."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

FUZZ = Path(__file__).resolve().parent.parent / "fuzz"
HARNESSES = sorted(p.stem for p in FUZZ.glob("fuzz_*.py"))


def _harness(name: str) -> Callable[[bytes], None]:
    if str(FUZZ) not in sys.path:
        sys.path.insert(0, str(FUZZ))
    module = importlib.import_module(name)
    fn: Callable[[bytes], None] = module.test_one_input
    return fn


def test_every_harness_has_a_corpus() -> None:
    assert len(HARNESSES) >= 6, HARNESSES
    for name in HARNESSES:
        seeds = list((FUZZ / "corpus" / name).iterdir())
        assert len(seeds) >= 5, name
        assert all(s.stat().st_size <= 64 * 1024 for s in seeds), name


@pytest.mark.parametrize("name", HARNESSES)
def test_corpus_replays_clean(name: str) -> None:
    test_one_input = _harness(name)
    for seed in sorted((FUZZ / "corpus" / name).iterdir()):
        try:
            test_one_input(seed.read_bytes())
        except Exception as exc:
            raise AssertionError(f"{name} fails on {seed}: {exc!r}") from exc
