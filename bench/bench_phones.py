"""Phones, contacts and payment traces, and value-chain positions: precision, recall and
F1 per identifier kind on the sets in ``tests/data/phones`` (adverts written to the shape
of real ones; see its SOURCE.md), for this tree and for an older one in the same run.

The older tree (default: a ``git worktree`` of HEAD at /tmp/wt-before-ph) is run in a
subprocess with its own ``PYTHONPATH``, so both see the same texts through their own
``find_identifiers``. The older finder takes only a default region: it is scored twice,
with none (``ZZ``, what ``process`` gives imported text) and with the country
``collect.countries.country_of`` reads from the advert's URL and location (the most the
older extractor could give it). Speed is identifiers found per second over every text.

    git worktree add -f /tmp/wt-before-ph HEAD      # once, read-only
    .venv/bin/python bench/bench_phones.py [--before /tmp/wt-before-ph]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "phones"
SETS = (("adverts.jsonl", "tune"), ("adverts.jsonl", "heldout"),
        ("adverts_heldout2.jsonl", "heldout2"), ("traces.jsonl", "traces"))

# Run inside each tree: reads the texts on stdin, prints what its finder found.
RUNNER = r"""
import inspect, json, sys, time
from wildtrace.extract.identifiers import find_identifiers
from wildtrace.collect.countries import country_of
mode = sys.argv[1]
rows = json.load(sys.stdin)
rich = "location" in inspect.signature(find_identifiers).parameters
def one(r):
    if mode == "context" and rich:
        return find_identifiers(r["text"], url=r.get("url", ""), location=r.get("location", ""))
    if mode == "context":
        region = country_of(r.get("url", ""), location=r.get("location", "")) or "ZZ"
        return find_identifiers(r["text"], region)
    return find_identifiers(r["text"])
t0 = time.perf_counter()
out = [[[i.kind, i.value] for i in one(r)] for r in rows]
cold = time.perf_counter() - t0
t0 = time.perf_counter()
for _ in range(3):
    for r in rows:
        one(r)
warm = (time.perf_counter() - t0) / 3
print(json.dumps({"found": out, "seconds": cold, "warm": warm}))
"""


def load() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for name, split in SETS:
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            r = json.loads(line)
            if name == "traces.jsonl":
                r["split"] = "traces"
                r["want"] = [tuple(x) for x in r.pop("ids")]
            elif r["split"] != split:
                continue
            else:
                r["want"] = [("phone", p) for p in r["phones"]]
            rows.append(r)
    return rows


Found = list[set[tuple[str, str]]]


def run(tree: Path, mode: str, rows: list[dict[str, object]]) -> tuple[Found, float, float]:
    env = dict(os.environ, PYTHONPATH=str(tree))
    payload = json.dumps([{k: r.get(k, "") for k in ("text", "url", "location")} for r in rows])
    res = subprocess.run([sys.executable, "-c", RUNNER, mode], input=payload, text=True,
                         capture_output=True, env=env, cwd=str(tree), check=True)
    data = json.loads(res.stdout)
    return ([{(k, v) for k, v in f} for f in data["found"]], float(data["seconds"]),
            float(data["warm"]))


def score(rows: list[dict[str, object]], found: list[set[tuple[str, str]]], split: str,
          kinds: set[str] | None = None) -> dict[str, tuple[int, int, int]]:
    """(tp, fp, fn) per kind over the rows of ``split`` (phone sets count phones only)."""
    per: dict[str, list[int]] = {}
    for r, got in zip(rows, found, strict=True):
        if r["split"] != split:
            continue
        want = set(r["want"])  # type: ignore[call-overload]
        if split != "traces":
            got = {g for g in got if g[0] == "phone"}
        for kind in {k for k, _ in want | got} | ({"phone"} if split != "traces" else set()):
            if kinds is not None and kind not in kinds:
                continue
            w = {x for x in want if x[0] == kind}
            g = {x for x in got if x[0] == kind}
            c = per.setdefault(kind, [0, 0, 0])
            c[0] += len(w & g)
            c[1] += len(g - w)
            c[2] += len(w - g)
    return {k: (v[0], v[1], v[2]) for k, v in per.items()}


def prf(tp: int, fp: int, fn: int) -> str:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return f"P {p:.3f} R {r:.3f} F1 {f:.3f} ({tp}/{tp + fn})"


def valuechain() -> None:
    sys.path.insert(0, str(ROOT))
    from wildtrace.extract.valuechain import position

    rows = [json.loads(ln) for ln in (ROOT / "tests/data/valuechain/labelled.jsonl")
            .read_text(encoding="utf-8").splitlines() if ln.strip()]
    print(f"\nvalue chain ({len(rows)} labelled texts)")
    for key in ("form", "role"):
        right = sum(1 for r in rows if getattr(position(r["text"]), key) == r[key])
        label, n = Counter(r[key] for r in rows).most_common(1)[0]
        print(f"  {key}: accuracy {right / len(rows):.3f}; majority baseline "
              f"({label or 'none'!r}) {n / len(rows):.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", type=Path, default=Path("/tmp/wt-before-ph"))
    args = ap.parse_args()
    rows = load()
    runs = {"now": run(ROOT, "context", rows)}
    if (args.before / "wildtrace").is_dir():
        runs["before (ZZ)"] = run(args.before, "plain", rows)
        runs["before (country_of)"] = run(args.before, "context", rows)
    for split in ("tune", "heldout", "heldout2"):
        print(f"\nphones, {split} ({sum(1 for r in rows if r['split'] == split)} adverts)")
        for name, (found, _, _) in runs.items():
            tp, fp, fn = score(rows, found, split).get("phone", (0, 0, 0))
            print(f"  {name:20} {prf(tp, fp, fn)}")
    print(f"\ncontacts and payment traces ({sum(1 for r in rows if r['split'] == 'traces')} texts)")
    kinds = sorted({k for r in rows if r["split"] == "traces" for k, _ in r["want"]})  # type: ignore[attr-defined]
    print("  kind          " + "".join(f"{n:>38}" for n in runs))
    for kind in kinds:
        cells = []
        for found, _, _ in runs.values():
            tp, fp, fn = score(rows, found, "traces", {kind}).get(kind, (0, 0, 0))
            cells.append(f"{prf(tp, fp, fn):>38}")
        print(f"  {kind:13} " + "".join(cells))
    totals = {}
    for name, (found, _, _) in runs.items():
        s = score(rows, found, "traces")
        totals[name] = tuple(sum(v[i] for v in s.values()) for i in range(3))
    print("  all kinds     " + "".join(f"{prf(*t):>38}" for t in totals.values()))
    print("\nspeed (all texts, one process; first pass with loading, then warm)")
    for name, (_, cold, warm) in runs.items():
        print(f"  {name:20} {len(rows) / cold:,.0f} texts/s first, {len(rows) / warm:,.0f} warm")
    valuechain()


if __name__ == "__main__":
    main()
