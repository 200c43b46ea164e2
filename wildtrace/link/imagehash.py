"""Perceptual (difference) hashes of listing photos, for near-duplicate images.

A dealer reuses the same photo across accounts, often re-encoded or resized; a 64-bit
difference hash (brightness gradients of a 9×8 greyscale thumbnail) survives that, and
two hashes within a few bits of each other mean the same picture.
"""

from __future__ import annotations

import io
import warnings
from typing import Any

MAX_IMAGE_BYTES = 20_000_000
MAX_PIXELS = 50_000_000  # refuse decompression bombs


def dhash(data: bytes) -> int | None:
    """The 64-bit difference hash of an image, or None when it cannot be decoded."""
    if not data or len(data) > MAX_IMAGE_BYTES:
        return None
    try:
        from PIL import Image
    except ImportError:  # Pillow is optional: without it, images are simply not compared
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.width * img.height > MAX_PIXELS:
                    return None
                return dhash_image(img)
    except (OSError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning,
            SyntaxError):
        return None


def dhash_image(img: Any) -> int:
    """The 64-bit difference hash of an already decoded ``PIL.Image.Image`` (the photo
    step decodes each photo once, under its own limits, and hashes the pixels)."""
    from PIL import Image

    small = img.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    px = list(small.tobytes())  # one byte per pixel in mode "L"
    bits = 0
    for row in range(8):
        for col in range(8):
            bits = (bits << 1) | (1 if px[row * 9 + col] > px[row * 9 + col + 1] else 0)
    return bits


def hamming(a: int, b: int) -> int:
    """Number of differing bits."""
    return bin(a ^ b).count("1")
