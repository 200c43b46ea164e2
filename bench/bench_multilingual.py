"""Benchmark: zero-shot relevance in the 20 languages of tests/data/multilingual/.

Reports precision and recall of the shipped zero-shot model (``score`` with no trained
model) per language, per kind (taxon/product of the offers, look-alike kind of the rest)
and per style (plain, obfuscated, code word) on the held-out half (``heldout.csv``) and
on the second held-out set written after tuning (``heldout2.csv``), beside, in the same
run and on the same rows:

  * a TF-IDF + logistic-regression baseline trained on the tuning half (``tune.csv``):
    character 1-4-grams within word boundaries (word n-grams cannot read Chinese, Thai,
    Japanese, Khmer, Lao or Burmese, which have no spaces), class-balanced, cut at 0.5;
  * the zero-shot model as it was before this work (identify's cues unchanged, but
    accent folding and language keys off) is not rebuilt here: see bench/README.md for
    the figures measured on the same set at the start.

With ``--embed`` the zero-shot model also runs with the multilingual sentence encoder
(multilingual-e5-small, from the ``[embed]`` extra); ``--embed-english`` adds the
English-only MiniLM (the default encoder where installed; its margin used for English
text only) beside it. ``--speed N`` measures each encoder's listings/s and memory.

    .venv/bin/python bench/bench_multilingual.py                 # held-out halves
    .venv/bin/python bench/bench_multilingual.py --embed --embed-english
    .venv/bin/python bench/bench_multilingual.py --set tune --misses   # while tuning
    .venv/bin/python bench/bench_multilingual.py --speed 528   # encoders' listings/s, memory

``--misses`` lists the rows the zero-shot model gets wrong; it refuses the held-out
sets, which are never looked at row by row.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wildtrace.assess.embedding import ENGLISH_NAME, MULTILINGUAL_NAME, Embedder  # noqa: E402
from wildtrace.assess.scorer import Scorer  # noqa: E402
from wildtrace.identify import load_identifier  # noqa: E402

DATA = ROOT / "tests" / "data" / "multilingual"
LANGS = ("en", "zh", "vi", "th", "id", "ms", "ja", "ko", "pt", "es", "fr", "de", "it", "ru",
         "ar", "hi", "tl", "km", "lo", "my")


def load(name: str) -> list[dict[str, str]]:
    """The rows of one file of the set (id, language, label, kind, style, text)."""
    with (DATA / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def tfidf_lr(train: list[dict[str, str]], test: list[dict[str, str]]) -> np.ndarray:
    """The baseline's probabilities on ``test`` after fitting on ``train``."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True)
    lr = LogisticRegression(C=10.0, class_weight="balanced", max_iter=3000)
    lr.fit(vec.fit_transform([r["text"] for r in train]), [int(r["label"]) for r in train])
    return np.asarray(lr.predict_proba(vec.transform([r["text"] for r in test]))[:, 1])


def pr(y: np.ndarray, pred: np.ndarray) -> tuple[float, float, float]:
    """Precision, recall and F1 (precision 1.0 where nothing was predicted)."""
    tp = float(np.sum(pred & y))
    p = tp / max(float(np.sum(pred)), 1.0) if pred.any() else 1.0
    r = tp / max(float(np.sum(y)), 1.0)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def breakdown(rows: list[dict[str, str]], preds: dict[str, np.ndarray], key: str
              ) -> list[str]:
    """Markdown rows: per value of ``key``, P/R (offers) or false-positive rate."""
    y = np.array([r["label"] == "1" for r in rows])
    groups: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        groups[r[key]].append(i)
    order = [v for v in LANGS if v in groups] if key == "language" else sorted(groups)
    out = []
    for value in order:
        idx = np.array(groups[value])
        pos, neg = int(y[idx].sum()), int((~y[idx]).sum())
        cells = []
        for pred in preds.values():
            if key == "kind":
                # A kind holds offers only or look-alikes only: recall or pass rate.
                hits = int(pred[idx].sum())
                cells.append(f"recall {hits}/{pos}" if pos else f"FP {hits}/{neg}")
            else:
                prec, rec, f1 = pr(y[idx], pred[idx])
                cells.append(f"P {prec:.2f} R {rec:.2f} F1 {f1:.2f}")
        out.append(f"| {value} | {pos}/{neg} | " + " | ".join(cells) + " |")
    return out


def report(name: str, rows: list[dict[str, str]], preds: dict[str, np.ndarray]) -> None:
    """Overall, per-language, per-kind and per-style tables for one file."""
    y = np.array([r["label"] == "1" for r in rows])
    head = "| | offers/look-alikes | " + " | ".join(preds) + " |"
    rule = "|---|---|" + "---|" * len(preds)
    print(f"\n### {name}: {len(rows)} rows ({int(y.sum())} offers)\n")
    print(head + "\n" + rule)
    cells = []
    for pred in preds.values():
        p, r, f = pr(y, pred)
        cells.append(f"**P {p:.3f} R {r:.3f} F1 {f:.3f}**")
    print(f"| all | {int(y.sum())}/{int((~y).sum())} | " + " | ".join(cells) + " |")
    recalls: dict[str, dict[str, float]] = {}
    for lang in LANGS:
        idx = [i for i, r in enumerate(rows) if r["language"] == lang]
        if idx:
            recalls[lang] = {m: pr(y[idx], p[idx])[1] for m, p in preds.items()}
    lowest = []
    for m in preds:
        worst = min(recalls, key=lambda lang, m=m: recalls[lang][m])  # type: ignore[misc]
        lowest.append(f"{recalls[worst][m]:.2f} ({worst})")
    print("| lowest language recall | | " + " | ".join(lowest) + " |")
    for key in ("language", "style", "kind"):
        print(f"\nper {key}\n\n| {key} | offers/look-alikes | " + " | ".join(preds)
              + " |\n" + rule)
        print("\n".join(breakdown(rows, preds, key)))


