"""Helpers for tests that run ``wildtrace crawl``/``capture`` in a subprocess against
the local test marketplace (Twisted's reactor runs once per process, so each crawl gets
its own)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

PROFILES = Path(__file__).parent / "profiles"
# Small limits so the traps resolve in seconds.
TEST_SETTINGS = {
    "WILDTRACE_TIMEOUT": "1", "WILDTRACE_MAX_BODY_BYTES": "1000000",
    "WILDTRACE_RETRIES": "1", "WILDTRACE_RETRY_BACKOFF": "0.1",
    "WILDTRACE_EMBEDDINGS": "off", "WILDTRACE_CONTACT": "tests@wildtrace.invalid",
    "WILDTRACE_OPERATOR": "test-operator", "WILDTRACE_FOCUS": "keywords",
}


def env(**extra: str) -> dict[str, str]:
    """The environment for a wildtrace subprocess: no stray WILDTRACE_* settings."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("WILDTRACE_")}
    return {**base, **TEST_SETTINGS, **extra}


def new_workspace(root: Path) -> Path:
    """A workspace folder with the test marketplace's site profile installed."""
    (root / "profiles").mkdir(parents=True, exist_ok=True)
    for p in PROFILES.glob("*.toml"):
        shutil.copy(p, root / "profiles" / p.name)
    return root


def wildtrace(ws: Path, *args: str, timeout: float = 120, check: bool = True,
              **extra_env: str) -> subprocess.CompletedProcess[str]:
    """Run the wildtrace CLI on ``ws``."""
    proc = subprocess.run([sys.executable, "-m", "wildtrace", "--workspace", str(ws), *args],
                          capture_output=True, text=True, timeout=timeout, env=env(**extra_env))
    if check and proc.returncode != 0:
        raise AssertionError(f"wildtrace {' '.join(args)} failed ({proc.returncode}):\n"
                             f"{proc.stdout}\n{proc.stderr}")
    return proc


def wildtrace_json(ws: Path, *args: str, **kw: Any) -> Any:
    """Run a ``--json`` command and parse its output."""
    proc = wildtrace(ws, *args, "--json", **kw)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def spawn(ws: Path, *args: str, **popen: Any) -> subprocess.Popen[str]:
    """Start the wildtrace CLI on ``ws`` in the background (output piped, as text)."""
    popen.setdefault("stdout", subprocess.PIPE)
    popen.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen([sys.executable, "-m", "wildtrace", "--workspace", str(ws), *args],
                            env=env(), text=True, **popen)
