"""Language identification for listings: script first, then a statistical model.

Most languages of the trade have a script of their own (Chinese, Japanese, Korean, Thai,
Lao, Khmer, Burmese, Russian, Arabic, Hindi in Devanagari), and Vietnamese has its own
tone marks; those are told by counting characters, which is exact and free. Latin-script
text (English, French, Spanish, Portuguese, German, Italian, Indonesian, Malay, Tagalog,
and Vietnamese written without its marks) goes to lingua's n-gram models, restricted to
those ten languages so the models stay small (about 200 MiB, loaded once per process on
the first Latin-script text) and a seller's two-word advert cannot be called Tswana.
Where lingua is not installed a list of frequent function words decides, as it did
before lingua (it leaves most short adverts without a language: see bench/README.md,
section language, for both measured on tests/data/language/).

A script answers for the language most written in it among the trade's: Cyrillic is
read as Russian, Arabic script as Arabic, Devanagari as Hindi (Ukrainian, Persian, Urdu
or Marathi adverts are rare in this trade and get the nearest language's cues, which
share most of their words).

Returns an ISO 639-1 code, or the hint's, or ``""`` when the text gives too little.
:func:`detect_languages` does a whole batch, sending the Latin-script texts to lingua's
batch API in one call.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence
from typing import Any

# Latin-script languages the model chooses between: the trade's, and each one measured
# on tests/data/language/. A language missing here gets the nearest of these.
LINGUA_LANGUAGES = ("en", "fr", "es", "pt", "de", "it", "id", "ms", "vi", "tl")
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
    "tl": frozenset("ang ng mga sa na ay para benta presyo po ito may kung lang mag "
                    "ibinebenta".split()),
}
_VI_MARKS = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]",
                       re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Vietnamese written without its marks (common in chat and in obfuscated adverts) has no
# tone marks to count, and lingua's Vietnamese model leans on them (it reads "can ban nga
# voi, gia re" as English). Its syllables tell it instead: these are frequent ones that
# are not English words, and the text must be mostly syllables of the wider list.
_VI_PLAIN_STRONG = frozenset(
    "khong duoc nhung nguoi mot cac voi cua nhe minh lien loai toan quoc nguyen thanh "
    "giao chua roi nua duoi tren ngoai gia hang kho gap vay nga tram huong trac gau cot "
    "vong tay sung giac rua ruou nhieu dang hoac ngay thang nam tuoi khoe manh".split())
_VI_PLAIN = _VI_PLAIN_STRONG | frozenset(
    "can ban mua he that re tot ship nha oi ai inbox zalo co san con chat moi cu dep "
    "tan noi trong rat lam va la cho di ve thi ma nen te ho mat go ib sao an do".split())
# Letters of the Latin script proper: Devanagari or Ethiopic text also counts as "latin"
# below (other letters), and must not be handed to a model that only knows Latin ones.
_LATIN = re.compile("[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")

# Unicode blocks of the scripts told apart by counting (the main block of each; rare
# extension blocks count as "other letters").
_BLOCKS = (("han", "\u4e00-\u9fff\u3400-\u4dbf"),
           ("kana", "\u3040-\u30ff"),
           ("hangul", "\uac00-\ud7af\u1100-\u11ff\u3130-\u318f"),
           ("thai", "\u0e00-\u0e7f"),
           ("lao", "\u0e80-\u0eff"),
           ("khmer", "\u1780-\u17ff"),
           ("myanmar", "\u1000-\u109f"),
           ("devanagari", "\u0900-\u097f"),
           ("cyrillic", "\u0400-\u04ff"),
           ("arabic", "\u0600-\u06ff\u0750-\u077f"))
_SCRIPTS = tuple((name, re.compile(f"[{chars}]")) for name, chars in _BLOCKS)
_NON_LATIN = re.compile("[" + "".join(chars for _, chars in _BLOCKS) + "]+")
# The language each script stands for (kana is tested first: Japanese mixes in Han).
SCRIPT_LANGUAGE = (("han", "zh"), ("hangul", "ko"), ("thai", "th"), ("lao", "lo"),
                   ("khmer", "km"), ("myanmar", "my"), ("devanagari", "hi"),
                   ("cyrillic", "ru"), ("arabic", "ar"))


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
    for script, lang in SCRIPT_LANGUAGE:
        if counts.get(script, 0) > 0.3 * total:
            return lang
    lowered = unicodedata.normalize("NFC", text[:20_000].lower())
    if len(_VI_MARKS.findall(lowered)) > 0.04 * max(counts.get("latin", 0), 1):
        return "vi"
    return ""


def _unmarked_vietnamese(text: str) -> bool:
    """Vietnamese written without tone marks: at least 4 words, two thirds of them
    Vietnamese syllables, and at least two that are not also English words."""
    words = _WORD.findall(text[:2000].lower())
    if len(words) < 4 or not all(w.isascii() for w in words):
        return False
    strong = sum(1 for w in words if w in _VI_PLAIN_STRONG)
    return strong >= 2 and sum(1 for w in words if w in _VI_PLAIN) * 3 >= 2 * len(words)


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


def _encodable(text: str) -> str:
    """``text`` with lone surrogates (from bytes decoded with ``surrogateescape``)
    replaced: lingua hands text to native code as UTF-8, which refuses them."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def _by_model(text: str) -> str:
    sample = _encodable(text[:MODEL_SAMPLE])
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


