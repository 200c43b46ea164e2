"""Benchmark: language detection on the held-out adverts of tests/data/language/.

Measures, side by side in one run, on 20 languages, the detector wildtrace ships
(``wildtrace.extract.language.detect_language``: script, tone marks, then lingua for
Latin-script text) and the word-list detector it replaced (``detect_language_wordlist``,
still the fallback where lingua is not installed): accuracy per language, on the very
short half (the first ten lines of each file) and the rest, what each language is taken
for, texts per second, and, for the shipped one, the model's load time and the memory it
adds. ``--variants`` also measures lingua configurations we did not ship (low-accuracy
mode; all 75 languages), each in its own child process so memory figures stay apart.
The demo file's share of rows left without a language is printed too.

    .venv/bin/python bench/bench_language.py
    .venv/bin/python bench/bench_language.py --variants --json /tmp/bench_language.json
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wildtrace.extract import language as lang_mod  # noqa: E402

DATA = ROOT / "tests" / "data" / "language"
SHORT = 10  # the first ten lines of each file are the very short adverts


def load_set(data: Path = DATA) -> dict[str, list[str]]:
    """Language code -> its adverts, one a line, in file order."""
    return {p.stem: [ln for ln in p.read_text("utf-8").splitlines() if ln.strip()]
            for p in sorted(data.glob("*.txt"))}


def rss_mib() -> float:
    """Resident set size of this process now, MiB (Linux; the peak elsewhere): the peak
    would hide a model smaller than what importing the pipeline already touched."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def evaluate(detect: Callable[[str], str], sets: dict[str, list[str]]) -> dict[str, Any]:
    """Accuracy per language (all, short half, long half), confusions, texts/s."""
    per: dict[str, Any] = {}
    start = time.perf_counter()
    got = {lang: [detect(text) for text in texts] for lang, texts in sets.items()}
    seconds = time.perf_counter() - start
    for lang, answers in got.items():
        right = [a == lang for a in answers]
        per[lang] = {"n": len(right), "accuracy": sum(right) / len(right),
                     "short": sum(right[:SHORT]) / len(right[:SHORT]),
                     "long": sum(right[SHORT:]) / max(len(right[SHORT:]), 1),
                     "confused": dict(Counter(a or "(none)" for a in answers if a != lang)
                                      .most_common())}
    n = sum(len(t) for t in sets.values())
    return {"per_language": per, "n": n, "texts_per_s": n / seconds,
            "overall": sum(p["accuracy"] * p["n"] for p in per.values()) / n,
            "worst": min(p["accuracy"] for p in per.values())}


def demo_unlabelled(detect: Callable[[str], str]) -> tuple[int, int]:
    """(rows of examples/demo-listings.csv given no language, rows), as an import reads
    them (title, a newline, description)."""
    with (ROOT / "examples" / "demo-listings.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    empty = sum(1 for r in rows if not detect(f"{r['title']}\n{r['description']}"))
    return empty, len(rows)


VARIANT_CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from bench.bench_language import evaluate, load_set, rss_mib
from wildtrace.extract.language import _by_script, _script_counts
from lingua import IsoCode639_1, Language, LanguageDetectorBuilder
variant = sys.argv[2]
before = rss_mib()
if variant == "all-languages":
    builder = LanguageDetectorBuilder.from_all_languages()
else:
    from wildtrace.extract.language import LINGUA_LANGUAGES
    builder = LanguageDetectorBuilder.from_languages(*[
        Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper()))
        for c in LINGUA_LANGUAGES]).with_low_accuracy_mode()
det = builder.build()
def detect(text):
    found = _by_script(text, _script_counts(text)) if variant != "all-languages" else ""
    if found:
        return found
    got = det.detect_language_of(text[:1000])
    return got.iso_code_639_1.name.lower() if got else ""
t = time.perf_counter(); detect("Carved ivory bangle for sale"); load = time.perf_counter() - t
result = evaluate(detect, load_set())
result["load_s"] = load
result["model_mib"] = rss_mib() - before
print(json.dumps(result))
"""


def variant(name: str) -> dict[str, Any]:
    """One lingua configuration measured in a fresh child process."""
    out = subprocess.run([sys.executable, "-c", VARIANT_CHILD, str(ROOT), name],
                         check=True, capture_output=True, text=True, cwd=ROOT)
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def table(results: dict[str, dict[str, Any]]) -> str:
    """A Markdown table: one row per language, accuracy (short/long) per detector."""
    names = list(results)
    langs = list(next(iter(results.values()))["per_language"])
    head = "| language | " + " | ".join(names) + " |"
    lines = [head, "|---|" + "---:|" * len(names)]
    for lang in langs:
        cells = []
        for name in names:
            p = results[name]["per_language"][lang]
            top = ", ".join(f"{k} {v}" for k, v in list(p["confused"].items())[:3])
            cells.append(f"{p['accuracy']:.2f} ({p['short']:.1f}/{p['long']:.1f})"
                         + (f" → {top}" if top else ""))
        lines.append(f"| {lang} | " + " | ".join(cells) + " |")
    lines.append("| **all** | " + " | ".join(f"**{results[n]['overall']:.3f}** "
                                               f"(worst {results[n]['worst']:.2f})"
                                               for n in names) + " |")
    lines.append("| texts/s | " + " | ".join(f"{results[n]['texts_per_s']:,.0f}"
                                            for n in names) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variants", action="store_true",
                        help="also measure lingua's low-accuracy and all-language modes")
    parser.add_argument("--json", type=Path, help="write every figure here as JSON")
    args = parser.parse_args()
    sets = load_set()
    results: dict[str, dict[str, Any]] = {}
    results["wordlist (before)"] = evaluate(lang_mod.detect_language_wordlist, sets)
    before = rss_mib()
    start = time.perf_counter()
    lang_mod.detect_language("Carved ivory bangle for sale")
    load_s = time.perf_counter() - start
    shipped = f"shipped ({lang_mod.detector_name()})"
    results[shipped] = evaluate(lang_mod.detect_language, sets)
    results[shipped].update(load_s=load_s, model_mib=rss_mib() - before)
    # The batch API (lingua's parallel detection, one call per accuracy mode) on the same
    # texts, eight times over: it must give the same answers, faster.
    flat = [t for texts in sets.values() for t in texts] * 8
    start = time.perf_counter()
    batch = lang_mod.detect_languages(flat)
    batch_rate = len(flat) / (time.perf_counter() - start)
    one_by_one = [lang_mod.detect_language(t) for t in flat[:len(flat) // 8]]
    same = sum(a == b for a, b in zip(batch, one_by_one, strict=False))
    if args.variants:
        results["lingua low-accuracy, same languages"] = variant("low-accuracy")
        results["lingua all 75 languages"] = variant("all-languages")
    print(f"{sum(len(t) for t in sets.values())} adverts in {len(sets)} languages "
          f"(accuracy, then very short/longer halves, then what it was taken for)\n")
    print(table(results))
    print(f"\ndetect_languages (batch, {len(flat)} texts): {batch_rate:,.0f} texts/s; "
          f"{same} of {len(one_by_one)} answers as detect_language's")
    for name, r in results.items():
        if "load_s" in r:
            print(f"\n{name}: model load {r['load_s']:.2f} s, +{r['model_mib']:.0f} MiB "
                  "resident")
    for name, fn in (("wordlist (before)", lang_mod.detect_language_wordlist),
                     (shipped, lang_mod.detect_language)):
        empty, rows = demo_unlabelled(fn)
        print(f"examples/demo-listings.csv, {name}: {empty} of {rows} rows get no language")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
