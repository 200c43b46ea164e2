"""Run every atheris harness in this folder for a bounded time (``make fuzz``).

Each harness starts from its committed corpus ``fuzz/corpus/<harness>/`` (read only: new
inputs go to a scratch folder, so a run never dirties the tree) and stops after
``--seconds``. A crash, a failed contract assertion, a timeout or a memory blow-up fails
the run; libFuzzer's reproducer is kept as ``fuzz/crashes/<harness>/crash-<sha1>`` and
the command to replay it is printed. ``--keep`` merges the inputs that found new
coverage back into the corpus (minimised with ``-merge=1``), for a developer to commit.

    .venv/bin/python fuzz/run.py --seconds 20            # what CI runs
    .venv/bin/python fuzz/run.py --seconds 50 --keep     # a longer hunt
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def harnesses(only: list[str]) -> list[str]:
    """The harness names to run: all ``fuzz_*.py`` here, or those named."""
    names = sorted(p.stem for p in HERE.glob("fuzz_*.py"))
    unknown = set(only) - set(names)
    if unknown:
        sys.exit(f"unknown harness {', '.join(sorted(unknown))} (have: {', '.join(names)})")
    return [n for n in names if not only or n in only]


def run_one(name: str, seconds: int, rss_mb: int, timeout_s: int, keep: bool,
            seed: int = 0) -> bool:
    """Fuzz one harness; returns True when it ran clean."""
    corpus = HERE / "corpus" / name
    crashes = HERE / "crashes" / name
    crashes.mkdir(parents=True, exist_ok=True)
    log_path = crashes / "last.log"
    with tempfile.TemporaryDirectory(prefix=f"{name}-") as scratch:
        cmd = [sys.executable, str(HERE / f"{name}.py"), f"-max_total_time={seconds}",
               f"-rss_limit_mb={rss_mb}", f"-timeout={timeout_s}", "-max_len=65536",
               f"-artifact_prefix={crashes}/", "-print_final_stats=1",
               *([f"-seed={seed}"] if seed else []), scratch, str(corpus)]
        started = time.monotonic()
        # The log goes to a file: warcio warns on stderr for every damaged record, and a
        # long run's warnings would not fit in memory.
        with log_path.open("w", errors="replace") as log_file:
            try:
                # libFuzzer may overrun max_total_time finishing an input: allow slack.
                rc = subprocess.run(cmd, stdout=log_file, stderr=subprocess.STDOUT,
                                    timeout=seconds + 120, check=False).returncode
            except subprocess.TimeoutExpired:
                rc = -1
        took = time.monotonic() - started
        log = log_path.read_text(errors="replace").splitlines()
        runs = next((line.split(":")[-1].strip() for line in log
                     if "stat::number_of_executed_units" in line), "?")
        if rc == 0:
            print(f"{name}: clean, {runs} inputs in {took:.0f} s")
            if keep:
                merge = [sys.executable, str(HERE / f"{name}.py"), "-merge=1",
                         f"-rss_limit_mb={rss_mb}", str(corpus), scratch]
                subprocess.run(merge, capture_output=True, timeout=600, check=False)
            return True
    print(f"{name}: FAILED (exit {rc}) after {took:.0f} s, {runs} inputs; log: {log_path}")
    print("\n".join(_report(log)))
    found = sorted((p for p in crashes.iterdir() if p.name != "last.log"),
                   key=lambda p: p.stat().st_mtime)
    if found:
        print(f"reproducer: {found[-1]}\nreplay: {sys.executable} {HERE / name}.py "
              f"{found[-1]}")
    return False


def _report(log: list[str]) -> list[str]:
    """libFuzzer's crash report: from the Python traceback (or the libFuzzer error) on."""
    for marker in ("=== Uncaught Python exception", "ERROR: libFuzzer", "==ERROR"):
        at = next((i for i, line in enumerate(log) if marker in line), None)
        if at is not None:
            return log[at:at + 60]
    return log[-40:]


def main() -> None:
    """Parse the command line and fuzz each harness in turn."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=int, default=20, help="fuzzing time per harness")
    ap.add_argument("--rss-limit-mb", type=int, default=2048)
    ap.add_argument("--timeout", type=int, default=10, help="seconds one input may take")
    ap.add_argument("--keep", action="store_true", help="merge new inputs into the corpus")
    ap.add_argument("--seed", type=int, default=0,
                    help="libFuzzer's random seed (0: a new one each run); CI fixes it, so a "
                         "build fails only on what the same inputs found here too")
    ap.add_argument("only", nargs="*", help="harness names (default: all)")
    args = ap.parse_args()
    failed = [n for n in harnesses(args.only)
              if not run_one(n, args.seconds, args.rss_limit_mb, args.timeout, args.keep,
                             args.seed)]
    if failed:
        sys.exit(f"fuzzing found problems in: {', '.join(failed)}")


if __name__ == "__main__":
    main()
