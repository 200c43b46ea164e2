"""A local classifieds site whose adverts carry their offer in pictures and share a
photo between two sellers, for the photo tests (served on 127.0.0.1)."""

from __future__ import annotations

import io
import json
import random
import struct
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from PIL import Image, ImageDraw, ImageFont

CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def scene(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A photo-like picture: a gradient with random soft shapes (distinct per seed)."""
    rng = random.Random(seed)
    img = Image.new("RGB", size)
    d = ImageDraw.Draw(img)
    w, h = size
    for y in range(h):
        c = int(90 + 120 * y / h)
        d.line([(0, y), (w, y)], fill=(c, int(c * 0.8), int(c * 0.6)))
    for _ in range(25):
        x0, y0 = rng.randrange(w), rng.randrange(h)
        r = rng.randrange(20, 140)
        d.ellipse([x0 - r, y0 - r, x0 + r, y0 + r],
                  fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    return img


def with_text(img: Image.Image, lines: list[str], size: int = 30) -> Image.Image:
    """``img`` with ``lines`` written on a pale banner, as sellers caption adverts."""
    out = img.copy()
    d = ImageDraw.Draw(out)
    font = ImageFont.truetype(CJK_FONT, size)
    y = 20
    for line in lines:
        box = d.textbbox((20, y), line, font=font)
        d.rectangle([box[0] - 8, box[1] - 6, box[2] + 8, box[3] + 6], fill=(250, 250, 245))
        d.text((20, y), line, font=font, fill=(10, 10, 10))
        y = box[3] + 24
    return out


def jpeg(img: Image.Image, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def bomb_png(side: int = 30000) -> bytes:
    """A small PNG declaring ``side`` x ``side`` pixels (a decompression bomb's header:
    the pixel data would inflate to gigabytes; what is here is a short IDAT)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 100_000, 9)) + chunk(b"IEND", b""))


CAPTION = ["象牙手镯 现货", "微信 ivory8899", "WhatsApp +84 912 345 678"]


def _page(title: str, desc: str, seller: str, images: list[str], extra: str = "") -> bytes:
    ld = {"@context": "https://schema.org", "@type": "Product", "name": title,
          "description": desc, "image": images,
          "offers": {"@type": "Offer", "price": "500", "priceCurrency": "USD",
                     "seller": {"@type": "Person", "name": seller}}}
    imgs = "".join(f'<img src="{u}" alt="photo">' for u in images)
    return (f"<!doctype html><html lang='en'><head><title>{title}</title>"
            f"<script type='application/ld+json'>{json.dumps(ld)}</script></head><body>"
            f"<main><h1>{title}</h1><p>{desc}</p><p>Price: 500 USD</p>{imgs}{extra}</main>"
            "</body></html>").encode()


class PhotoSite:
    """The site's files and a server for them."""

    def __init__(self) -> None:
        shared = scene(7)
        self.files: dict[str, tuple[str, bytes]] = {
            "/img/caption.jpg": ("image/jpeg", jpeg(with_text(scene(1), CAPTION))),
            "/img/shared.jpg": ("image/jpeg", jpeg(shared, 92)),
            # The same photo re-encoded smaller by the second seller.
            "/img/shared-copy.jpg": ("image/jpeg", jpeg(shared.resize((480, 360)), 60)),
            "/img/other.jpg": ("image/jpeg", jpeg(scene(99))),
            "/img/bomb.png": ("image/png", bomb_png()),
            "/img/not-an-image.jpg": ("image/jpeg", b"<html>hello</html>"),
        }
        self.files["/"] = ("text/html", (
            b"<html><body><h1>Classifieds</h1><a href='/ad/1'>bangle</a> "
            b"<a href='/ad/2'>carving</a> <a href='/ad/3'>statue</a></body></html>"))
        self.files["/robots.txt"] = ("text/plain", b"User-agent: *\nAllow: /\n")
        self.files["/ad/1"] = ("text/html", _page(
            "Old bangle for sale", "Beautiful old bangle, see photos for details.",
            "jade_house", ["/img/caption.jpg", "/img/shared.jpg"]))
        self.files["/ad/2"] = ("text/html", _page(
            "Carving, white material", "Antique carving, good condition, see photo.",
            "curio_corner", ["/img/shared-copy.jpg"]))
        self.files["/ad/3"] = ("text/html", _page(
            "Garden statue", "Stone garden statue, heavy.", "stone_works",
            ["/img/other.jpg", "/img/bomb.png", "/img/not-an-image.jpg",
             "http://169.254.169.254/latest/meta-data.jpg"]))
        self.hits: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                site.hits.append(self.path)
                got = site.files.get(self.path)
                if got is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", got[0])
                self.send_header("Content-Length", str(len(got[1])))
                self.end_headers()
                self.wfile.write(got[1])

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
