"""Benchmark of the assess stage: quality on the labelled sets and scoring throughput.

Quality (F1 at the model's own threshold) on ../shared/datasets/labelled, for:
  * a keyword baseline (relevant when a wildlife word appears),
  * zero-shot without embeddings, and with them (the [embed] extra),
  * the trained model by 5-fold cross-validation, without and with embeddings.
Throughput: listings/s of ``Scorer.assess`` on one core, with and without embeddings,
and the keyword baseline in the same run; peak memory (max RSS) of the process.

Usage:  .venv/bin/python bench/bench_assess.py [--quick] [--no-embed] [--n N]
Research-only data are read here for evaluation only; nothing is written into the package.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as the targets are stated
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

from wildtrace.assess.dataset import read_table  # noqa: E402
from wildtrace.assess.embedding import embeddings_available, load_embedder  # noqa: E402
from wildtrace.assess.evaluation import (  # noqa: E402
    cross_validate,
    metrics,
    metrics_per_row_threshold,
)
from wildtrace.assess.scorer import Scorer  # noqa: E402
from wildtrace.errors import WildtraceError  # noqa: E402
from wildtrace.identify import load_identifier  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("WILDTRACE_SHARED", ROOT.parent / "shared")) / "datasets"
SETS = [("animal_products_titles.csv", "title"), ("shark_products_ads.csv", "title"),
        ("ivory_tweets.csv", "tweet_text_cleaned")]
# The naive baseline: a keyword search, as a monitoring analyst would start.
KEYWORDS = re.compile(r"\b(ivory|shark|rhino|tiger|pangolin|crocodile|alligator|python|"
                      r"skull|skin|taxidermy|fossil|tooth|teeth|jaw|antler|horn|leather|"
                      r"turtle|elephant|beetle|insect|shell|feather)", re.I)


def rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def quality(ident: object, enc: object | None, folds: int, seeds: int) -> list[str]:
    rows = []
    for name, col in SETS:
        t = read_table(DATA / "labelled" / name, [col], "label")
        y = np.asarray(t.labels)
        base = np.array([1.0 if KEYWORDS.search(x) else 0.0 for x in t.texts])
        cells = [f"{metrics(y, base, 0.5).f1:.3f}"]
        for e in ([None, enc] if enc is not None else [None]):
            scorer = Scorer(ident, e)  # type: ignore[arg-type]
            a = scorer.analyse(t.texts)
            zs = metrics(y, scorer.proba(a), scorer.threshold)
            # Cross-validation on a few hundred rows moves with the fold split, so the
            # trained figure is the mean over several shuffles (min–max beside it).
            runs = []
            for seed in range(seeds):
                p, thr = cross_validate(a, y, scorer.zeroshot.logits, k=folds,
                                        use_embeddings=e is not None, seed=seed)
                runs.append(metrics_per_row_threshold(y, p, thr))
            f1s = [m.f1 for m in runs]
            cells += [f"{zs.f1:.3f} (P {zs.precision:.2f} R {zs.recall:.2f})",
                      f"{np.mean(f1s):.3f} ({min(f1s):.3f}–{max(f1s):.3f}; "
                      f"P {np.mean([m.precision for m in runs]):.2f} "
                      f"R {np.mean([m.recall for m in runs]):.2f})"]
        if enc is None:
            cells += ["n/a", "n/a"]
        rows.append(f"| {name} ({col}) | {len(y)} ({int(y.sum())}) | " + " | ".join(cells)
                    + " |")
        print(rows[-1], flush=True)
    return rows


def learning_curve(ident: object, sizes: tuple[int, ...] = (20, 40, 80, 160),
                   repeats: int = 5) -> list[str]:
    """F1 on the rest of a set after training on n random labelled rows (no embeddings)."""
    from wildtrace.assess.linear import fit

    rows = []
    for name, col in SETS[:2]:
        t = read_table(DATA / "labelled" / name, [col], "label")
        y = np.asarray(t.labels)
        scorer = Scorer(ident)  # type: ignore[arg-type]
        a = scorer.analyse(t.texts)
        zs = metrics(y, scorer.proba(a), scorer.threshold).f1
        cells = [f"{zs:.3f}"]
        for n in sizes:
            f1s = []
            for r in range(repeats):
                rng = np.random.default_rng(r)
                idx = rng.permutation(len(y))
                tr, te = idx[:n], idx[n:]
                if min(y[tr].sum(), len(tr) - y[tr].sum()) < 2:
                    continue
                model, _ = fit(a.subset(tr), y[tr], scorer.zeroshot.logits,
                               use_embeddings=False, seed=r)
                p = model.proba(a.subset(te), scorer.zeroshot.logits)
                f1s.append(metrics(y[te], p, model.threshold).f1)
            cells.append(f"{np.mean(f1s):.3f}" if f1s else "n/a")
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
        print(rows[-1], flush=True)
    return rows


def corpus(n: int) -> list[str]:
    texts: list[str] = []
    for name, col in SETS:
        texts += read_table(DATA / "labelled" / name, [col]).texts
    for name, col in (("AmazonProducts.csv", "title"), ("Buy.csv", "name")):
        path = DATA / "negatives" / name
        if path.exists():
            try:
                texts += read_table(path, [col]).texts
            except WildtraceError:  # a differently named column: skip that file
                pass
    out = []
    i = 0
    while len(out) < n:
        # Vary each copy so that no cache can answer repeats.
        out.append(f"{texts[i % len(texts)]} #{i}")
        i += 1
    return out


def throughput(ident: object, enc: object | None, n: int, n_emb: int) -> list[str]:
    texts = corpus(n)
    lines = []
    t0 = time.perf_counter()
    hits = sum(1 for x in texts if KEYWORDS.search(x))
    dt = time.perf_counter() - t0
    lines.append(f"| keyword baseline (one regex) | {n} | {n / dt:,.0f} | |")
    scorer = Scorer(ident)  # type: ignore[arg-type]
    scorer.assess(texts[:200])  # warm up
    t0 = time.perf_counter()
    scorer.assess(texts)
    dt = time.perf_counter() - t0
    lines.append(f"| score, zero-shot, no embeddings | {n} | {n / dt:,.0f} | {rss_mb():.0f} |")
    print(lines[-1], flush=True)
    if enc is not None:
        scorer = Scorer(ident, enc)  # type: ignore[arg-type]
        sample = texts[:n_emb]
        t0 = time.perf_counter()
        scorer.assess(sample)
        dt = time.perf_counter() - t0
        lines.append(f"| score, zero-shot, with embeddings | {n_emb} | {n_emb / dt:,.0f} | "
                     f"{rss_mb():.0f} |")
        print(lines[-1], flush=True)
    del hits
    return lines


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=50_000, help="listings for the throughput run")
    ap.add_argument("--n-embed", type=int, default=1000)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seeds", type=int, default=3, help="CV repetitions (fold shuffles)")
    ap.add_argument("--no-embed", action="store_true")
    ap.add_argument("--skip-quality", action="store_true")
    ap.add_argument("--learning-curve", action="store_true",
                    help="only: F1 after n analyst labels (no embeddings)")
    args = ap.parse_args()
    if not (DATA / "labelled").exists():
        print(f"datasets not found at {DATA}", file=sys.stderr)
        return 1
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass
    ident = load_identifier()
    if args.learning_curve:
        print("| set | zero-shot (0 labels) | 20 labels | 40 | 80 | 160 |")
        print("|---|---|---|---|---|---|")
        learning_curve(ident)
        return 0
    enc = load_embedder() if embeddings_available() and not args.no_embed else None
    print(f"identify {ident.version}; embeddings {getattr(enc, 'version', 'off')}")
    print("\n| throughput | listings | listings/s (1 core) | peak RSS MiB |")
    print("|---|---|---|---|")
    throughput(ident, enc, args.n, args.n_embed)
    if not args.skip_quality:
        print("\n| set (text column) | n (relevant) | keyword F1 | zero-shot F1 | "
              f"trained CV{args.folds} F1 (mean of {args.seeds}) | zero-shot+emb F1 | "
              f"trained+emb CV{args.folds} F1 (mean of {args.seeds}) |")
        print("|---|---|---|---|---|---|---|")
        quality(ident, enc, args.folds, args.seeds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
