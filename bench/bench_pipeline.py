"""Foundation benchmark: listings/s through identify + assess, against a naive baseline.

    .venv/bin/python bench/bench_pipeline.py [--n 100000] [--baseline-sample 100]

One run, one process, the same 100,000 synthetic listings (bench_identify's generator:
ordinary product texts from ../shared/datasets/negatives, a third with a pack name or an
obfuscated term and a cue mixed in) through:
* identify alone (the full-pack matcher with cues, ``Identifier.identify``);
* identify + assess (the zero-shot scorer, embeddings off: ``Scorer.assess``);
* the naive baseline: one compiled regex per name, searched in a loop, timed on a
  subsample and extrapolated (the full run would take hours).
CPU seconds of this process are used for listings/s, so the figures are per core.
Peak RSS comes from getrusage. Nothing from the datasets ships.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_identify import baseline, synthesise  # noqa: E402

from wildtrace import config  # noqa: E402
from wildtrace.assess import load_scorer  # noqa: E402
from wildtrace.identify import load_identifier  # noqa: E402


def _rate(n: int, c0: float, t0: float) -> dict[str, float]:
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    return {"n": n, "cpu_s": round(cpu, 2), "wall_s": round(wall, 2),
            "per_s_cpu": round(n / cpu), "per_s_wall": round(n / wall)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--baseline-sample", type=int, default=100)
    ap.add_argument("--batch", type=int, default=1000)
    args = ap.parse_args()

    ident = load_identifier()
    texts, mixed = synthesise(args.n, ident)
    out: dict[str, object] = {"listings": len(texts), "with_inserted_term": mixed,
                              "mean_chars": round(sum(map(len, texts)) / len(texts))}

    c0, t0 = time.process_time(), time.perf_counter()
    found = sum(1 for t in texts if ident.identify(t).taxa)
    out["identify"] = {**_rate(len(texts), c0, t0), "with_taxa": found}

    settings = config.load(None, env={"WILDTRACE_EMBEDDINGS": "off"})
    scorer = load_scorer(settings, None)
    c0, t0 = time.process_time(), time.perf_counter()
    relevant = 0
    for i in range(0, len(texts), args.batch):
        relevant += sum(a.relevant for a in scorer.assess(texts[i:i + args.batch]))
    out["identify_assess"] = {**_rate(len(texts), c0, t0), "relevant": relevant,
                              "model": scorer.version}

    base = baseline(ident, texts, args.baseline_sample)
    out["baseline"] = {k: round(v, 2) for k, v in base.items()}
    ident_rate = out["identify"]["per_s_cpu"]  # type: ignore[index]
    both_rate = out["identify_assess"]["per_s_cpu"]  # type: ignore[index]
    out["speedup_identify_vs_baseline"] = round(ident_rate / base["per_s_cpu"])
    out["speedup_identify_assess_vs_baseline"] = round(both_rate / base["per_s_cpu"])
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
