"""Which text encoding a file to import is in, told from its bytes, and a streaming reader.

Exports from Chinese, Japanese, Korean, Vietnamese, Russian or Arabic marketplaces often
come in the legacy code page of their language (GB18030, Big5, Shift-JIS, EUC-KR,
Windows-1250..1258) or in UTF-16 from Excel. Decoding them as UTF-8 or Windows-1252 gives
mojibake that no later stage can repair, so the encoding is decided once per file:

1. a byte-order mark names it (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE);
2. UTF-16 without a mark shows as NUL bytes on one side of each byte pair;
3. one pass over the whole file (in blocks, never all in memory) counts valid multi-byte
   UTF-8 sequences and invalid bytes: a file with none invalid is UTF-8, and so is one
   whose UTF-8 sequences far outnumber its bad bytes (the bad rows become row errors);
4. anything else goes to charset-normalizer, which is shown the lines that hold
   non-ASCII bytes; a verdict it cannot make with confidence refuses the file with a
   clear error rather than guessing.

The reader decodes with ``surrogateescape``, so a byte that is invalid in the chosen
encoding survives as a lone surrogate that :func:`bad_bytes` finds: the row holding it is
reported, never stored garbled.
"""

from __future__ import annotations

import codecs
import io
import re
from dataclasses import dataclass
from pathlib import Path

from wildtrace.errors import FormatError

BLOCK = 1 << 20
SAMPLE_BYTES = 256 * 1024
MAX_CHAOS = 0.2  # charset-normalizer's "mess" ratio above which its guess is refused
# The code pages marketplaces and spreadsheets actually export in. Letting the detector
# pick among every codec Python knows turns a few stray bytes into Urdu (cp1006) or
# HP Roman-8; a closed list keeps its guesses among encodings people use.
CANDIDATES = ("utf_8", "gb18030", "big5", "cp932", "euc_jp", "cp949", "cp874", "cp1250",
              "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257",
              "cp1258", "koi8_r", "iso8859_2", "iso8859_5", "iso8859_7", "iso8859_8")
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
_SURROGATE = re.compile("[\udc80-\udcff]")
_CONTROL = frozenset([*range(0, 9), 11, 12, *range(14, 32), 127])
# Code pages whose text is written with combining tone marks: composed after decoding so
# that "ầ" typed in Windows-1258 matches "ầ" typed in UTF-8.
_DECOMPOSED = {"cp1258"}


@dataclass(frozen=True)
class Encoding:
    """How to decode a file: the Python codec, how many BOM bytes to skip, whether the
    text is NFC-composed after decoding, and how it was decided (for messages)."""

    codec: str
    skip: int = 0
    compose: bool = False
    how: str = ""


def _utf16_without_bom(head: bytes) -> str | None:
    # ASCII in UTF-16 is a NUL and a byte; text (CSV delimiters, digits, newlines) has
    # plenty, all on one side of the pair.
    pairs = len(head) // 2
    if pairs < 8:
        return None
    even = sum(1 for i in range(0, pairs * 2, 2) if head[i] == 0)
    odd = sum(1 for i in range(1, pairs * 2, 2) if head[i] == 0)
    if odd > pairs * 0.2 and even < odd * 0.05:
        return "utf-16-le"
    if even > pairs * 0.2 and odd < even * 0.05:
        return "utf-16-be"
    return None


def _utf8_profile(path: Path) -> tuple[int, int, bytes]:
    """(valid multi-byte UTF-8 characters, invalid bytes, a sample of lines holding
    non-ASCII bytes) over the whole file, one block at a time."""
    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    multibyte = invalid = 0
    sample = bytearray()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(BLOCK), b""):
            if block.isascii():
                decoder.decode(block)
                continue
            text = decoder.decode(block)
            bad = len(_SURROGATE.findall(text))
            invalid += bad
            # characters beyond ASCII, counted at C speed
            multibyte += len(text) - len(text.encode("ascii", "ignore")) - bad
            if len(sample) < SAMPLE_BYTES:
                for line in block.split(b"\n"):
                    if not line.isascii():
                        sample += line + b"\n"
                        if len(sample) >= SAMPLE_BYTES:
                            break
    invalid += len(_SURROGATE.findall(decoder.decode(b"", final=True)))
    return multibyte, invalid, bytes(sample)


def _guess(path: Path, sample: bytes) -> Encoding:
    from charset_normalizer import from_bytes

    best = from_bytes(sample, cp_isolation=list(CANDIDATES)).best()
    if best is None or best.chaos > MAX_CHAOS:
        raise FormatError("cannot tell the text encoding (not UTF-8, and no legacy code "
                          "page fits the bytes)", file=str(path),
                          hint="convert it to UTF-8 first, e.g. iconv -f GB18030 -t UTF-8")
    codec = codecs.lookup(best.encoding).name
    return Encoding(codec, 0, codec in _DECOMPOSED, f"detected {codec}")


def detect(path: Path) -> Encoding:
    """The encoding of the text file at ``path``; FormatError for a binary file or one
    whose encoding cannot be told."""
    with path.open("rb") as fh:
        head = fh.read(65536)
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return Encoding(codec, len(bom), False, f"{codec} byte-order mark")
    # UTF-16 text is whole code units: an odd size is something else with NULs in it
    utf16 = _utf16_without_bom(head) if path.stat().st_size % 2 == 0 else None
    if utf16:
        try:
            head[:len(head) // 2 * 2].decode(utf16)
        except UnicodeDecodeError:
            pass  # a cut surrogate pair at the end of the sample is fine; others not
        else:
            return Encoding(utf16, 0, False, f"{utf16} (no byte-order mark)")
    controls = sum(1 for b in head if b in _CONTROL)
    if controls > max(8, len(head) // 50):
        raise FormatError("file looks binary, not text (many control bytes)",
                          file=str(path), hint="give a CSV or JSONL export")
    multibyte, invalid, sample = _utf8_profile(path)
    if invalid == 0 or multibyte >= 20 * invalid:
        return Encoding("utf-8", 0, False, "utf-8")
    return _guess(path, sample)


def open_text(path: Path, enc: Encoding) -> io.TextIOWrapper:
    """A text stream of ``path`` in ``enc`` (BOM skipped, newlines untranslated for the
    csv module, invalid bytes kept as lone surrogates for :func:`bad_bytes`)."""
    raw = path.open("rb")
    raw.seek(enc.skip)
    return io.TextIOWrapper(raw, encoding=enc.codec, errors="surrogateescape", newline="")


def bad_bytes(text: str) -> bool:
    """Whether decoded ``text`` holds bytes that were invalid in its encoding."""
    return _SURROGATE.search(text) is not None
