"""What a photo species hint can do to relevance and risk, at worst: every listing of the
labelled sets given a fully confident (1.0) Appendix I hint, against the same run with no
hint. Two cases: "tiger", the same hint on every listing, and "agreeing", a hint of the
very taxon the listing's text names (the only hints that may move relevance; a listing
whose text names none gets the tiger).

The labelled sets have no photos we may use, so this does not measure what real hints
add; it bounds what a hint can break. Relevance decisions cannot change (a hint never
lifts a listing across the threshold: "new relevant" must be 0); what can change is the
ranking by relevance score (average precision, AP) and the number of listings at risk
>= 0.7 (what ``app/emerging.py`` treats as high risk), among positives and negatives.
The weights (assess/photohint.py, assess/risk.py) were set by hand and were not tuned
on these sets.

    .venv/bin/python bench/bench_photo_hints.py
"""

from __future__ import annotations

import csv
import sys
from dataclasses import replace
from pathlib import Path

from wildtrace.assess.photohint import PhotoHint
from wildtrace.assess.scorer import Scorer
from wildtrace.identify import load_identifier
from wildtrace.records import Assessment, Listing

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets" / "labelled"
HINT = PhotoHint(label="tiger", taxon="Panthera tigris", confidence=1.0, cites="I",
                 group="Felidae")


def _sets() -> dict[str, list[tuple[str, int]]]:
    csv.field_size_limit(10**8)

    def rows(name: str) -> list[dict[str, str]]:
        with open(DATA / name, encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))

    return {
        "animal_products_titles": [(r["title"], int(r["label"]))
                                   for r in rows("animal_products_titles.csv")],
        "shark_products_ads": [(f"{r['title']}\n{r['description']}", int(r["label"]))
                               for r in rows("shark_products_ads.csv")],
        "ivory_tweets": [(r["tweet_text_cleaned"], int(r["label"]))
                         for r in rows("ivory_tweets.csv")],
    }


def _listing(i: int, text: str) -> Listing:
    return Listing(id=i, source="bench", title=text, description="", url="", price=None,
                   currency="", seller=f"s{i}", location="", posted="", language="",
                   origin="", capture_sha256="", content_sha256="")


def main() -> int:
    scorer = Scorer(load_identifier())
    print("set | hint | n | pos | new relevant | AP by score: no hint / hinted | "
          "risk>=0.7 pos: no hint / hinted | risk>=0.7 neg: no hint / hinted")
    for name, data in _sets().items():
        listings = [_listing(i + 1, t) for i, (t, _y) in enumerate(data)]
        labels = [y for _t, y in data]
        idents = scorer.identifier.identify_many([x.text for x in listings])
        agreeing = {x.id: [replace(HINT, label=ident.taxa[0], taxon=ident.taxa[0], group="")
                           if ident.taxa else HINT]
                    for x, ident in zip(listings, idents, strict=True)}
        bare = scorer.assess_listings(listings)
        for case, hints in (("tiger", {x.id: [HINT] for x in listings}),
                            ("agreeing", agreeing)):
            seen = scorer.assess_listings(listings, photo_hints=hints)
            _report(name, case, labels, bare, seen)
    return 0


def average_precision(scores: list[float], labels: list[int]) -> float:
    """Mean precision at each positive, ranked by score (ties: positives last, the
    pessimistic order, so a bump that only creates ties cannot look like a gain)."""
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], labels[i]))
    hits, total = 0, 0.0
    for rank, i in enumerate(order, 1):
        if labels[i]:
            hits += 1
            total += hits / rank
    return total / max(1, sum(labels))


def _report(name: str, case: str, labels: list[int], bare: list[Assessment],
            seen: list[Assessment]) -> None:
    new = sum(b.relevant < s.relevant for b, s in zip(bare, seen, strict=True))
    ap0 = average_precision([a.score for a in bare], labels)
    ap1 = average_precision([a.score for a in seen], labels)

    def risky(xs: list[Assessment], y: int) -> int:
        return sum(a.risk >= 0.7 and lab == y for a, lab in zip(xs, labels, strict=True))

    print(f"{name} | {case} | {len(labels)} | {sum(labels)} | {new} | "
          f"{ap0:.3f} / {ap1:.3f} | {risky(bare, 1)} / {risky(seen, 1)} | "
          f"{risky(bare, 0)} / {risky(seen, 0)}")


if __name__ == "__main__":
    sys.exit(main())
