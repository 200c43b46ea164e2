"""Watches: what to look for (species, keywords, languages) and where (seeds and
site search-URL templates), read from a TOML or JSON file.

    seeds = ["https://classifieds.example/"]
    species = ["Manis javanica", "pangolin"]
    keywords = ["scales", "ivory"]
    languages = ["en", "vi"]

    [terms]                     # terms by language, used only with matching templates
    vi = ["vảy tê tê", "ngà voi"]
    zh = ["穿山甲片", "象牙"]

    [[search]]
    url = "https://classifieds.example/search?q={query}"
    languages = ["vi"]          # optional: which language's terms to search here

Also the fallback relevance function used to rank links when no assessment model is
installed: the share of watch (or built-in) terms a text mentions.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote_plus

from wildtrace.collect.canonical import acceptable
from wildtrace.errors import InputError

MAX_SEEDS = 2_000
# A small multilingual starter lexicon for ranking links without a model.
DEFAULT_TERMS = (
    "ivory", "tusk", "pangolin", "scales", "rhino horn", "tiger", "bone", "claw", "skin",
    "pelt", "turtle shell", "tortoiseshell", "hawksbill", "parrot", "macaw", "cockatoo",
    "python", "gecko", "orchid", "shark fin", "bear bile", "elephant", "hornbill",
    "象牙", "穿山甲", "犀牛角", "虎骨", "玳瑁", "ngà voi", "tê tê", "sừng tê giác", "hổ cốt",
    "gading", "trenggiling", "cula badak", "ivoire", "marfil", "elfenbein")


@dataclass(frozen=True)
class Watch:
    """A parsed watch file."""

    seeds: tuple[str, ...] = ()
    species: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    terms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    search: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (template, languages)

    def all_terms(self) -> list[str]:
        """Every term, neutral ones first."""
        out = [*self.species, *self.keywords]
        for lang in self.terms:
            out.extend(self.terms[lang])
        return list(dict.fromkeys(t for t in out if t.strip()))

    def search_urls(self) -> list[str]:
        """Search-URL templates filled with the watch's terms."""
        urls: list[str] = []
        neutral = [*self.species, *self.keywords]
        for template, langs in self.search:
            wanted = langs or self.languages or tuple(self.terms)
            terms = list(neutral)
            for lang in wanted:
                terms.extend(self.terms.get(lang, ()))
            for term in dict.fromkeys(terms):
                urls.append(template.replace("{query}", quote_plus(term)))
                if len(urls) >= MAX_SEEDS:
                    return urls
        return urls


def _strings(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{where} must be a list of strings")
    return tuple(v.strip() for v in value if v.strip())


def load_watch(path: Path) -> Watch:
    """Read a watch file (``.toml`` or ``.json``); errors name the file and the key."""
    try:
        raw = path.read_text(encoding="utf-8")
        data = json.loads(raw) if path.suffix.lower() == ".json" else tomllib.loads(raw)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"cannot read watch file: {exc}", file=str(path)) from exc
    if not isinstance(data, dict):
        raise InputError("a watch file must be a table of settings", file=str(path))
    terms_raw = data.get("terms", {}) or {}
    if not isinstance(terms_raw, dict):
        raise InputError("[terms] must map languages to lists of terms", file=str(path))
    terms = {str(k): _strings(v, f"{path}: terms.{k}") for k, v in terms_raw.items()}
    search = []
    for i, item in enumerate(data.get("search", []) or []):
        if not isinstance(item, dict) or "{query}" not in str(item.get("url", "")):
            raise InputError(f"search entry {i + 1} needs a url containing {{query}}",
                             file=str(path))
        url = str(item["url"])
        if not acceptable(url.replace("{query}", "x")):
            raise InputError(f"search entry {i + 1}: not an http(s) URL: {url[:200]}",
                             file=str(path))
        search.append((url, _strings(item.get("languages"), f"{path}: search.languages")))
    seeds = _strings(data.get("seeds"), f"{path}: seeds")
    bad = [s for s in seeds if not acceptable(s)]
    if bad:
        raise InputError(f"seed is not an http(s) URL: {bad[0][:200]}", file=str(path))
    return Watch(seeds=seeds, species=_strings(data.get("species"), f"{path}: species"),
                 keywords=_strings(data.get("keywords"), f"{path}: keywords"),
                 languages=_strings(data.get("languages"), f"{path}: languages"),
                 terms=terms, search=tuple(search))


def keyword_scorer(terms: list[str] | tuple[str, ...] = DEFAULT_TERMS) -> Callable[[str], float]:
    """A relevance function: 0 with no term, rising to 1 at three distinct terms."""
    words = [t.casefold() for t in terms if t.strip()]
    if not words:
        return lambda text: 0.5
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))

    def score(text: str) -> float:
        hits = set(pattern.findall(text[:20_000].casefold()))
        return min(1.0, len(hits) / 3.0)

    return score
