"""Emerging terms: are new code words proposed before they become common?

A time-ordered labelled set is built from real listings (research-only data, read here
and never shipped): the foreground is the analyst-labelled wildlife listings of
``labelled/`` (ivory tweets, shark-product and animal-product ads, label 1), the
background their label-0 rows and the ordinary product listings of ``negatives/``. Each
listing gets a date in a 12-month span and a seller from a pool. Then new code words, in
several scripts, are introduced one by one: from its start month a term spreads through
the foreground listings (1 % of that month's, then ×2.2 a month, at most 25 %), and some
terms also leak into ordinary listings at 0.2 %. A term becomes **common** in the first
month that 5 % of the month's foreground listings use it.

At the end of every month the finder runs on what was there by then, and each term's
first month in the top K is its **proposal** month. Reported: the share of terms
proposed before they became common, the mean lead in months, and the share of the top K
that are introduced terms, for :func:`wildtrace.measure.emerging.suggest` and the
frequency baseline in the same run. The terms are split in two halves: the settings are
chosen on the tuning half (a small grid) and the figures reported on the held-out half,
with another random schedule.

    .venv/bin/python bench/bench_emerging.py [--k 20] [--seed 7]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wildtrace.app.emerging import known_to  # noqa: E402
from wildtrace.identify import load_identifier  # noqa: E402
from wildtrace.measure.emerging import (  # noqa: E402
    Doc,
    Settings,
    frequency_baseline,
    suggest,
    tokens,
)

DATA = ROOT.parent / "shared" / "datasets"
START = datetime(2025, 1, 1)
MONTHS = 12
# Invented code words (checked unknown to the shipped lexicon at run time), in the
# scripts the trade uses; two halves: tuning and held-out.
TUNE_TERMS = ["moon porcelain", "snow jade", "đá sữa", "月光瓷", "หินนม", "batu susu",
              "cream tiles", "雪花材"]
HELD_OUT_TERMS = ["white wax stone", "ngọc kem", "雪玉料", "หยกหิมะ", "luna blanca talla",
                  "old bone craft", "白蜡石", "kayu susu putih"]
COMMON_SHARE = 0.05


def _read(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return list(csv.DictReader(text.splitlines()))


def corpus() -> tuple[list[str], list[str]]:
    """(foreground texts, background texts) from the shared datasets."""
    fg: list[str] = []
    bg: list[str] = []
    lab = DATA / "labelled"
    for row in _read(lab / "ivory_tweets.csv"):
        (fg if row.get("label") == "1" else bg).append(row.get("tweet_text_cleaned", ""))
    for row in _read(lab / "shark_products_ads.csv"):
        text = f"{row.get('title', '')} {row.get('description', '')[:400]}"
        (fg if row.get("label") == "1" else bg).append(text)
    for row in _read(lab / "animal_products_titles.csv"):
        (fg if row.get("label") == "1" else bg).append(row.get("title", ""))
    for row in _read(lab / "iwt-twitter-wpi" / "dataset_with_user_description.csv"):
        (fg if row.get("label") == "1" else bg).append(row.get("sentence", ""))
    for row in _read(lab / "stringham-bird-classifieds" / "text_w_labels.csv"):
        if row.get("label1") in ("0", "1"):  # stemmed classified-ad text (see SOURCE.md)
            (fg if row["label1"] == "1" else bg).append(row.get("text_stop_stem", "")[:600])
    for name in ("Abt.csv", "Buy.csv", "AmazonProducts.csv", "GoogleProducts.csv"):
        for row in _read(DATA / "negatives" / name):
            bg.append(f"{row.get('name') or row.get('title') or ''} "
                      f"{(row.get('description') or '')[:300]}")
    return [t for t in fg if t.strip()], [t for t in bg if t.strip()]


@dataclass(frozen=True)
class Planted:
    term: str
    start: int  # month index it is introduced
    leaks: bool


def build(fg: list[str], bg: list[str], terms: Sequence[str], seed: int,
          known: Callable[[str], bool]) -> tuple[list[Doc], list[Planted], dict[str, int]]:
    """Dated documents with the terms planted, and each term's "common" month."""
    rnd = random.Random(seed)
    ident = load_identifier()
    planted = [Planted(t, rnd.randint(2, 8), rnd.random() < 0.5) for t in terms]
    month_of = lambda: rnd.randrange(MONTHS)  # noqa: E731
    rows: list[tuple[str, int, bool]] = [(t, month_of(), True) for t in fg]
    rows += [(t, month_of(), False) for t in bg]
    by_month: dict[tuple[int, bool], list[int]] = {}
    for i, (_, m, f) in enumerate(rows):
        by_month.setdefault((m, f), []).append(i)
    texts = [r[0] for r in rows]
    common: dict[str, int] = {}
    for p in planted:
        for m in range(p.start, MONTHS):
            share = min(0.25, 0.01 * 2.2 ** (m - p.start))
            pool = by_month.get((m, True), [])
            chosen = rnd.sample(pool, max(1, round(share * len(pool))))
            for i in chosen:
                texts[i] = f"{texts[i]} {p.term}" if rnd.random() < 0.5 \
                    else f"{p.term} {texts[i]}"
            if share >= COMMON_SHARE and p.term not in common:
                common[p.term] = m
            if p.leaks:
                others = by_month.get((m, False), [])
                for i in rnd.sample(others, max(0, round(0.002 * len(others)))):
                    texts[i] = f"{texts[i]} {p.term}"
    docs = []
    for i, (text, m, f) in enumerate(zip(texts, (r[1] for r in rows),
                                         (r[2] for r in rows), strict=True)):
        day = START + timedelta(days=30 * m + rnd.randrange(30))
        found = ident.identify(text[:2000])
        docs.append(Doc(i + 1, tokens(text), day, f, seller=f"s{rnd.randrange(400)}",
                        known=bool(found.taxa), taxa=tuple(found.taxa[:2])))
    return docs, planted, common


