"""Benchmark of ``score`` without embeddings: listings/s per core, this tree against another.

Two kinds of text, both real: tweet-length texts (the ivory tweets, mean ~120
characters) and 1,300-character listings (shark-ad descriptions and Abt product
descriptions joined until 1,300 characters, then cut there). Every copy gets its own
suffix so that no cache answers a repeat. Four measurements per tree, each in CPU time
of one process on one thread: ``Scorer.assess`` zero-shot (what ``score`` does without
``--model``) and with a trained model (``score --model``; trained in the same process
on shark_products_ads.csv), on each kind of text.

The tree given with ``--before`` (e.g. ``git worktree add -f /tmp/wt-before HEAD``) runs
the same measurement in a subprocess with ``PYTHONPATH`` pointing at it, in the same run,
so both sides meet the same machine load. A check that both trees agree is printed: the
share of rows whose zero-shot scores are equal (they are when identify and the
zero-shot model did not change).

Usage:  .venv/bin/python bench/bench_score.py [--before /tmp/wt-before] [--n 20000]
Research-only data are read here for measurement only; nothing is written into the package.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("WILDTRACE_SHARED", ROOT.parent / "shared")) / "datasets"
LONG = 1300


def texts(n: int) -> dict[str, list[str]]:
    """``n`` tweet-length texts and ``n // 4`` 1,300-character listings."""
    from wildtrace.assess.dataset import read_table

    tweets = read_table(DATA / "labelled" / "ivory_tweets.csv", ["tweet_text_cleaned"]).texts
    pool = (read_table(DATA / "labelled" / "shark_products_ads.csv", ["title", "description"]
                       ).texts
            + read_table(DATA / "negatives" / "Abt.csv", ["name", "description"]).texts)
    longs: list[str] = []
    i = 0
    while len(longs) < n // 4:
        parts: list[str] = []
        while sum(len(p) + 1 for p in parts) < LONG:
            parts.append(pool[i % len(pool)])
            i += 1
        longs.append(("\n".join(parts))[:LONG - 8] + f" #{len(longs):06d}")
    return {"tweet": [f"{tweets[k % len(tweets)]} #{k}" for k in range(n)], "1300": longs}


def worker(n: int) -> dict[str, object]:
    """The measurement, in this interpreter (whichever tree is on the path)."""
    import numpy as np

    from wildtrace.assess.dataset import read_table
    from wildtrace.assess.linear import fit
    from wildtrace.assess.scorer import Scorer
    from wildtrace.identify import load_identifier

    ident = load_identifier()
    zero = Scorer(ident)
    train = read_table(DATA / "labelled" / "shark_products_ads.csv", ["title"], "label")
    model, _ = fit(zero.analyse(train.texts), np.asarray(train.labels), zero.zeroshot.logits,
                   use_embeddings=False)
    trained = Scorer(ident, None, model)
    data = texts(n)
    out: dict[str, object] = {}
    for scorer in (zero, trained):  # lazy tables and models load here, not in the timing
        for items in data.values():
            scorer.assess(items[-500:])
    for kind, items in data.items():
        t0 = time.process_time()
        ident.identify_many(items)
        out[f"identify alone {kind}"] = len(items) / (time.process_time() - t0)
        for name, scorer in (("zero-shot", zero), ("trained", trained)):
            t0 = time.process_time()
            res = scorer.assess(items)
            dt = time.process_time() - t0
            out[f"{name} {kind}"] = len(items) / dt
            if name == "zero-shot":
                out[f"scores {kind}"] = [a.score for a in res[:2000]]
    return out


def run_tree(tree: Path | None, n: int) -> dict[str, object]:
    """:func:`worker` in a fresh interpreter with ``tree`` first on the path."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "WILDTRACE_EMBEDDINGS": "off"}
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); import bench_score; "
            "print(json.dumps(bench_score.worker(int(sys.argv[2]))))")
    # The worker module is this file; the package imported is the tree's.
    res = subprocess.run([sys.executable, "-c", code, str(Path(__file__).parent), str(n)],
                         env=env, capture_output=True, text=True, check=False,
                         cwd=str(tree or ROOT))
    if res.returncode != 0:
        raise SystemExit(f"worker failed in {tree or ROOT}:\n{res.stderr[-2000:]}")
    return dict(json.loads(res.stdout.strip().splitlines()[-1]))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", type=Path, default=None,
                    help="another checkout to measure in the same run (e.g. /tmp/wt-before)")
    ap.add_argument("--n", type=int, default=20_000, help="tweet-length texts (1,300-char "
                    "listings: a quarter as many)")
    args = ap.parse_args()
    if not (DATA / "labelled").exists():
        print(f"datasets not found at {DATA}", file=sys.stderr)
        return 1
    after = run_tree(None, args.n)
    before = run_tree(args.before, args.n) if args.before else None
    print(f"| score, listings/s per core (CPU time) | this tree | "
          f"{'before (' + str(args.before) + ')' if before else ''} | speed-up |")
    print("|---|---:|---:|---:|")
    for key in ("identify alone tweet", "identify alone 1300", "zero-shot tweet",
                "zero-shot 1300", "trained tweet", "trained 1300"):
        a = float(after[key])  # type: ignore[arg-type]
        b = float(before[key]) if before else None  # type: ignore[arg-type]
        ratio = f"{a / b:.2f}×" if b else ""
        print(f"| {key} | {a:,.0f} | {f'{b:,.0f}' if b else ''} | {ratio} |")
    if before:
        for kind in ("tweet", "1300"):
            x = list(after[f"scores {kind}"])  # type: ignore[call-overload]
            y = list(before[f"scores {kind}"])  # type: ignore[call-overload]
            same = sum(u == v for u, v in zip(x, y, strict=True))
            print(f"zero-shot scores equal in both trees ({kind}): {same}/{len(x)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
