"""kill -9 in the middle of a crawl, then run it again: it resumes, fetches nothing it
had captured, loses nothing, and the interrupted WARC file is sealed and still valid."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "sites"))
from harness import env, new_workspace, wildtrace, wildtrace_json  # noqa: E402
from marketplace import serve  # noqa: E402

N_PAGES = 40


def _captured(db: Path) -> list[str]:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return [r[0] for r in con.execute("SELECT requested_url FROM captures")]
        finally:
            con.close()
    except sqlite3.Error:
        return []


def test_kill_and_resume(tmp_path: Path) -> None:
    market = serve(n_generated=N_PAGES)
    try:
        seed = market.urls["gen"] + "/"
        ws = new_workspace(tmp_path / "ws")
        proc = subprocess.Popen(
            [sys.executable, "-m", "wildtrace", "--workspace", str(ws), "crawl", seed,
             "--delay", "0.05"], env=env(), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        db = ws / "wildtrace.db"
        deadline = time.monotonic() + 60
        while len(_captured(db)) < 10 and time.monotonic() < deadline:
            assert proc.poll() is None, "the crawl ended before it could be killed"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        before = set(_captured(db))
        assert 10 <= len(before) < N_PAGES
        hits_before = {p: market.log.count("gen", p) for p in
                       {u.split("/", 3)[3] for u in before}}

        summary = wildtrace_json(ws, "crawl", seed, "--delay", "0.05", timeout=120)
        assert summary["warc_recovered"], "the interrupted WARC file was not sealed"
        after = _captured(db)
        # Nothing lost: every page captured; nothing refetched: each captured once.
        expected = {seed} | {f"{market.urls['gen']}/p/{i}" for i in range(1, N_PAGES)}
        assert set(after) == expected
        assert len(after) == len(set(after))
        for path in hits_before:
            assert market.log.count("gen", "/" + path) == 1, path

        report = wildtrace_json(ws, "evidence", "verify")
        assert report["ok"], report["problems"]
        for warc in (ws / "evidence" / "warc").glob("*.warc.gz"):
            check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(warc)],
                                   capture_output=True, text=True)
            assert check.returncode == 0, check.stdout + check.stderr
        con = sqlite3.connect(db)
        notes = [r[0] for r in con.execute("SELECT note FROM warc_files")]
        con.close()
        assert any("interrupted" in n for n in notes)
        again = wildtrace(ws, "crawl", seed)
        assert "nothing to crawl" in again.stdout
    finally:
        market.close()
