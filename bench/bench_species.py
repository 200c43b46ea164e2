"""Species hints from photos: accuracy on a labelled photo set, speed and memory.

The photos are Debian's ``tuxpaint-stamps-default`` cut-out animal photos (labels in
``bench/data/species_labels.csv``, written by hand; nothing of them ships). Get them with:

    apt-get download tuxpaint-stamps-default && dpkg -x tuxpaint-stamps-default_*.deb /tmp/tux

Each stamp is flattened onto white (they are cut-outs on a transparent background) and
given to :class:`wildtrace.identify.imageclass.ImageClassifier` as the photo step does.
Printed, on the held-out rows (the 4 used to choose the input scaling left out):

* ImageNet top-1 / top-5 on the rows whose animal has an ImageNet-1k class, against the
  prior baseline (always answer the set's most common classes) and against the other
  input scaling (ImageNet mean/std instead of the Lite models' (x - 127) / 128);
* the species hint (:func:`~wildtrace.identify.imageclass.hint_from`) on every row: right
  group, wrong group or a hint where none is right, missed;
* images/s at batch 1 and 8 with the thread limit (2), three rounds each (the network
  and the crop; decoding the PNGs is not counted), the model's load time (torch import
  included) and the process's peak RSS.

Usage:  .venv/bin/python bench/bench_species.py [--stamps /tmp/tux/usr/share/tuxpaint/stamps]
"""

from __future__ import annotations

import argparse
import csv
import io
import resource
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

import wildtrace.identify.imageclass as ic  # noqa: E402

LABELS = ROOT / "bench" / "data" / "species_labels.csv"


def rows() -> list[dict[str, str]]:
    text = LABELS.read_text(encoding="utf-8")
    lines = [x for x in text.splitlines() if x and not x.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


def flat(path: Path) -> Image.Image:
    im = Image.open(path).convert("RGBA")
    bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
    bg.alpha_composite(im)
    return bg.convert("RGB")


def imagenet_scaled(model: ic.ImageClassifier, im: Image.Image) -> list[float]:
    """The ablation: the same crop with ImageNet mean/std scaling."""
    import torch

    a = ic._prepare(im) * 128.0 + 127.0
    mean = np.array([123.675, 116.28, 103.53], dtype=np.float32)[:, None, None]
    std = np.array([58.395, 57.12, 57.375], dtype=np.float32)[:, None, None]
    x = torch.from_numpy(np.ascontiguousarray((a - mean) / std)).unsqueeze(0)
    with torch.inference_mode():
        return list(map(float, model._model(x).softmax(-1)[0].tolist()))


def topk(probs: list[float], k: int) -> list[int]:
    return [int(i) for i in np.argsort(probs)[::-1][:k]]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stamps", default="/tmp/tux/usr/share/tuxpaint/stamps")
    args = ap.parse_args()
    base = Path(args.stamps)
    if not base.is_dir():
        sys.exit(f"no stamps folder at {base}: see the module doc for how to get it")
    t = time.perf_counter()
    model, why = ic.load_classifier()
    if model is None:
        sys.exit(why)
    load = time.perf_counter() - t
    table = ic.taxon_table()
    data = [(r, flat(base / r["path"])) for r in rows()]
    held = [(r, im) for r, im in data if r["tuning"] != "1"]
    probs = {r["path"]: model.classify(im) for r, im in data}

    ranked = [(r, im) for r, im in held if r["classes"]]
    prior = [c for c, _ in Counter(int(c) for r, _ in ranked
                                   for c in r["classes"].split()[:1]).most_common(5)]
    hits = {"model": [0, 0], "imagenet-scaling": [0, 0], "prior baseline": [0, 0]}
    for r, im in ranked:
        good = {int(c) for c in r["classes"].split()}
        for name, top in (("model", topk(probs[r["path"]], 5)),
                          ("imagenet-scaling", topk(imagenet_scaled(model, im), 5)),
                          ("prior baseline", prior)):
            hits[name][0] += top[0] in good
            hits[name][1] += bool(good & set(top))
    n = len(ranked)
    print(f"held-out photos: {len(held)} (of {len(data)}); with an ImageNet-1k class: {n}")
    for name, (t1, t5) in hits.items():
        print(f"  {name:17s} top-1 {t1}/{n} = {t1 / n:.3f}   top-5 {t5}/{n} = {t5 / n:.3f}")

    outcome: Counter[str] = Counter()
    should = sum(r["group"] != "-" for r, _ in held)
    for r, _ in held:
        h = ic.hint_from(probs[r["path"]], table)
        want = r["group"]
        if h is None:
            outcome["no hint, none right" if want == "-" else "missed"] += 1
        elif h.group == want:
            outcome["right group"] += 1
        else:
            outcome["wrong hint"] += 1
            print(f"    wrong: {r['path']} -> {h.label} {h.confidence:.2f} ({h.group}); "
                  f"right: {want}")
    hinted = outcome["right group"] + outcome["wrong hint"]
    print(f"species hints on {len(held)} held-out photos ({should} of a listed group, "
          f"{sum(r['group'] in {c.group for c in table.values()} for r, _ in held)} of "
          f"them a group ImageNet-1k has): {dict(outcome)}")
    if hinted:
        print(f"  hint precision {outcome['right group'] / hinted:.3f}, "
              f"recall {outcome['right group'] / max(1, should):.3f}")

    ims = [im for _, im in data]
    for batch in (1, 8):
        rates = []
        for _ in range(3):  # the machine is shared: three rounds, all printed
            t = time.perf_counter()
            for done in range(0, len(ims), batch):
                model.classify_batch(ims[done:done + batch])
            rates.append(len(ims) / (time.perf_counter() - t))
        print(f"speed batch {batch}: " + ", ".join(f"{r:.1f}" for r in rates)
              + f" images/s over 3 rounds ({model._torch.get_num_threads()} threads, "
              f"load average {open('/proc/loadavg').read().split()[0]})")
    print(f"model load {load:.2f} s; peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
