"""Character accuracy and speed of the OCR of text in photos, per script.

Images are rendered here from known advert-like lines (written for this benchmark, one
set per script: Simplified and Traditional Chinese, Vietnamese, Thai, Japanese,
Indonesian/Latin, English) in Debian's fonts (fonts-noto-cjk, fonts-thai-tlwg,
fonts-dejavu), on photo-like backgrounds, then degraded four ways: clean; Gaussian
noise; rotated 3°; JPEG quality 30 after halving the size; and all three at once.

Character accuracy = 1 - CER, CER = Levenshtein distance / reference length, both texts
with whitespace removed (CJK and Thai write none, and Tesseract's spacing is not what
is being measured). Three engines side by side on the same images:
  * ``per-script``: Tesseract with that script's pack (+eng), what a watch that knows its
    market's language would set in ``ocr_languages``;
  * ``default``: the shipped setting ``eng+chi_sim+vie+tha`` for every image;
  * ``baseline``: Tesseract ``eng`` only (what one gets without the language packs).
Speed: images/s of :class:`wildtrace.extract.ocr.TesseractOcr` for the default engine,
one image at a time (Tesseract's own threads allowed: it is the whole of a photo step's
CPU) and with two worker processes on the 2 cores; peak RSS of the tesseract children.

Usage:  .venv/bin/python bench/bench_ocr.py [--per-script 6] [--json OUT]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFilter, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from wildtrace.extract.ocr import TesseractOcr  # noqa: E402

CJK = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
THAI = "/usr/share/fonts/truetype/tlwg/Garuda.ttf"
LATIN = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
# (font file, face index in a collection, Tesseract pack, lines)
SCRIPTS: dict[str, tuple[str, int, str, list[str]]] = {
    "zh-Hans": (CJK, 2, "chi_sim", [
        "象牙手镯现货出售", "微信联系价格优惠", "正品犀牛角粉末", "老料猛犸象牙雕刻",
        "玳瑁手链包邮到家", "穿山甲鳞片药用", "虎骨酒收藏级别", "私聊看货支持验货"]),
    "zh-Hant": (CJK, 3, "chi_tra", [
        "象牙雕刻擺件出售", "犀牛角杯收藏品", "穿山甲片現貨供應", "虎牙吊墜開光",
        "海龜殼標本轉讓", "請加微信詳談", "玳瑁梳子古董", "全國包郵貨到付款"]),
    "vi": (LATIN, 0, "vie", [
        "Sừng tê giác thật", "Vảy tê tê giá rẻ", "Ngà voi nguyên khối", "Liên hệ Zalo ngay",
        "Cao hổ cốt gia truyền", "Vòng tay đồi mồi", "Giao hàng toàn quốc", "Hàng chuẩn bao test"]),
    "th": (THAI, 0, "tha", [
        "งาช้างแท้ราคาถูก", "นอแรดของแท้", "เกล็ดลิ่นขายส่ง", "ติดต่อไลน์ได้เลย",
        "เขี้ยวเสือเลี่ยมทอง", "กระดองเต่าโบราณ", "ส่งฟรีทั่วประเทศ", "สินค้ามีจำนวนจำกัด"]),
    "ja": (CJK, 0, "jpn", [
        "象牙の印鑑を販売", "べっ甲のかんざし", "送料無料で発送します", "お問い合わせはこちら",
        "本物の珊瑚の指輪", "在庫限りの特価品", "鑑定書付きです", "即日発送いたします"]),
    "id": (LATIN, 0, "ind", [
        "Jual gading gajah asli", "Sisik trenggiling murah", "Hubungi WhatsApp kami",
        "Paruh rangkong gading", "Kulit harimau awetan", "Kirim ke seluruh Indonesia",
        "Barang antik langka", "Harga bisa nego"]),
    "en": (LATIN, 0, "eng", [
        "Ivory bangle old stock", "Rhino horn cup for sale", "Pangolin scales in stock",
        "WeChat ivory8899 price", "Tiger claw pendant gold", "Real tortoiseshell comb",
        "Shipping worldwide fast", "Message me for photos"]),
}
CONDITIONS = ("clean", "noise", "rotate", "jpeg", "all")


def background(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """A photo-like picture: a gradient with soft shapes, then blurred."""
    img = Image.new("RGB", size)
    d = ImageDraw.Draw(img)
    w, h = size
    base = [rng.randrange(60, 200) for _ in range(3)]
    for y in range(h):
        t = y / h
        d.line([(0, y), (w, y)], fill=tuple(int(c * (0.6 + 0.6 * t)) % 256 for c in base))
    for _ in range(12):
        x, y, r = rng.randrange(w), rng.randrange(h), rng.randrange(20, 120)
        d.ellipse([x - r, y - r, x + r, y + r],
                  fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    return img.filter(ImageFilter.GaussianBlur(6))


def render(text: str, font_path: str, index: int, rng: random.Random) -> Image.Image:
    """``text`` written on a pale caption band over a photo, as adverts do."""
    img = background(rng, (720, 300))
    font = ImageFont.truetype(font_path, rng.choice((30, 36, 42)), index=index)
    d = ImageDraw.Draw(img)
    x, y = rng.randrange(15, 60), rng.randrange(40, 150)
    box = d.textbbox((x, y), text, font=font)
    d.rectangle([box[0] - 10, box[1] - 8, box[2] + 10, box[3] + 8], fill=(245, 243, 235))
    d.text((x, y), text, font=font, fill=(rng.randrange(40), rng.randrange(40), 30))
    return img


def degrade(img: Image.Image, condition: str, rng: random.Random) -> Image.Image:
    """One of the CONDITIONS applied to ``img``."""
    import numpy as np

    out = img
    if condition in ("noise", "all"):
        arr = np.asarray(out, dtype=np.float32)
        arr += np.random.default_rng(rng.randrange(1 << 30)).normal(0, 18, arr.shape)
        out = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    if condition in ("rotate", "all"):
        out = out.rotate(rng.choice((-3, 3)), resample=Image.Resampling.BICUBIC,
                         expand=True, fillcolor=(128, 128, 128))
    if condition in ("jpeg", "all"):
        small = out.resize((out.width // 2, out.height // 2), Image.Resampling.BILINEAR)
        buf = io.BytesIO()
        small.save(buf, format="JPEG", quality=30)
        out = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    return out


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def accuracy(ref: str, got: str) -> float:
    """1 - CER with whitespace removed from both."""
    r, g = "".join(ref.split()), "".join(got.split())
    return max(0.0, 1.0 - levenshtein(r, g) / max(1, len(r)))


def dataset(per_script: int, seed: int = 17) -> list[tuple[str, str, str, Image.Image]]:
    """(script, condition, reference text, image) for every script and condition."""
    rng = random.Random(seed)
    out = []
    for script, (font, index, _pack, lines) in SCRIPTS.items():
        for text in lines[:per_script]:
            clean = render(text, font, index, rng)
            for cond in CONDITIONS:
                out.append((script, cond, text, degrade(clean, cond, rng)))
    return out


_ENGINE: TesseractOcr | None = None


def _read_default(png: bytes) -> str:
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = TesseractOcr("eng+chi_sim+vie+tha")
    return _ENGINE.read(Image.open(io.BytesIO(png)).convert("RGB")).text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--per-script", type=int, default=6, help="lines per script (max 8)")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    data = dataset(args.per_script)
    engines = {"default": TesseractOcr("eng+chi_sim+vie+tha"),
               "baseline": TesseractOcr("eng")}
    per_script = {s: TesseractOcr(pack if pack == "eng" else f"{pack}+eng")
                  for s, (_f, _i, pack, _l) in SCRIPTS.items()}
    scores: dict[str, dict[str, dict[str, list[float]]]] = {}
    timing: list[float] = []
    for script, cond, text, img in data:
        for name in ("per-script", "default", "baseline"):
            engine = per_script[script] if name == "per-script" else engines[name]
            t0 = time.perf_counter()
            got = engine.read(img).text
            if name == "default":
                timing.append(time.perf_counter() - t0)
            scores.setdefault(name, {}).setdefault(script, {}).setdefault(cond, []).append(
                accuracy(text, got))
    # Two worker processes on the 2 cores, the default engine.
    pngs = []
    for _s, _c, _t, img in data:
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        pngs.append(buf.getvalue())
    t0 = time.perf_counter()
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_read_default, pngs))
    parallel = len(pngs) / (time.perf_counter() - t0)
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    def mean(xs: list[float]) -> float:
        return sum(xs) / len(xs) if xs else 0.0

    print(f"{len(data)} images ({args.per_script} lines x {len(CONDITIONS)} conditions "
          f"x {len(SCRIPTS)} scripts)\n")
    print("character accuracy (1 - CER), all conditions pooled:")
    print(f"{'script':10}" + "".join(f"{n:>12}" for n in ("per-script", "default",
                                                          "baseline")))
    table: dict[str, Any] = {}
    for script in SCRIPTS:
        row = {n: mean([a for c in CONDITIONS for a in scores[n][script][c]])
               for n in ("per-script", "default", "baseline")}
        table[script] = {"pooled": row, "by_condition": {
            c: {n: mean(scores[n][script][c]) for n in ("per-script", "default",
                                                         "baseline")}
            for c in CONDITIONS}}
        print(f"{script:10}" + "".join(f"{row[n]:12.3f}" for n in row))
    print("\nper-script engine by condition:")
    print(f"{'script':10}" + "".join(f"{c:>9}" for c in CONDITIONS))
    for script in SCRIPTS:
        print(f"{script:10}" + "".join(
            f"{table[script]['by_condition'][c]['per-script']:9.3f}" for c in CONDITIONS))
    serial = len(timing) / sum(timing)
    print(f"\nspeed, default engine (eng+chi_sim+vie+tha): {serial:.2f} images/s one at a "
          f"time; {parallel:.2f} images/s with 2 worker processes; peak RSS of a "
          f"tesseract process {rss:.0f} MB")
    if args.json:
        args.json.write_text(json.dumps({"accuracy": table, "images_per_s_serial": serial,
                                         "images_per_s_2proc": parallel,
                                         "tesseract_peak_rss_mb": rss}, indent=1))


if __name__ == "__main__":
    main()