def _hits(candidate: str, wanted: set[str]) -> list[str]:
    """The planted terms a candidate names: the term itself, or a part of it at least
    half as long ("wax stone" for "white wax stone", the 4-gram of a longer Thai word),
    or a phrase holding it that is not more than twice as long."""
    return [w for w in wanted
            if (candidate in w and 2 * len(candidate) >= len(w))
            or (w in candidate and len(candidate) <= 2 * len(w))]


def evaluate(docs: list[Doc], planted: list[Planted], common: dict[str, int], k: int,
             known: Callable[[str], bool], method: str,
             settings: Settings | None = None) -> dict[str, float]:
    """Proposed-before-common, mean lead (months) and precision of the top k."""
    first: dict[str, int] = {}
    precision = []
    wanted = {p.term.casefold() for p in planted}
    for m in range(1, MONTHS):
        now = START + timedelta(days=30 * (m + 1) - 1)
        if method == "suggest":
            top = [c.term for c in suggest(docs, now=now, known=known, settings=settings,
                                           limit=k)]
        else:
            top = frequency_baseline(docs, now=now, known=known, limit=k,
                                     min_foreground=settings.min_foreground
                                     if settings else 3)
        live = {p.term.casefold() for p in planted if p.start <= m}
        if live:
            precision.append(sum(1 for t in top if _hits(t, wanted)) / k)
        for t in top:
            for hit in _hits(t, wanted):
                first.setdefault(hit, m)
    early, leads = 0, []
    for p in planted:
        key = p.term.casefold()
        c = common.get(p.term, MONTHS)
        if key in first and first[key] < c:
            early += 1
            leads.append(c - first[key])
    n = len(planted)
    return {"terms": n, "proposed_before_common": early / n if n else 0.0,
            "proposed_at_all": sum(1 for p in planted if p.term.casefold() in first) / n,
            "mean_lead_months": sum(leads) / len(leads) if leads else 0.0,
            "precision_at_k": sum(precision) / len(precision) if precision else 0.0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    t0 = time.perf_counter()
    known = known_to(load_identifier())
    fg, bg = corpus()
    for t in TUNE_TERMS + HELD_OUT_TERMS:
        if known(t.casefold()):
            raise SystemExit(f"{t!r} is in the shipped lexicon: pick another invented term")
    tune_docs, tune_planted, tune_common = build(fg, bg, TUNE_TERMS, args.seed, known)
    grid = [replace(Settings(), prior=a0, established_weight=ew, min_foreground=mf)
            for a0 in (10.0, 50.0) for ew in (0.1, 0.3) for mf in (2, 3)]
    tried = [(s, evaluate(tune_docs, tune_planted, tune_common, args.k, known, "suggest", s))
             for s in grid]
    tuned = max(tried, key=lambda x: (x[1]["proposed_before_common"],
                                      x[1]["mean_lead_months"], x[1]["precision_at_k"]))[0]
    docs, planted, common = build(fg, bg, HELD_OUT_TERMS, args.seed + 1000, known)
    out = {
        "foreground_listings": len(fg), "background_listings": len(bg), "k": args.k,
        "tuned": {"prior": tuned.prior, "established_weight": tuned.established_weight,
                  "min_foreground": tuned.min_foreground},
        "tuning_half": evaluate(tune_docs, tune_planted, tune_common, args.k, known,
                                "suggest", tuned),
        "held_out": {
            "suggest": evaluate(docs, planted, common, args.k, known, "suggest", tuned),
            "suggest_default_settings": evaluate(docs, planted, common, args.k, known,
                                                 "suggest", Settings()),
            "frequency_baseline": evaluate(docs, planted, common, args.k, known,
                                           "frequency", tuned),
        },
        "common_month": common, "start_month": {p.term: p.start for p in planted},
        "seconds": round(time.perf_counter() - t0, 1),
    }
    print(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