def encoder_speed(english_only: bool, n: int) -> str:
    """listings/s and memory of one encoder in a fresh child process (so each one's
    memory is its own), on ``n`` distinct held-out texts (suffixed, so no cache helps)."""
    import json
    import subprocess

    child = r"""
import json, os, resource, sys, time
sys.path.insert(0, sys.argv[1])
from bench.bench_multilingual import load
from wildtrace.assess.embedding import Embedder
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20
before = rss()
t = time.perf_counter()
enc = Embedder("all-MiniLM-L6-v2" if sys.argv[2] == "1" else "multilingual-e5-small")
load_s = time.perf_counter() - t
rows = load("heldout") + load("tune")
texts = [f"{r['text']} #{i}" for i, r in enumerate(rows * 4)][: int(sys.argv[3])]
enc.encode(texts[:16])
t = time.perf_counter(); enc.encode(texts[16:]); dt = time.perf_counter() - t
print(json.dumps({"version": enc.version, "load_s": load_s, "rate": (len(texts) - 16) / dt,
                  "mib": rss() - before, "peak_mib": resource.getrusage(
                      resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "load_avg": os.getloadavg()[0]}))
"""
    out = subprocess.run([sys.executable, "-c", child, str(ROOT), str(int(english_only)),
                          str(n)], check=True, capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "OMP_NUM_THREADS": "2"})
    r = json.loads(out.stdout.strip().splitlines()[-1])
    return (f"{r['version']}: {r['rate']:,.0f} listings/s on {n - 16} distinct held-out "
            f"texts (2 threads), load {r['load_s']:.2f} s, +{r['mib']:.0f} MiB resident "
            f"(peak RSS {r['peak_mib']:.0f} MiB), machine load average {r['load_avg']:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", action="append", choices=("tune", "heldout", "heldout2"),
                        help="which file(s) to report (default: heldout, heldout2)")
    parser.add_argument("--embed", action="store_true", help="also with sentence embeddings")
    parser.add_argument("--embed-english", action="store_true",
                        help="also with the English-only encoder (MiniLM), for comparison")
    parser.add_argument("--speed", type=int, default=0, metavar="N",
                        help="only measure each encoder's listings/s and memory on N texts")
    parser.add_argument("--misses", action="store_true",
                        help="list zero-shot errors (tuning half only)")
    args = parser.parse_args()
    if args.speed:
        for english_only in (False, True):
            print(encoder_speed(english_only, args.speed), flush=True)
        return
    sets = args.set or ["heldout", "heldout2"]
    if args.misses and set(sets) != {"tune"}:
        parser.error("--misses is for the tuning half only (--set tune)")
    tune = load("tune")
    ident = load_identifier()
    scorers: dict[str, Scorer] = {"zero-shot": Scorer(ident)}
    if args.embed:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t0 = time.perf_counter()
        emb = Embedder(MULTILINGUAL_NAME)
        load_s = time.perf_counter() - t0
        scorers["zero-shot+e5"] = Scorer(ident, emb)
    if args.embed_english:
        scorers["zero-shot+MiniLM"] = Scorer(ident, Embedder(ENGLISH_NAME))
    for name in sets:
        path = DATA / f"{name}.csv"
        if not path.exists():
            print(f"\n({path.name} not found)")
            continue
        rows = load(name)
        texts = [r["text"] for r in rows]
        preds: dict[str, np.ndarray] = {}
        for label, scorer in scorers.items():
            t0 = time.perf_counter()
            preds[label] = scorer.proba(scorer.analyse(texts)) >= scorer.threshold
            if "+" in label:
                rate = len(texts) / (time.perf_counter() - t0)
                print(f"{label} on {name}: {rate:,.0f} listings/s (first pass, no cache)")
        if name != "tune":
            preds["TF-IDF+LR (tune)"] = tfidf_lr(tune, rows) >= 0.5
        report(name, rows, preds)
        if args.misses:
            zs = scorers["zero-shot"]
            a = zs.analyse(texts)
            prob = zs.proba(a)
            for r, p, idn in zip(rows, prob, a.idents, strict=True):
                if (p >= zs.threshold) != (r["label"] == "1"):
                    found: Any = [f"{m.kind}:{m.matched}" for m in idn.matches] + [
                        f"{c.kind}:{c.matched}" for c in idn.cues]
                    print(f"MISS {r['id']} y={r['label']} p={p:.2f} {r['kind']} "
                          f"{r['text'][:90]!r} {found}")
    if args.embed:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"\nencoder {getattr(emb, 'version', '?')}: load {load_s:.2f} s, peak RSS "
              f"{peak:.0f} MiB ({peak - before:+.0f} MiB after loading it)")


if __name__ == "__main__":
    main()
