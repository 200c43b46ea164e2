"""Findings already routed to their owners, so that fuzzing goes on past them and a CI
run fails only on something new. Each entry is tracked by a strict-xfail regression test
in ``tests/test_fuzz_findings.py`` (with its reproducer in ``fuzz/findings/``): when the
fix lands that test fails, and the entry here is deleted with its marker.
``FUZZ_STRICT=1`` ignores this list (to check that a fix holds under fuzzing)."""

from __future__ import annotations

import os
import re
import traceback

# (exception type, pattern over its message, file the exception was raised in)
# Empty: every finding so far is fixed (tests/test_fuzz_findings.py keeps them fixed).
KNOWN: tuple[tuple[str, str, str], ...] = ()


def is_known(exc: BaseException) -> bool:
    """Whether ``exc`` is one of the routed findings (and strict mode is off)."""
    if os.environ.get("FUZZ_STRICT") == "1":
        return False
    frames = traceback.extract_tb(exc.__traceback__)
    where = frames[-1].filename if frames else ""
    return any(type(exc).__name__ == name and re.search(pattern, str(exc))
               and where.endswith(path) for name, pattern, path in KNOWN)
