"""Benchmark of the assess stage: quality on the labelled sets and scoring throughput.

Quality (F1 at each model's own threshold) on ../shared/datasets/labelled, side by side
in one run on the same rows and splits, for:
  * the baseline: TF-IDF word 1-2-grams + class-balanced logistic regression (at 0.5),
  * zero-shot without embeddings, and with them (the [embed] extra),
  * the trained model without and with embeddings (threshold from its training rows),
each measured three ways:
  * grouped K-fold CV: near-duplicate texts (MinHash clusters) never straddle folds;
  * held-out half: each set split 50/50 by near-duplicate group (fixed seed); train on
    half A, test on half B (the figures to trust: nothing was tuned on half B);
  * cross-set: train on one file, test on another; test rows that near-duplicate a
    training row are left out and counted.
Throughput: listings/s of ``Scorer.assess`` on one core, with and without embeddings,
and the keyword baseline in the same run; peak memory (max RSS) of the process.

Usage:  .venv/bin/python bench/bench_assess.py [--only cv|half|cross|throughput] [--no-embed]
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

from wildtrace.app.evaluation import near_duplicate_groups  # noqa: E402
from wildtrace.assess.batch import Analysis  # noqa: E402
from wildtrace.assess.dataset import read_table  # noqa: E402
from wildtrace.assess.embedding import embeddings_available, load_embedder  # noqa: E402
from wildtrace.assess.evaluation import (  # noqa: E402
    Metrics,
    metrics,
    metrics_per_row_threshold,
)
from wildtrace.assess.evaluation import folds as cv_folds  # noqa: E402
from wildtrace.assess.linear import fit  # noqa: E402
from wildtrace.assess.scorer import Scorer  # noqa: E402
from wildtrace.errors import WildtraceError  # noqa: E402
from wildtrace.identify import load_identifier  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("WILDTRACE_SHARED", ROOT.parent / "shared")) / "datasets"
SETS = [("animal_products_titles.csv", "title"), ("shark_products_ads.csv", "title"),
        ("ivory_tweets.csv", "tweet_text_cleaned")]
IWT = "iwt-twitter-wpi/Combinedlabels.csv"  # three annotators; relevant = at least two
HALF_SEED = 12  # the fixed draw of the tuning half (A) and the reporting half (B)
CROSS = [("animal_products_titles.csv", "title", "shark_products_ads.csv", "title"),
         ("shark_products_ads.csv", "title", "animal_products_titles.csv", "title"),
         ("ivory_tweets.csv", "tweet_text_cleaned", IWT, "tweet_text")]
# The naive baseline: a keyword search, as a monitoring analyst would start.
KEYWORDS = re.compile(r"\b(ivory|shark|rhino|tiger|pangolin|crocodile|alligator|python|"
                      r"skull|skin|taxidermy|fossil|tooth|teeth|jaw|antler|horn|leather|"
                      r"turtle|elephant|beetle|insect|shell|feather)", re.I)


def rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def tfidf_lr(train_texts: list[str], y_train: np.ndarray, test_texts: list[str]
             ) -> np.ndarray:
    """The baseline: TF-IDF of word 1-2-grams (sublinear tf) and a class-balanced
    logistic regression, cut at 0.5: what a practitioner fits first."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    lr = LogisticRegression(C=10.0, class_weight="balanced", max_iter=2000)
    lr.fit(vec.fit_transform(train_texts), y_train)
    return np.asarray(lr.predict_proba(vec.transform(test_texts))[:, 1])


def _cell(ms: list[Metrics]) -> str:
    f1s = [m.f1 for m in ms]
    spread = f" ({min(f1s):.3f}–{max(f1s):.3f})" if len(ms) > 1 else ""
    return (f"{np.mean(f1s):.3f}{spread} P {np.mean([m.precision for m in ms]):.2f} "
            f"R {np.mean([m.recall for m in ms]):.2f}")


MODELS = ("TF-IDF+LR", "zero-shot", "trained", "zero-shot+emb", "trained+emb")