_MODEL = "\x00model"  # marker: this text's language is the model's to tell


def _without_model(text: str, hint: str) -> str:
    """The answer that needs no model, or :data:`_MODEL` where lingua must decide."""
    counts = _script_counts(text)
    if sum(counts.values()) < 3:
        return _hint(hint)
    found = _by_script(text, counts)
    if not found:
        latin = len(_LATIN.findall(text[:20_000]))
        # Only Latin letters go to the model; other scripts keep the word lists' answer
        # (usually none) rather than the nearest Latin language.
        if latin * 2 > counts.get("latin", 0):
            found = ("vi" if _unmarked_vietnamese(text) else "") or _surely_by_words(text) \
                or _MODEL
        else:
            found = _by_words(text)
    return found or _hint(hint)


def detect_language(text: str, hint: str = "") -> str:
    """The language of ``text`` as an ISO 639-1 code, or ``hint``'s, or ``""``."""
    found = _without_model(text, hint)
    if found == _MODEL:
        found = _by_model(text)
    return found or _hint(hint)


def detect_languages(texts: Sequence[str], hints: Sequence[str] = ()) -> list[str]:
    """:func:`detect_language` of each text, the Latin-script ones read by lingua in one
    batch call per accuracy mode (its parallel API), which is several times faster than
    one call per text on a large import."""
    found = [_without_model(t, hints[i] if i < len(hints) else "")
             for i, t in enumerate(texts)]
    todo = [i for i, f in enumerate(found) if f == _MODEL]
    for high in (True, False):
        rows = [i for i in todo if (len(texts[i][:MODEL_SAMPLE].strip()) < LONG_TEXT) == high]
        if not rows:
            continue
        detector = _lingua(high=high)
        if detector is None:
            answers = [_by_words(texts[i]) for i in rows]
        else:
            got = detector.detect_languages_in_parallel_of(
                [_encodable(texts[i][:MODEL_SAMPLE]) for i in rows])
            answers = [str(g.iso_code_639_1.name).lower() if g is not None else ""
                       for g in got]
        for i, answer in zip(rows, answers, strict=True):
            found[i] = answer or _hint(hints[i] if i < len(hints) else "")
    return found


def detect_language_wordlist(text: str, hint: str = "") -> str:
    """The detector without lingua: script, tone marks, then frequent words (the fallback,
    kept callable so a bench can measure both in one run)."""
    counts = _script_counts(text)
    if sum(counts.values()) < 3:
        return _hint(hint)
    return (_by_script(text, counts) or ("vi" if _unmarked_vietnamese(text) else "")
            or _by_words(text) or _hint(hint))
