"""Plumbing shared by the atheris harnesses in this folder.

Each harness is a script with a ``test_one_input(data: bytes) -> None`` that drives one
wildtrace module the way the application does and asserts its contract: only
:class:`~wildtrace.errors.WildtraceError` (or the module's row errors) may come out, and
what comes out is well-formed. Any other exception or a failed assertion is a crash;
libFuzzer saves the input that caused it (see ``fuzz/run.py``).

The same ``test_one_input`` is replayed over the committed corpus by
``tests/test_fuzz_corpus.py``, so the harnesses stay runnable where atheris is absent.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

from fuzzknown import is_known

try:
    import atheris
except ImportError:  # replay without atheris (tests/test_fuzz_corpus.py)
    atheris = None


@contextlib.contextmanager
def instrumented() -> Iterator[None]:
    """Instrument the wildtrace modules imported inside the block, and only those:
    coverage of third-party parsers (lxml, warcio, phonenumbers) would drown ours."""
    if atheris is None or "wildtrace" in sys.modules:
        # Already imported (a replay inside pytest): instrumenting again would be a no-op.
        yield
        return
    with atheris.instrument_imports(include=["wildtrace"]):
        yield


def fuzz(test_one_input: Callable[[bytes], None]) -> None:
    """Run ``test_one_input`` under libFuzzer with the command line's flags; findings
    already routed (``fuzzknown.py``) are passed over so the run can find new ones."""
    if atheris is None:
        sys.exit("atheris is not installed: .venv/bin/pip install 'atheris>=3'")

    def guarded(data: bytes) -> None:
        try:
            test_one_input(data)
        except Exception as exc:
            if not is_known(exc):
                raise

    atheris.Setup(sys.argv, guarded)
    atheris.Fuzz()


def text_of(data: bytes) -> str:
    """Fuzz bytes as text, keeping lone surrogates and odd code points: hostile text is
    not always valid UTF-8 by the time it reaches a matcher."""
    return data.decode("utf-8", "surrogateescape")


def check(condition: bool, what: str, *detail: Any) -> None:
    """An assertion that survives ``python -O`` and says which contract broke."""
    if not condition:
        raise AssertionError(what + (": " + " ".join(map(repr, detail)) if detail else ""))
