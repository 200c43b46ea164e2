"""Text folding for matching: one function shared by the pack's names and listing texts.

Both sides go through :func:`fold`, so a name matches whatever a seller's keyboard,
font or evasion did to it: NFKC (full-width letters, ligatures), lower case, accents
removed from Latin/Greek/Cyrillic letters (never from Thai or Japanese, where the marks
are letters), homoglyphs folded (Cyrillic ``о`` for Latin ``o``), leetspeak folded
(``1vory``) and every punctuation mark turned into a space, so that Latin-script names
are matched as whole words by padding them with spaces.

Folding keeps a map back to the original text: on the fast path (almost every text)
each character folds to exactly one character and offsets are unchanged; the slow path
builds an explicit offset list.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Bumped whenever folding changes: a pack built with another version is refolded on load.
NORMALISER_VERSION = "3"

# Latin/Greek/Cyrillic lookalikes used to dodge keyword filters ("іvоrу" in Cyrillic).
_HOMOGLYPHS = {
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s",
    "ԁ": "d", "ԛ": "q", "ԝ": "w", "ο": "o", "α": "a", "ε": "e", "ι": "i", "κ": "k",
    "ν": "v", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ı": "i", "ł": "l",
    "ø": "o", "đ": "d", "ð": "d", "ħ": "h", "ŧ": "t", "ß": "ss", "æ": "ae", "œ": "oe",
}
# Digits and signs standing in for letters; both names and texts fold the same way.
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
# Characters kept although they are not letters: emoji and other pictographs.
_KEEP_CATEGORIES = {"So", "Mn", "Mc"}
_IRREGULAR = "\x00"  # placeholder in the fast table for characters that change length


def _latinish(cp: int) -> bool:
    """Scripts whose accents are decoration (Latin, Greek, Cyrillic), not letters."""
    return cp < 0x0530 or 0x1E00 <= cp <= 0x1FFF


def fold_char(ch: str) -> str:
    """The folded form of one character (may be empty or longer than one character)."""
    out: list[str] = []
    for c in unicodedata.normalize("NFKC", ch).lower():
        c = _HOMOGLYPHS.get(c, c)
        if len(c) == 1 and not c.isascii() and _latinish(ord(c)):
            base = "".join(x for x in unicodedata.normalize("NFD", c)
                           if not unicodedata.combining(x))
            c = _HOMOGLYPHS.get(base, base)
        for x in c:
            if x in _LEET:
                out.append(_LEET[x])
            elif x.isalnum() or unicodedata.category(x) in _KEEP_CATEGORIES:
                out.append(x)
            else:
                out.append(" ")
    return "".join(out)


class _FastTable(dict[int, str]):
    """A lazily filled ``str.translate`` table: one character in, one out."""

    def __missing__(self, cp: int) -> str:
        folded = fold_char(chr(cp))
        value = folded if len(folded) == 1 else _IRREGULAR
        self[cp] = value
        return value


_TABLE = _FastTable()
for _cp in range(128):
    _TABLE[_cp]  # noqa: B018 - fills the ASCII part up front


@dataclass(frozen=True, slots=True)
class Folded:
    """A folded text and the way back to the original's offsets."""

    text: str
    offsets: list[int] | None  # folded index -> original index; None means identity

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original ``[start, end)`` of the folded ``[start, end)``."""
        if self.offsets is None:
            return start, end
        offs = self.offsets
        return offs[start], offs[end - 1] + 1


def fold(text: str) -> Folded:
    """Fold ``text`` for matching, keeping the map back to original offsets."""
    fast = text.translate(_TABLE)
    if _IRREGULAR not in fast:
        return Folded(fast, None)
    pieces: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        f = _TABLE[ord(ch)]
        if f == _IRREGULAR:
            f = fold_char(ch)
        pieces.append(f)
        offsets.extend([i] * len(f))
    return Folded("".join(pieces), offsets)


_SPACES = re.compile(r"\s+")


def fold_key(name: str) -> str:
    """The folded form of a name as stored in the automaton (spaces squeezed, trimmed)."""
    return _SPACES.sub(" ", fold(name).text).strip()


def is_word_char(ch: str) -> bool:
    """True for characters of space-separated scripts (Latin, Cyrillic, Greek, …)."""
    if not ch.isalnum():
        return False
    cp = ord(ch)
    # Thai, Lao, Khmer, Myanmar, CJK and kana are written without spaces between words.
    return cp < 0x0E00 or 0x1E00 <= cp <= 0x1FFF or 0xAC00 <= cp <= 0xD7AF


def pad_key(key: str) -> str:
    """A folded key padded with a space at each end written in a space-separated script,
    so that Latin-script names only match whole words."""
    if not key:
        return key
    return (" " if is_word_char(key[0]) else "") + key + (" " if is_word_char(key[-1]) else "")


def is_kana(ch: str) -> bool:
    """Hiragana, katakana and the prolonged-sound mark."""
    return 0x3040 <= ord(ch) <= 0x30FF or ch == "ー"


# Letters written one at a time with separators: "i v o r y", "i.v.o.r.y", "i-v-o-r-y".
# Starts with a literal space (the text is searched with one in front), which lets the
# regex engine skip quickly to candidate positions.
_SPACED = re.compile(r" (?:[a-z] {1,3}){3,}[a-z](?= |$)")


# The same evasion in scripts written without spaces: one ideograph, Hangul syllable,
# kana or Thai/Lao/Khmer/Myanmar letter (with its vowel and tone marks) at a time
# ("象 牙", "상 아", "ง า ช้ า ง"). Two units are enough: most names there are two long.
_WIDE_BASE = ("\u0E01-\u0E30\u0E32\u0E33\u0E3F-\u0E46\u0E81-\u0EB0\u0EB2\u0EB3"
              "\u0EBD-\u0EC6\u1000-\u102A\u103F-\u1049\u1780-\u17B3"
              "\u3040-\u30FF\u3400-\u4DBF\u4E00-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF")
_WIDE_MARK = ("\u0E31\u0E34-\u0E3A\u0E47-\u0E4E\u0EB1\u0EB4-\u0EBC\u0EC8-\u0ECD"
              "\u102B-\u103E\u1056-\u1059\u17B4-\u17D3\u200C\u200D")
_WIDE_UNIT = f"[{_WIDE_BASE}][{_WIDE_MARK}]*"
_SPACED_WIDE = re.compile(f" (?:{_WIDE_UNIT} {{1,3}})+{_WIDE_UNIT}(?= |$)")


def spaced_runs(folded: str) -> list[tuple[str, list[int]]]:
    """Runs of single letters with separators, squeezed, with each letter's position
    (Latin letters, and single units of the scripts written without spaces)."""
    runs: list[tuple[str, list[int]]] = []
    padded = " " + folded
    for pattern in (_SPACED, _SPACED_WIDE):
        if pattern is _SPACED_WIDE and padded.isascii():
            break
        for m in pattern.finditer(padded):
            positions = [m.start() - 1 + i for i, c in enumerate(m.group()) if c != " "]
            runs.append(("".join(folded[p] for p in positions), positions))
    return runs
