"""Language identification for listings: script first, then a statistical model.

Most languages of the trade have a script of their own (Chinese, Japanese, Korean, Thai,
Russian, Arabic), and Vietnamese has its own tone marks; those are told by counting
characters, which is exact and free. Latin-script text (English, French, Spanish,
Portuguese, German, Italian, Indonesian, Malay) goes to lingua's n-gram models, restricted
to those eight languages so the models stay small (about 200 MiB, loaded once per process
on the first Latin-script text) and a seller's two-word advert cannot be called Tswana.
Where lingua is not installed a list of frequent function words decides, as it did
before lingua (it leaves most short adverts without a language: see bench/README.md,
section language, for both measured on tests/data/language/).

Returns an ISO 639-1 code, or the hint's, or ``""`` when the text gives too little.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from typing import Any

# Latin-script languages the model chooses between: the trade's, and each one measured
# on tests/data/language/. A language missing here gets the nearest of these.
LINGUA_LANGUAGES = ("en", "fr", "es", "pt", "de", "it", "id", "ms", "vi")
# Characters the model reads: twice the longest advert it was measured on, and the cost
# grows with length (about 1 ms at 400 characters, 2.5 ms at 1,000).
MODEL_SAMPLE = 400

# Frequent function words: distinctive per language, rarely shared (the fallback).
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
    "it": frozenset("il di che per della del sono gli nel alla prezzo vendita spedizione "
                    "anche".split()),
    "id": frozenset("dan yang untuk dengan jual harga kirim ini ada di ke dari bisa "
                    "hubungi".split()),
    "vi": frozenset("và của cho có không bán giá liên hệ một các được này là với "
                    "người".split()),
}
_VI_MARKS = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]",
                       re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Letters of the Latin script proper: Devanagari or Ethiopic text also counts as "latin"
# below (other letters), and must not be handed to a model that only knows Latin ones.
_LATIN = re.compile("[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")

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


def _by_script(text: str, counts: dict[str, int]) -> str:
    """The language a script or Vietnamese's tone marks give away, or ``""``."""
    total = sum(counts.values())
    if counts.get("kana", 0) > 0.05 * total:
        return "ja"
    for script, lang in (("han", "zh"), ("hangul", "ko"), ("thai", "th"),
                         ("cyrillic", "ru"), ("arabic", "ar")):
        if counts.get(script, 0) > 0.3 * total:
            return lang
    lowered = unicodedata.normalize("NFC", text[:20_000].lower())
    if len(_VI_MARKS.findall(lowered)) > 0.04 * max(counts.get("latin", 0), 1):
        return "vi"
    return ""


def _by_words(text: str) -> str:
    """The language whose frequent words the text uses most, or ``""`` (the fallback)."""
    words = _WORD.findall(unicodedata.normalize("NFC", text[:20_000].lower()))
    best, best_hits = "", 0
    for lang, stop in STOPWORDS.items():
        hits = sum(1 for w in words if w in stop)
        if hits > best_hits:
            best, best_hits = lang, hits
    if best_hits >= 2 or (best_hits == 1 and len(words) <= 6):
        return best
    return ""


_MODEL_LOCK = threading.Lock()
# Built once per process each: {True: high accuracy, False: low accuracy}; None where
# lingua is not installed.
_models: dict[bool, Any] = {}
# Texts at least this long go to lingua's low-accuracy mode: on longer text it is nearly
# as accurate, loads in about 0.2 s instead of 4-9 s and holds about 30 MiB instead of
# 200 (a crawl's page worker meets long pages and need never load the large model);
# short adverts, where the large model earns its keep, get the high-accuracy one.
LONG_TEXT = 200


def _lingua(high: bool = True) -> Any:
    """lingua's detector for :data:`LINGUA_LANGUAGES` (high or low accuracy), built once
    per process (its models load on first use), or None where lingua is not installed."""
    if high not in _models:
        with _MODEL_LOCK:
            if high not in _models:
                try:
                    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder
                except ImportError:
                    _models[high] = None
                else:
                    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1,
                                                                      code.upper()))
                                 for code in LINGUA_LANGUAGES]
                    builder = LanguageDetectorBuilder.from_languages(*languages)
                    if not high:
                        builder = builder.with_low_accuracy_mode()
                    _models[high] = builder.build()
    return _models[high]


def detector_name() -> str:
    """Which detector reads Latin-script text here: ``lingua <version>`` or
    ``wordlist`` (for benches and ``--version``-style reports)."""
    if _lingua() is None:
        return "wordlist"
    from importlib.metadata import version
    return f"lingua {version('lingua-language-detector')}"


def _by_model(text: str) -> str:
    sample = text[:MODEL_SAMPLE]
    detector = _lingua(high=len(sample.strip()) < LONG_TEXT)
    if detector is None:
        return _by_words(text)
    found = detector.detect_language_of(sample)
    return str(found.iso_code_639_1.name).lower() if found is not None else ""


def _hint(hint: str) -> str:
    return hint.split("-")[0].split("_")[0].lower()[:8] if hint else ""


# A long Latin-script text whose frequent words leave no doubt is told without the model
# (a crawled page costs about 1 ms in lingua and its first use loads ~200 MiB): at least
# this many words, this many hits for the winner, and this lead over the runner-up.
# Indonesian and Malay share their frequent words, so they always go to the model.
SURE_WORDS, SURE_HITS, SURE_LEAD = 40, 6, 3.0


def _surely_by_words(text: str) -> str:
    """The language of a long text that frequent words make certain, else ``""``."""
    words = _WORD.findall(unicodedata.normalize("NFC", text[:20_000].lower()))
    if len(words) < SURE_WORDS:
        return ""
    hits = sorted(((sum(1 for w in words if w in stop), lang)
                   for lang, stop in STOPWORDS.items()), reverse=True)
    (best, lang), (second, _) = hits[0], hits[1]
    if lang in ("id", "vi") or best < SURE_HITS or best < SURE_LEAD * max(second, 1):
        return ""
    return lang


def detect_language(text: str, hint: str = "") -> str:
    """The language of ``text`` as an ISO 639-1 code, or ``hint``'s, or ``""``."""
    counts = _script_counts(text)
    if sum(counts.values()) < 3:
        return _hint(hint)
    found = _by_script(text, counts)
    if not found:
        latin = len(_LATIN.findall(text[:20_000]))
        # Only Latin letters go to the model; other scripts keep the word lists' answer
        # (usually none) rather than the nearest Latin language.
        if latin * 2 > counts.get("latin", 0):
            found = _surely_by_words(text) or _by_model(text)
        else:
            found = _by_words(text)
    return found or _hint(hint)


def detect_language_wordlist(text: str, hint: str = "") -> str:
    """The detector without lingua: script, tone marks, then frequent words (the fallback,
    kept callable so a bench can measure both in one run)."""
    counts = _script_counts(text)
    if sum(counts.values()) < 3:
        return _hint(hint)
    return _by_script(text, counts) or _by_words(text) or _hint(hint)
