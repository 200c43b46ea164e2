"""Text in photos: Tesseract OCR, run offline on the CPU with Debian's language packs.

Adverts often carry the offer in the picture (a price and a WeChat ID written over a
photo of carved bangles). The text read here joins the listing's text for identify,
assess and identifier extraction, stored apart with its engine so the analyst sees
which words came from a picture.

Why Tesseract: Debian ships it with trained models for the trade's scripts
(``tesseract-ocr-chi-sim``, ``-chi-tra``, ``-vie``, ``-tha``, ``-jpn``, ``-ind``), all
loaded from disk, nothing downloaded; its accuracy per script is measured by
``bench/bench_ocr.py`` on images rendered from known text. The binary is run with an
argument list (never a shell), the image handed over on stdin as a PNG we re-encoded
ourselves (so Tesseract's own decoders never see the hostile bytes), with a time limit.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

DEFAULT_LANGUAGES = "eng+chi_sim+vie+tha"
TIMEOUT = 60.0
MAX_TEXT = 10_000
# Only tiny photos are enlarged, big ones shrunk (time grows with pixels). Enlarging an
# ordinary 700-px advert to 900 px made accuracy worse on bench/bench_ocr.py, and
# "--psm 6" (one block of text) read more than the automatic layout ("--psm 3"), which
# often found no text at all over a busy photo.
MIN_SIDE = 480
MAX_SIDE = 1600
PSM = "6"
_LANG = re.compile(r"^[a-z_]{3,12}(\+[a-z_]{3,12}){0,7}$")
# Tesseract puts spaces between CJK and Thai characters; those scripts use none.
_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f\uff00-\uffef"
_GAP = re.compile(rf"(?<=[{_CJK}]) +(?=[{_CJK}])")


class OcrUnavailable(RuntimeError):
    """Tesseract or a named language pack is not installed."""


@dataclass(frozen=True)
class OcrText:
    """The text read from one image, and by what."""

    text: str
    engine: str  # e.g. "tesseract 5.3.0 eng+chi_sim+vie+tha"
    confidence: float  # mean word confidence 0-1 (0 when no word was read)


def tidy(text: str) -> str:
    """Tesseract's output with blank lines dropped and the spaces it puts between CJK
    and Thai characters removed."""
    lines = [_GAP.sub("", " ".join(line.split())) for line in text.splitlines()]
    return "\n".join(line for line in lines if line)[:MAX_TEXT]


class TesseractOcr:
    """Read text from decoded RGB images with the ``tesseract`` binary."""

    def __init__(self, languages: str = DEFAULT_LANGUAGES, *, binary: str = "tesseract",
                 timeout: float = TIMEOUT) -> None:
        if not _LANG.match(languages):
            raise ValueError(f"ocr languages {languages!r}: '+'-joined Tesseract pack names "
                             "such as eng+chi_sim")
        path = shutil.which(binary)
        if path is None:
            raise OcrUnavailable("tesseract is not installed (Debian: apt-get install "
                                 "tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-vie "
                                 "tesseract-ocr-tha)")
        self.binary = path
        self.languages = languages
        self.timeout = timeout
        self.version = self._version()
        missing = set(languages.split("+")) - self.installed_languages()
        if missing:
            raise OcrUnavailable("tesseract language packs not installed: "
                                 + ", ".join(sorted(missing)) + " (Debian: tesseract-ocr-"
                                 + " tesseract-ocr-".join(m.replace("_", "-")
                                                          for m in sorted(missing)) + ")")
        self.engine = f"tesseract {self.version} {languages}"

    def _run(self, args: list[str], data: bytes = b"") -> str:
        done = subprocess.run([self.binary, *args], input=data, capture_output=True,
                              timeout=self.timeout, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"tesseract failed: {done.stderr.decode('utf-8', 'replace')}"
                               [:300])
        return done.stdout.decode("utf-8", "replace")

    def _version(self) -> str:
        first = self._run(["--version"]).splitlines()
        return first[0].split()[-1] if first and first[0].split() else "?"

    def installed_languages(self) -> set[str]:
        """The language packs Tesseract finds."""
        return {line.strip() for line in self._run(["--list-langs"]).splitlines()[1:]
                if line.strip()}

    def read(self, image: Any) -> OcrText:
        """The text in a decoded RGB image (``PIL.Image.Image``)."""
        prepared = _prepare(image)
        buf = io.BytesIO()
        prepared.save(buf, format="PNG")
        tsv = self._run(["stdin", "stdout", "-l", self.languages, "--psm", PSM, "tsv"],
                        buf.getvalue())
        text, confidence = _from_tsv(tsv)
        return OcrText(text, self.engine, confidence)


def _prepare(image: Any) -> Any:
    """Greyscale, scaled so text is neither too small nor the image too large."""
    from PIL import Image

    grey = image.convert("L")
    w, h = grey.size
    side = max(w, h)
    scale = MIN_SIDE / side if side < MIN_SIDE else MAX_SIDE / side if side > MAX_SIDE else 1
    if scale != 1:
        grey = grey.resize((max(1, round(w * scale)), max(1, round(h * scale))),
                           Image.Resampling.LANCZOS)
    return grey


def _from_tsv(tsv: str) -> tuple[str, float]:
    """Text (lines kept) and mean word confidence from Tesseract's TSV output."""
    lines: dict[tuple[str, str, str, str], list[str]] = {}
    confs: list[float] = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        word = cols[11].strip()
        try:
            conf = float(cols[10])
        except ValueError:
            continue
        if not word or conf < 0:
            continue
        confs.append(conf / 100)
        lines.setdefault((cols[1], cols[2], cols[3], cols[4]), []).append(word)
    text = tidy("\n".join(" ".join(words) for words in lines.values()))
    return text, (sum(confs) / len(confs) if confs else 0.0)