def _analyses(ident: object, enc: object | None, texts: list[str]
              ) -> dict[bool, tuple[Scorer, Analysis]]:
    out = {}
    for e in ([None, enc] if enc is not None else [None]):
        scorer = Scorer(ident, e)  # type: ignore[arg-type]
        out[e is not None] = (scorer, scorer.analyse(texts))
    return out


def _trained(scorer: Scorer, a: Analysis, y: np.ndarray, tr: np.ndarray, te: np.ndarray,
             groups: np.ndarray | None, emb: bool, seed: int) -> tuple[np.ndarray, float]:
    model, _ = fit(a.subset(tr), y[tr], scorer.zeroshot.logits, use_embeddings=emb,
                   seed=seed, groups=None if groups is None else groups[tr])
    return model.proba(a.subset(te), scorer.zeroshot.logits), model.threshold


def grouped_cv(ident: object, enc: object | None, folds: int, seeds: int) -> list[str]:
    """Every model on the same grouped folds (near-duplicates kept in one fold)."""
    rows = []
    for name, col in SETS:
        t = read_table(DATA / "labelled" / name, [col], "label")
        y = np.asarray(t.labels)
        g = near_duplicate_groups(t.texts)
        runs = _analyses(ident, enc, t.texts)
        got: dict[str, list[Metrics]] = {m: [] for m in MODELS}
        for emb, (scorer, a) in runs.items():
            got["zero-shot" + ("+emb" if emb else "")].append(
                metrics(y, scorer.proba(a), scorer.threshold))
        for seed in range(seeds):
            p = {m: np.zeros(len(y)) for m in MODELS}
            thr = {m: np.full(len(y), 0.5) for m in MODELS}
            for tr, te in cv_folds(y, folds, groups=g, seed=seed):
                p["TF-IDF+LR"][te] = tfidf_lr([t.texts[i] for i in tr], y[tr],
                                              [t.texts[i] for i in te])
                for emb, (scorer, a) in runs.items():
                    key = "trained" + ("+emb" if emb else "")
                    p[key][te], thr[key][te] = _trained(scorer, a, y, tr, te, g, emb, seed)
            for m in ("TF-IDF+LR", *(["trained+emb"] if enc is not None else []), "trained"):
                got[m].append(metrics_per_row_threshold(y, p[m], thr[m]))
        rows.append(f"| {name} ({col}) | {len(y)} ({int(y.sum())}) | {len(set(g.tolist()))} | "
                    + " | ".join(_cell(got[m]) if got[m] else "n/a" for m in MODELS) + " |")
        print(rows[-1], flush=True)
    return rows


def labelled(name: str, col: str) -> tuple[list[str], np.ndarray]:
    """Texts and 0/1 labels of a labelled set (IWT: the majority of its three annotators)."""
    if name == IWT:
        t = read_table(DATA / "labelled" / name, [col])
        return t.texts, np.array([int(int(r["Sum"]) >= 2) for r in t.rows])
    t = read_table(DATA / "labelled" / name, [col], "label")
    return t.texts, np.asarray(t.labels)


