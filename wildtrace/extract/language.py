"""Language identification for listings: script first, then common words.

Small and dependency-free on purpose: the languages of the trade we see most (Chinese,
Vietnamese, Thai, Japanese, Korean, Indonesian/Malay, English, French, Spanish,
Portuguese, German) are told apart by their scripts and a handful of frequent words.
Returns an ISO 639-1 code, or ``""`` when the text gives too little to go on.
"""

from __future__ import annotations

import re
import unicodedata

# Frequent function words: distinctive per language, rarely shared.
STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the and for with this that from are you your have sale sell price "
                    "contact shipping is of to in".split()),
    "fr": frozenset("le la les des une est pour avec vente prix livraison et du sur "
                    "vous".split()),
    "es": frozenset("el los las una para con venta precio envío y del por es que "
                    "se".split()),
    "pt": frozenset("o os as uma para com venda preço entrega e do da não é em "
                    "você".split()),
    "de": frozenset("der die das und ist mit für verkauf preis versand ein eine nicht "
                    "zu".split()),
    "id": frozenset("dan yang untuk dengan jual harga kirim ini ada di ke dari bisa "
                    "hubungi".split()),
    "vi": frozenset("và của cho có không bán giá liên hệ một các được này là với "
                    "người".split()),
}
_VI_MARKS = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]",
                       re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


_SCRIPTS = (("han", re.compile("[\u4e00-\u9fff\u3400-\u4dbf]")),
            ("kana", re.compile("[\u3040-\u30ff]")),
            ("hangul", re.compile("[\uac00-\ud7af]")),
            ("thai", re.compile("[\u0e00-\u0e7f]")),
            ("cyrillic", re.compile("[\u0400-\u04ff]")),
            ("arabic", re.compile("[\u0600-\u06ff]")))
_NON_LATIN = re.compile("[\u4e00-\u9fff\u3400-\u4dbf\u3040-\u30ff\uac00-\ud7af"
                        "\u0e00-\u0e7f\u0400-\u04ff\u0600-\u06ff]+")


def _script_counts(text: str) -> dict[str, int]:
    """Characters per script in the first 20,000 characters (every character of the
    listed blocks counts; other letters count as latin)."""
    text = text[:20_000]
    counts = {key: n for key, pattern in _SCRIPTS if (n := len(pattern.findall(text)))}
    latin = sum(map(str.isalpha, _NON_LATIN.sub("", text)))
    if latin:
        counts["latin"] = latin
    return counts


def detect_language(text: str, hint: str = "") -> str:
    """The language of ``text`` as an ISO 639-1 code, or ``hint``'s, or ``""``."""
    counts = _script_counts(text)
    total = sum(counts.values())
    fallback = hint.split("-")[0].split("_")[0].lower()[:8] if hint else ""
    if total < 3:
        return fallback
    if counts.get("kana", 0) > 0.05 * total:
        return "ja"
    for script, lang in (("han", "zh"), ("hangul", "ko"), ("thai", "th"),
                         ("cyrillic", "ru"), ("arabic", "ar")):
        if counts.get(script, 0) > 0.3 * total:
            return lang
    lowered = unicodedata.normalize("NFC", text[:20_000].lower())
    if len(_VI_MARKS.findall(lowered)) > 0.04 * max(counts.get("latin", 0), 1):
        return "vi"
    words = _WORD.findall(lowered)
    best, best_hits = "", 0
    for lang, stop in STOPWORDS.items():
        hits = sum(1 for w in words if w in stop)
        if hits > best_hits:
            best, best_hits = lang, hits
    if best_hits >= 2 or (best_hits == 1 and len(words) <= 6):
        return best
    return fallback
