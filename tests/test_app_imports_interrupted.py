"""A run killed midway is marked interrupted the next time the workspace is opened, and
shown by ``wildtrace errors``; live runs and other hosts' runs are left alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from wildtrace.workspace import open_workspace

KILLED = """
import os, signal, socket, sys
from wildtrace.workspace import open_workspace
if sys.argv[2] != "here":
    socket.gethostname = lambda: sys.argv[2]
ws = open_workspace(sys.argv[1])
ws.store.start_run("import", "1", {"files": ["big.csv"]})
os.kill(os.getpid(), signal.SIGKILL)  # as the OOM killer or a power cut would
"""


def _killed_run(ws_dir: Path, host: str = "here") -> None:
    proc = subprocess.run([sys.executable, "-c", KILLED, str(ws_dir), host], check=False)
    assert proc.returncode == -9


def test_a_killed_import_is_marked_interrupted(tmp_path: Path) -> None:
    ws_dir = tmp_path / "ws"
    open_workspace(ws_dir).close()
    _killed_run(ws_dir)
    live = open_workspace(ws_dir)
    try:
        mine = live.store.start_run("import", "1")  # this process: alive
        errors = live.store.errors()
        assert [e.file for e in errors] == ["run 1 (import)"]
        assert errors[0].reason.startswith("interrupted: process")
        assert live.store.mark_interrupted_runs() == []  # marked once, not again
    finally:
        live.close()
    again = open_workspace(ws_dir)
    try:
        assert [e.file for e in again.store.errors()] == ["run 1 (import)"]
        assert mine not in again.store.mark_interrupted_runs()
    finally:
        again.close()


def test_runs_of_another_host_are_left_alone(tmp_path: Path) -> None:
    ws_dir = tmp_path / "ws"
    open_workspace(ws_dir).close()
    _killed_run(ws_dir, host="another-machine")
    ws = open_workspace(ws_dir)
    try:
        assert ws.store.errors() == [] and ws.store.mark_interrupted_runs() == []
    finally:
        ws.close()