def _split_half(groups: np.ndarray, seed: int = HALF_SEED) -> np.ndarray:
    """Half the near-duplicate groups (a fixed draw): True for rows of the first half."""
    u = np.unique(groups)
    rng = np.random.default_rng(seed)
    first = set(rng.permutation(u)[:len(u) // 2].tolist())
    return np.array([x in first for x in groups.tolist()])


def held_out(ident: object, enc: object | None, pairs: list[tuple[str, str, str, str]]
             ) -> list[str]:
    """Train on one labelled file (or half), test on another (or the other half), with
    test rows that near-duplicate a training row left out: every model, same rows."""
    rows = []
    for train_name, train_col, test_name, test_col in pairs:
        if test_name.startswith("half:"):
            all_texts, y_all = labelled(train_name, train_col)
            first = _split_half(near_duplicate_groups(all_texts))
            tr_texts = [x for x, f in zip(all_texts, first, strict=True) if f]
            te_texts = [x for x, f in zip(all_texts, first, strict=True) if not f]
            y_tr, y_te = y_all[first], y_all[~first]
            label = f"{train_name}: half A → half B"
        else:
            tr_texts, y_tr = labelled(train_name, train_col)
            te_texts, y_te = labelled(test_name, test_col)
            label = f"{train_name} → {test_name}"
        g = near_duplicate_groups([*tr_texts, *te_texts])
        seen = set(g[:len(tr_texts)].tolist())
        keep = np.array([x not in seen for x in g[len(tr_texts):].tolist()])
        te_texts = [x for x, k in zip(te_texts, keep, strict=True) if k]
        y_te = y_te[keep]
        texts = [*tr_texts, *te_texts]
        y = np.concatenate([y_tr, y_te])
        tr = np.arange(len(tr_texts))
        te = np.arange(len(tr_texts), len(texts))
        cells = []
        runs = _analyses(ident, enc, texts)
        for m in MODELS:
            emb = m.endswith("+emb")
            if emb and enc is None:
                cells.append("n/a")
                continue
            if m == "TF-IDF+LR":
                cells.append(_cell([metrics(y_te, tfidf_lr(tr_texts, y_tr, te_texts), 0.5)]))
                continue
            scorer, a = runs[emb]
            if m.startswith("zero-shot"):
                cells.append(_cell([metrics(y_te, scorer.proba(a.subset(te)),
                                            scorer.threshold)]))
                continue
            p, thr = _trained(scorer, a, y, tr, te, g[:len(texts)], emb, 0)
            cells.append(_cell([metrics(y_te, p, thr)]))
        rows.append(f"| {label} | {len(tr_texts)} ({int(y_tr.sum())}) | {len(te_texts)} "
                    f"({int(y_te.sum())}; {int((~keep).sum())} left out) | "
                    + " | ".join(cells) + " |")
        print(rows[-1], flush=True)
    return rows


def learning_curve(ident: object, sizes: tuple[int, ...] = (20, 40, 80, 160),
                   repeats: int = 5) -> list[str]:
    """F1 on the rest of a set after training on n random labelled rows (no embeddings)."""
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
    out: list[str] = []
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
    ap.add_argument("--only", choices=("throughput", "cv", "cross", "half"), action="append",
                    help="run only these parts (repeatable; default: all)")
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
    parts = set(args.only or ("throughput", "cv", "cross", "half"))
    enc = load_embedder() if embeddings_available() and not args.no_embed else None
    print(f"identify {ident.version}; embeddings {getattr(enc, 'version', 'off')}")
    head = " | ".join(f"{m} F1" for m in MODELS)
    if "throughput" in parts:
        print("\n| throughput | listings | listings/s (1 core) | peak RSS MiB |")
        print("|---|---|---|---|")
        throughput(ident, enc, args.n, args.n_embed)
    if "cv" in parts:
        print(f"\nGrouped {args.folds}-fold CV (near-duplicates in one fold), mean of "
              f"{args.seeds} shuffles (min–max); every model on the same folds")
        print(f"| set (text column) | n (relevant) | groups | {head} |")
        print("|---|---|---|" + "---|" * len(MODELS))
        grouped_cv(ident, enc, args.folds, args.seeds)
    if "half" in parts:
        print(f"\nHeld-out half: train on half A, test on half B (near-duplicate groups "
              f"split 50/50, seed {HALF_SEED}); no setting was tuned on half B")
        print(f"| split | train n (relevant) | test n (relevant) | {head} |")
        print("|---|---|---|" + "---|" * len(MODELS))
        held_out(ident, enc, [(n, c, "half:", c) for n, c in SETS])
    if "cross" in parts:
        print("\nCross-set: train on one file, test on another (test rows that "
              "near-duplicate a training row left out)")
        print(f"| train → test | train n (relevant) | test n (relevant) | {head} |")
        print("|---|---|---|" + "---|" * len(MODELS))
        held_out(ident, enc, CROSS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
