"""Extraction quality on the golden pages: per-field precision, recall and F1, page kinds,
and forum threads split into posts, for this checkout and for a reference checkout run in
the same sitting.

    .venv/bin/python bench/bench_extract.py [--before /tmp/wt-before-ex] [--baseline]

``--before PATH`` runs the same pages through the wildtrace at PATH (a ``git worktree``
of an earlier commit, read only) in a subprocess, so both are measured on the same pages
in one run. ``--baseline`` adds extruct + price-parser (structured data, else the first
price-like string of the page; price-parser gives currency symbols, not ISO codes, so
its currency column is low for that reason), when they are installed. ``--show`` lists
this checkout's mistakes. Pages are ``tests/data/golden_pages/<split>`` (see its
PROVENANCE.md): ``tune`` was tuned on; ``heldout`` and ``heldout2`` were written later,
measured, and then looked at (``heldout2``'s first figures are in bench/README.md);
``heldout3`` was measured once and never tuned on.

Scoring: a field counts for a page when the page's gold names it. A value predicted and
right is a true positive; predicted and wrong is a false positive *and* a false negative;
predicted where the gold says there is none (an index page given a price, a "price on
request" page given one) is a false positive; missing where the gold has one is a false
negative. Prices are right within 0.5 %; text fields are compared case-folded with spaces
and punctuation removed; dates by their first ten characters. A page that is not
extracted as a listing predicts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "data" / "golden_pages"
FIELDS = ("price", "currency", "title", "seller", "location", "posted")
SPLITS = ("tune", "heldout", "heldout2", "heldout3")


def pages(split: str) -> list[Path]:
    return sorted((GOLDEN / split).glob("*.html"))


def emit() -> None:
    """Print predictions of the importable wildtrace for every golden page (JSON)."""
    from wildtrace.extract.extractor import Extractor

    ex = Extractor(())
    out: dict[str, Any] = {}
    t0 = time.perf_counter()
    n = 0
    for split in SPLITS:
        for p in pages(split):
            gold = json.loads(p.with_suffix(".json").read_text(encoding="utf-8"))
            got = ex.extract(p.read_bytes(), gold["url"], "text/html; charset=utf-8")
            n += 1
            f = got.fields if got.is_listing else {}
            rec: dict[str, Any] = {k: f.get(k) for k in FIELDS}
            rec["is_listing"] = got.is_listing
            rec["kind"] = str(getattr(got, "kind", "") or "")
            posts = getattr(got, "posts", ())
            rec["posts"] = [{"author": q.fields.get("seller", ""),
                             "posted": q.fields.get("posted", ""),
                             "ids": sorted(i.value for i in q.identifiers)} for q in posts]
            out[f"{split}/{p.stem}"] = rec
    out["_seconds_per_page"] = (time.perf_counter() - t0) / max(n, 1)
    json.dump(out, sys.stdout, ensure_ascii=False)


def baseline() -> dict[str, Any]:
    """extruct + price-parser: structured data first, else the first price in the text."""
    import extruct  # type: ignore[import-untyped]
    import lxml.html
    from price_parser import Price  # type: ignore[import-untyped]

    out: dict[str, Any] = {}
    for split in SPLITS:
        for p in pages(split):
            gold = json.loads(p.with_suffix(".json").read_text(encoding="utf-8"))
            raw = p.read_text(encoding="utf-8")
            data = extruct.extract(raw, base_url=gold["url"], syntaxes=["json-ld",
                                                                        "microdata",
                                                                        "opengraph"])
            price = cur = title = None
            for node in data.get("json-ld", []) + [m.get("properties", {}) for m in
                                                   data.get("microdata", [])]:
                offers = node.get("offers")
                offers = offers[0] if isinstance(offers, list) and offers else offers
                if isinstance(offers, dict) and offers.get("price") is not None:
                    pr = Price.fromstring(str(offers["price"]))
                    price, cur = pr.amount_float, offers.get("priceCurrency")
                title = title or node.get("name")
            root = lxml.html.fromstring(raw)
            h1 = root.xpath("//h1")
            title = title or (h1[0].text_content().strip() if h1 else None)
            if price is None:
                text = " ".join(root.xpath("//body//text()"))
                for m in re.finditer(r"\S*\d[\d.,\s]*\S*", text):
                    pr = Price.fromstring(m.group(0))
                    if pr.amount is not None and pr.currency:
                        price, cur = pr.amount_float, pr.currency
                        break
            out[f"{split}/{p.stem}"] = {"price": price, "currency": cur or "",
                                        "title": title, "seller": None, "location": None,
                                        "posted": None, "is_listing": price is not None,
                                        "kind": "", "posts": []}
    return out


def _norm(v: Any) -> str:
    s = unicodedata.normalize("NFKC", str(v or "")).casefold()
    return "".join(ch for ch in s if ch.isalnum())


def _same(name: str, want: Any, got: Any) -> bool:
    if name == "price":
        return abs(float(got) - float(want)) <= 0.005 * max(abs(float(want)), 1e-9)
    if name == "posted":
        return str(got)[:10] == str(want)[:10]
    if name == "currency":
        return str(got).upper() == str(want).upper()
    return _norm(got) == _norm(want)


def score(pred: dict[str, Any], split: str) -> dict[str, Any]:
    counts = {f: [0, 0, 0] for f in FIELDS}  # tp, fp, fn
    kinds_ok = kinds_n = 0
    posts_ok = posts_n = leaks = 0
    for p in pages(split):
        gold = json.loads(p.with_suffix(".json").read_text(encoding="utf-8"))
        got = pred[f"{split}/{p.stem}"]
        kinds_n += 1
        gk = gold["kind"]
        pk = got.get("kind") or ("listing" if got["is_listing"] else "")
        kinds_ok += pk == gk
        for name in FIELDS:
            if name not in gold["fields"]:
                continue
            want = gold["fields"][name]
            have = got.get(name)
            if name == "currency" and not gold["fields"].get("price"):
                continue
            want_some = want not in (None, "")
            have_some = have not in (None, "")
            c = counts[name]
            if want_some and have_some:
                if _same(name, want, have):
                    c[0] += 1
                else:
                    c[1] += 1
                    c[2] += 1
            elif have_some:
                c[1] += 1
            elif want_some:
                c[2] += 1
        if gk == "forum":
            want_posts = gold["posts"]
            have_posts = got.get("posts") or []
            posts_n += len(want_posts)
            for i, wp in enumerate(want_posts):
                hp = have_posts[i] if i < len(have_posts) else None
                if hp and _norm(hp["author"]) == _norm(wp["author"]) and (
                        not wp["phone"] or wp["phone"] in hp["ids"]):
                    posts_ok += 1
                others = {q["phone"] for j, q in enumerate(want_posts) if j != i} - {""}
                if hp and others & set(hp["ids"]):
                    leaks += 1
    res: dict[str, Any] = {}
    for name, (tp, fp, fn) in counts.items():
        pr = tp / (tp + fp) if tp + fp else 0.0
        rc = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * pr * rc / (pr + rc) if pr + rc else 0.0
        res[name] = (pr, rc, f1, tp, fp, fn)
    res["kind_accuracy"] = (kinds_ok, kinds_n)
    res["forum_posts"] = (posts_ok, posts_n, leaks)
    return res


def show(pred: dict[str, Any]) -> None:
    """Print every page whose prediction differs from its gold."""
    for split in SPLITS:
        for p in pages(split):
            gold = json.loads(p.with_suffix(".json").read_text(encoding="utf-8"))
            got = pred[f"{split}/{p.stem}"]
            pk = got.get("kind") or ("listing" if got["is_listing"] else "")
            bad = [] if pk == gold["kind"] else [f"kind {pk!r} != {gold['kind']!r}"]
            for name, want in gold["fields"].items():
                have = got.get(name)
                if name == "currency" and not gold["fields"].get("price"):
                    continue
                if (want in (None, "")) != (have in (None, "")) or (
                        want not in (None, "") and not _same(name, want, have)):
                    bad.append(f"{name}: {have!r} != {want!r}")
            if bad:
                print(f"{split}/{p.stem}: " + "; ".join(bad))


def run_emit(pythonpath: Path) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(pythonpath))
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--emit"],
                         env=env, cwd=str(pythonpath), check=True, capture_output=True,
                         text=True, timeout=900)
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--emit", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--before", type=Path, help="an earlier checkout to compare with")
    ap.add_argument("--baseline", action="store_true", help="add extruct + price-parser")
    ap.add_argument("--show", action="store_true", help="list this checkout's mistakes")
    args = ap.parse_args()
    if args.emit:
        emit()
        return
    runs = {"this checkout": run_emit(ROOT)}
    if args.before:
        runs[f"before ({args.before})"] = run_emit(args.before)
    if args.baseline:
        try:
            runs["extruct + price-parser"] = baseline()
        except ImportError as exc:
            print(f"baseline skipped: {exc}")
    if args.show:
        show(runs["this checkout"])
    for split in SPLITS:
        print(f"\n## {split} ({len(pages(split))} pages)\n")
        print("| field | " + " | ".join(runs) + " |")
        print("|---|" + "---:|" * len(runs))
        scored = {name: score(pred, split) for name, pred in runs.items()}
        for name in FIELDS:
            cells = []
            for s in scored.values():
                pr, rc, f1, tp, fp, fn = s[name]
                cells.append(f"P {pr:.2f} R {rc:.2f} **F1 {f1:.2f}** ({tp}/{fp}/{fn})"
                             if tp + fp + fn else "— (not labelled)")
            print(f"| {name} | " + " | ".join(cells) + " |")
        print("| page kind right | " + " | ".join(
            f"{s['kind_accuracy'][0]}/{s['kind_accuracy'][1]}" for s in scored.values()) + " |")
        print("| forum posts right (author+own phone) / posts, posts with another's phone | "
              + " | ".join(f"{s['forum_posts'][0]}/{s['forum_posts'][1]}, {s['forum_posts'][2]}"
                           for s in scored.values()) + " |")
    print("\nseconds per page: " + ", ".join(
        f"{k}: {v.get('_seconds_per_page', 0):.4f}" for k, v in runs.items()))


if __name__ == "__main__":
    main()
