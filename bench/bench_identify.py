"""Benchmark and quality report of the identify stage.

    .venv/bin/python bench/bench_identify.py [--n 100000] [--baseline-sample 300]
    .venv/bin/python bench/bench_identify.py --compare-before /tmp/wt-before-id

Measures, in one run:
* load time of the shipped pack (fresh interpreters, median of 3) and its memory;
* matcher throughput on one core over N synthetic listings (neutral product texts from
  ../shared/datasets/negatives with names, product terms and obfuscated terms of the pack
  mixed into a third of them), against a naive baseline (one compiled regex per name, in
  a loop) timed on a subsample and extrapolated;
* coverage (taxa, names per language, code words);
* taxon identification on the labelled sets and false taxa on the negatives, with the
  misses grouped by kind;
* with ``--compare-before CHECKOUT``: identification precision (issue 12's false
  identifications, non-bird taxa in pet-bird adverts, taxa in ordinary products, the
  labelled sets' target taxa) for the code in CHECKOUT and for this tree, side by side.

The datasets are research-only: they are read here, nothing from them ships.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import random
import re
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT.parent / "shared" / "datasets"
SHARK_ORDERS = {"Lamniformes", "Carcharhiniformes", "Orectolobiformes", "Squaliformes",
                "Hexanchiformes", "Heterodontiformes", "Pristiophoriformes", "Squatiniformes",
                "Echinorhiniformes", "Rajiformes", "Myliobatiformes", "Pristiformes",
                "Rhinopristiformes", "Torpediniformes"}
ELASMO_GROUPS = {"Selachimorpha", "Batoidea", "Pristidae", "Mobula", "Manta"}
IVORY_TAXA = {"Elephantidae", "Mammuthus", "Odobenus rosmarus", "Hippopotamus amphibius",
              "Monodon monoceros", "Physeter macrocephalus", "Rhinoplax vigil"}

csv.field_size_limit(10_000_000)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", errors="replace", newline="") as fh:
        return list(csv.DictReader(fh))


def cold_load() -> dict[str, float]:
    """Load the shipped pack in fresh interpreters: wall and CPU seconds, memory."""
    code = ("import resource,time,tracemalloc,json,sys\n"
            "trace = len(sys.argv) > 1\n"
            "r0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "if trace: tracemalloc.start()\n"
            "t0, c0 = time.perf_counter(), time.process_time()\n"
            "from wildtrace.identify import load_identifier\n"
            "i = load_identifier()\n"
            "out = {'wall': time.perf_counter() - t0, 'cpu': time.process_time() - c0,\n"
            "       'rss_mb': (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - r0) / 1024}\n"
            "if trace: out['traced_peak_mb'] = tracemalloc.get_traced_memory()[1] / 2**20\n"
            "print(json.dumps(out))\n")
    runs = [json.loads(subprocess.run([sys.executable, "-c", code], check=True,
                                      capture_output=True, text=True).stdout)
            for _ in range(3)]
    traced = json.loads(subprocess.run([sys.executable, "-c", code, "trace"], check=True,
                                       capture_output=True, text=True).stdout)
    return {"wall_s": statistics.median(r["wall"] for r in runs),
            "cpu_s": statistics.median(r["cpu"] for r in runs),
            "rss_mb": statistics.median(r["rss_mb"] for r in runs),
            "traced_peak_mb": traced["traced_peak_mb"]}


def neutral_texts() -> list[str]:
    texts = []
    for name, cols in (("Abt.csv", ("name", "description")),
                       ("AmazonProducts.csv", ("title", "description")),
                       ("Buy.csv", ("name", "description")),
                       ("GoogleProducts.csv", ("name", "description"))):
        for row in _read(DATASETS / "negatives" / name):
            texts.append(" ".join((row.get(c) or "") for c in cols)[:400])
    return texts


def _obfuscate(term: str, rng: random.Random) -> str:
    if not term.isascii() or len(term) < 4 or " " in term:
        return term
    how = rng.randrange(4)
    if how == 0:
        return " ".join(term)
    if how == 1:
        return ".".join(term)
    if how == 2:
        return term.replace("i", "1").replace("o", "0")
    return term.upper()


def synthesise(n: int, ident: Any, seed: int = 7) -> tuple[list[str], int]:
    """N listings: neutral texts, a third with a pack name or term mixed in."""
    rng = random.Random(seed)
    base = neutral_texts()
    names = ident.pack.names["text"]
    terms = [t.text for t in ident.lexicon.terms if t.kind in ("name", "product", "code_word")]
    cues = [t.text for t in ident.lexicon.terms if t.kind == "cue"]
    out, mixed = [], 0
    for _ in range(n):
        words = rng.choice(base).split()
        if rng.random() < 1 / 3:
            pick = rng.choice(names) if rng.random() < 0.5 else _obfuscate(rng.choice(terms), rng)
            words.insert(rng.randrange(len(words) + 1), pick)
            words.insert(rng.randrange(len(words) + 1), rng.choice(cues))
            mixed += 1
        out.append(" ".join(words))
    return out, mixed


def throughput(ident: Any, texts: list[str]) -> dict[str, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    found = 0
    for text in texts:
        if ident.identify(text).taxa:
            found += 1
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"n": len(texts), "wall_s": wall, "cpu_s": cpu, "per_s_wall": len(texts) / wall,
            "per_s_cpu": len(texts) / cpu, "with_taxa": found}


def baseline(ident: Any, texts: list[str], sample: int) -> dict[str, float]:
    """One compiled regex per automaton key, searched in a loop over the folded text."""
    from wildtrace.identify.normalise import fold

    t0 = time.perf_counter()
    keys = ident.keys()  # the same keys the automatons hold
    patterns = [re.compile(r"(?<!\w)" + re.escape(k.strip()) + r"(?!\w)") for k in keys]
    compile_s = time.perf_counter() - t0
    sub = texts[:sample]
    c0, t1 = time.process_time(), time.perf_counter()
    hits = 0
    for text in sub:
        folded = fold(text).text
        for pat in patterns:
            if pat.search(folded):
                hits += 1
    cpu, wall = time.process_time() - c0, time.perf_counter() - t1
    return {"patterns": len(patterns), "compile_s": compile_s, "sample": len(sub),
            "per_s_cpu": len(sub) / cpu, "per_s_wall": len(sub) / wall,
            "extrapolated_full_s": len(texts) * cpu / len(sub)}


def coverage(ident: Any) -> dict[str, Any]:
    pack_langs: Counter[str] = Counter()
    for rule in ident.pack.names["rule"]:
        pack_langs[rule.split(":", 1)[1] if rule.startswith("name:") else rule] += 1
    lex_langs = Counter(t.lang for t in ident.lexicon.terms if t.kind in ("name", "product"))
    return {"taxa": ident.pack.n_taxa, "extra_taxa": len(ident.lexicon.extra_taxa),
            "pack_names": ident.pack.n_names, "pack_names_by_lang": dict(pack_langs),
            "handwritten_terms_by_lang": dict(lex_langs),
            "product_terms": sum(1 for t in ident.lexicon.terms if t.kind == "product"),
            "code_words_matched": sum(1 for t in ident.lexicon.terms if t.kind == "code_word"),
            "code_words_documented": len(ident.lexicon.codewords),
            "cue_terms": sum(1 for t in ident.lexicon.terms if t.kind == "cue"),
            "automaton_keys": ident.counts["keys"]}


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": round(p, 3), "recall": round(r, 3)}


_LOOKS_LIKE = {"replica", "toy", "print", "colour", "fossil"}


def _miss_kind(text: str, ident: Any) -> str:
    low = text.lower()
    found = ident.identify(text)
    if found.taxa:
        return "found another taxon: " + ", ".join(found.taxa[:2])
    if re.search(r"insect|beetle|butterfl|moth|cerambyc|rutelid|lucanid|tenebrion|"
                 r"shell|conus|murex|cowrie|fish|epinephelus|skate", low):
        return "taxon outside the pack (insects, shells, fish: not CITES-listed)"
    if re.search(r"fossil|cretaceous|pleistocene|jurassic|miocene|sabertooth|woolly", low):
        return "fossil or extinct taxon"
    if re.search(r"leather|strap|belt|wallet|jacket|birkin|tote", low):
        return "leather goods without a species word"
    if len(re.sub(r"\{\{\w+\}\}|#\w+|\s+", " ", low).strip()) < 40:
        return "too little text (link, hashtags)"
    if not text.isascii():
        return "non-English text"
    return "no name or product term in the text"


def labelled_quality(ident: Any) -> dict[str, Any]:
    lab = DATASETS / "labelled"
    report: dict[str, Any] = {}

    # Ivory tweets: positives should come out as elephant ivory (or another ivory taxon).
    rows = _read(lab / "ivory_tweets.csv")
    tp_e = tp_any = fp_e = fp_any = 0
    neg_flagged = 0
    misses: Counter[str] = Counter()
    for row in rows:
        text = row["tweet_text_cleaned"]
        found = ident.identify(text)
        has_e = "Elephantidae" in found.taxa
        has_any = bool(IVORY_TAXA & set(found.taxa))
        if row["label"] == "1":
            tp_e += has_e
            tp_any += has_any
            if not has_any:
                misses[_miss_kind(text, ident)] += 1
        else:
            fp_e += has_e
            fp_any += has_any
            neg_flagged += has_any and bool(_LOOKS_LIKE & set(found.flags))
    pos = sum(1 for r in rows if r["label"] == "1")
    report["ivory_tweets"] = {
        "n": len(rows), "positives": pos,
        "elephantidae": _prf(tp_e, fp_e, pos - tp_e),
        "any_ivory_taxon": _prf(tp_any, fp_any, pos - tp_any),
        "negatives_with_ivory_taxon_and_looks_like_flag": neg_flagged,
        "misses_by_kind": dict(misses.most_common())}

    # Shark products: positives should come out as sharks (or rays), by group or order.
    def elasmo(found: Any) -> bool:
        for name in found.taxa:
            t = ident.taxon(name)
            if name in ELASMO_GROUPS or (t is not None and t.order in SHARK_ORDERS):
                return True
        return False

    rows = _read(lab / "shark_products_ads.csv")
    tp = fp = fn = 0
    neg_flagged = 0
    misses = Counter()
    for row in rows:
        text = f"{row['title']}\n{row['description']}"
        found = ident.identify(text)
        hit = elasmo(found)
        if row["label"] == "1":
            tp += hit
            fn += not hit
            if not hit:
                misses[_miss_kind(text, ident)] += 1
        else:
            fp += hit
            neg_flagged += hit and bool(_LOOKS_LIKE & set(found.flags))
    report["shark_products"] = {"n": len(rows), **_prf(tp, fp, fn),
                                "negatives_hit_with_looks_like_flag": neg_flagged,
                                "misses_by_kind": dict(misses.most_common())}

    # Animal products: positives should get a taxon at all; negatives (stamps, toys,
    # replicas) that get one are counted, with how many carry a replica/toy/print flag.
    rows = _read(lab / "animal_products_titles.csv")
    tp = fp = fn = 0
    neg_flagged = 0
    misses = Counter()
    for row in rows:
        found = ident.identify(row["title"])
        hit = bool(found.taxa)
        if row["label"] == "1":
            tp += hit
            fn += not hit
            if not hit:
                misses[_miss_kind(row["title"], ident)] += 1
        else:
            fp += hit
            neg_flagged += hit and bool(_LOOKS_LIKE & set(found.flags))
    report["animal_products"] = {"n": len(rows), **_prf(tp, fp, fn),
                                 "negatives_hit_with_looks_like_flag": neg_flagged,
                                 "misses_by_kind": dict(misses.most_common())}

    # Ordinary products: any taxon is a false hit. Abt+Amazon were looked at while
    # writing the stopwords and masks (dev); Buy+Google were not (held out).
    for split, files in (("dev", (("Abt.csv", ("name", "description")),
                                  ("AmazonProducts.csv", ("title", "description")))),
                         ("held_out", (("Buy.csv", ("name", "description")),
                                       ("GoogleProducts.csv", ("name", "description"))))):
        n = wrong = 0
        keys: Counter[str] = Counter()
        for name, cols in files:
            for row in _read(DATASETS / "negatives" / name):
                found = ident.identify(" ".join(row.get(c) or "" for c in cols))
                n += 1
                if found.taxa:
                    wrong += 1
                    keys.update(m.matched.lower() for m in found.matches)
        report[f"negatives_{split}"] = {"n": n, "with_taxon": wrong,
                                        "rate": round(wrong / n, 4),
                                        "top_words": dict(keys.most_common(8))}
    return report


# The false identifications issue 12 reported, each with the test of being wrong.
ISSUE_EXAMPLES: tuple[tuple[str, str, str], ...] = (
    ("Hand-raised male budgie, very tame, for sale", "taxon", "Ovis aries"),
    ("male and female cockatiels for sale", "taxon", "Ovis aries"),
    ("Lorikeet pair for sale, hand tame, Brisbane", "appendix", "I"),
    ("Rosewood guitar fretboard, Indian rosewood, luthier supply", "appendix", "I"),
    ("Red deer antlers for sale, shed antler, dog chew", "appendix", "I"),
    ("Snake plant in ceramic pot, easy care houseplant", "taxon", "Micrurus nigrocinctus"),
    ("SANDTIGER shark jaw, real, 12 inch", "taxon", "Panthera tigris"),
    ("Men's toupee, human hair, natural look", "taxon", "Primates"),
    ("Cartier Panthère ring, 18k gold, box and papers", "taxon", "Panthera pardus"),
    ("Bear-shaped mammoth ivory carving, Siberian, 8 cm", "taxon", "Ursidae"),
    ("Puma running shoes, size 42", "any", ""),
    ("Jaguar XF 2015 for sale, low mileage", "any", ""),
    ("Tiger beer, 24 cans", "any", ""),
    ("tiger prawns 1kg frozen", "any", ""),
    ("Python programming book, 3rd edition", "any", ""),
    ("laowang_ivory on wechat", "any", ""),
    ("mail ivory.king@example.com for details", "any", ""),
    ("Coral Gables home for rent", "any", ""),
    ("coral reef tourism package, snorkelling", "any", ""),
)


def _example_wrong(found: Any, test: str, value: str) -> bool:
    if test == "taxon":
        return value in found.taxa
    if test == "appendix":
        return bool(found.cites == value)
    return bool(found.taxa)


def _verdict_of(found: Any, ident: Any) -> str:
    from wildtrace.assess.legality import verdict  # noqa: PLC0415

    return str(verdict(found, "CITES", identifier=ident).verdict)


def precision_report(ident: Any) -> dict[str, Any]:
    """Identification precision: the issue's examples, the bird classifieds, the
    ordinary products and the labelled sets (what ``--compare-before`` puts side by
    side). Every taxon named in an ordinary product, and every non-bird taxon named in a
    pet-bird advert, is a false identification."""
    out: dict[str, Any] = {"version": ident.version}
    wrong = [text for text, test, value in ISSUE_EXAMPLES
             if _example_wrong(ident.identify(text), test, value)]
    out["issue_examples"] = {"n": len(ISSUE_EXAMPLES), "still_wrong": len(wrong),
                             "wrong": wrong}
    # Stringham et al.'s Australian pet-bird classifieds (stemmed text; label2 = junk).
    path = DATASETS / "labelled" / "stringham-bird-classifieds" / "text_w_labels.csv"
    with path.open(encoding="latin-1", newline="") as fh:
        birds = list(csv.DictReader(fh))
    klass: dict[str, str] = {}

    def is_bird(name: str) -> bool:
        if name not in klass:
            t = ident.taxon(name)
            klass[name] = (t.klass if t is not None else "") or ""
        return klass[name] == "Aves" or name in ("Psittaciformes", "Bucerotidae",
                                                  "Falconiformes", "Strigiformes")
    n = with_taxon = non_bird = ovis = app1 = illegal = 0
    for row in birds:
        if row.get("label2") == "1":
            continue  # junk adverts (not birds at all) are not scored here
        n += 1
        found = ident.identify(row["text_stop_stem"])
        if not found.taxa:
            continue
        with_taxon += 1
        non_bird += any(not is_bird(t) for t in found.taxa)
        ovis += "Ovis aries" in found.taxa
        app1 += found.cites == "I"
        illegal += _verdict_of(found, ident) == "likely_illegal"
    out["bird_classifieds"] = {
        "n": n, "with_taxon": with_taxon, "with_a_non_bird_taxon": non_bird,
        "precision_bird_taxa": round(1 - non_bird / with_taxon, 4) if with_taxon else 0.0,
        "ovis_aries": ovis, "appendix_I": app1, "likely_illegal_cites": illegal}
    # Ordinary products: every taxon is wrong.
    n = hit = app1 = 0
    words: Counter[str] = Counter()
    for name, cols in (("Abt.csv", ("name", "description")),
                       ("AmazonProducts.csv", ("title", "description")),
                       ("Buy.csv", ("name", "description")),
                       ("GoogleProducts.csv", ("name", "description"))):
        for row in _read(DATASETS / "negatives" / name):
            found = ident.identify(" ".join(row.get(c) or "" for c in cols))
            n += 1
            if found.taxa:
                hit += 1
                app1 += found.cites == "I"
                words.update(m.matched.lower() for m in found.matches)
    out["ordinary_products"] = {"n": n, "with_taxon": hit, "appendix_I": app1,
                                "precision_no_false_taxon": round(1 - hit / n, 4),
                                "top_words": dict(words.most_common(8))}
    # The labelled sets: the target taxa's precision and recall (see labelled_quality).
    q = labelled_quality(ident)
    out["labelled"] = {
        "ivory_tweets_any_ivory_taxon": q["ivory_tweets"]["any_ivory_taxon"],
        "shark_products": {k: q["shark_products"][k] for k in
                           ("tp", "fp", "fn", "precision", "recall")},
        "animal_products": {k: q["animal_products"][k] for k in
                            ("tp", "fp", "fn", "precision", "recall")}}
    return out


def compare_before(before: Path) -> dict[str, Any]:
    """:func:`precision_report` for the code in ``before`` (a read-only checkout, e.g.
    ``git worktree add -f /tmp/wt-before-id HEAD``) and for this tree, in one run."""
    figures: dict[str, Any] = {}
    for label, path in (("before", before), ("after", ROOT)):
        env = {"PYTHONPATH": str(path), "PATH": "/usr/bin:/bin"}
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()),
                               "--precision-only"], capture_output=True, text=True,
                              env=env, cwd="/", check=True, timeout=1800)
        figures[label] = json.loads(proc.stdout)
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000, help="synthetic listings")
    ap.add_argument("--baseline-sample", type=int, default=300,
                    help="listings the naive baseline is timed on")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    ap.add_argument("--texts", type=Path, default=None,
                    help="read the synthetic listings from this .jsonl.gz (made with "
                         "--dump-texts) instead of synthesising them, e.g. on a machine "
                         "without the datasets")
    ap.add_argument("--dump-texts", type=Path, default=None,
                    help="write the synthetic listings to this .jsonl.gz and stop")
    ap.add_argument("--no-quality", action="store_true", help="skip the labelled-set report")
    ap.add_argument("--precision-only", action="store_true",
                    help="print only the identification-precision report (JSON)")
    ap.add_argument("--compare-before", type=Path, default=None, metavar="CHECKOUT",
                    help="the precision report for the code in CHECKOUT and for this "
                         "tree, side by side (each in its own interpreter)")
    args = ap.parse_args()
    if args.precision_only or args.compare_before is not None:
        from wildtrace.identify import load_identifier as _load  # noqa: PLC0415

        got = (precision_report(_load()) if args.compare_before is None
               else compare_before(args.compare_before))
        text = json.dumps(got, indent=2, ensure_ascii=False)
        print(text)
        if args.json:
            args.json.write_text(text, encoding="utf-8")
        return
    if args.texts is None and not (DATASETS / "negatives").is_dir():
        sys.exit(f"datasets not found at {DATASETS}")

    results: dict[str, Any] = {"python": sys.version.split()[0], "load": cold_load()}
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    from wildtrace.identify import load_identifier

    ident = load_identifier()
    results["version"] = ident.version
    results["coverage"] = coverage(ident)
    if args.texts is not None:
        with gzip.open(args.texts, "rt", encoding="utf-8") as fh:
            texts = [json.loads(line) for line in fh][: args.n]
        mixed = -1  # not known here
    else:
        texts, mixed = synthesise(args.n, ident)
    if args.dump_texts is not None:
        with gzip.open(args.dump_texts, "wt", encoding="utf-8") as fh:
            fh.writelines(json.dumps(t, ensure_ascii=False) + "\n" for t in texts)
        print(f"wrote {len(texts)} listings to {args.dump_texts}")
        return
    results["synthetic"] = {"n": len(texts), "with_a_term_mixed_in": mixed,
                            "mean_chars": sum(map(len, texts)) / len(texts)}
    results["matcher"] = throughput(ident, texts)
    results["peak_rss_mb_after_matching"] = resource.getrusage(
        resource.RUSAGE_SELF).ru_maxrss / 1024
    results["rss_growth_mb_load_and_match"] = (resource.getrusage(
        resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024
    results["baseline"] = baseline(ident, texts, args.baseline_sample)
    results["speedup_cpu"] = results["matcher"]["per_s_cpu"] / results["baseline"]["per_s_cpu"]
    if not args.no_quality:
        results["quality"] = labelled_quality(ident)
    text = json.dumps(results, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
