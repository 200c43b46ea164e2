"""Hand-written lexicons: group names, product terms, cues, code words, stopwords.

These are data files in ``wildtrace/identify/data/`` (``groups.toml`` and
``trade_names.toml``, ``cues.toml`` and ``lookalikes.toml``, ``codewords.csv``,
``stopwords.txt``, ``weaknames.txt``), written by the project with the dictionary or
report each word comes from. Users add their own code words in a CSV lexicon in the
workspace (:func:`read_user_lexicon`); a bad row there is reported as ``file:row``.
"""

from __future__ import annotations

import csv
import io
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from wildtrace.errors import InputError, ReferencePackError
from wildtrace.identify.normalise import fold_key

DATA_DIR = Path(__file__).parent / "data"
TERM_KINDS = ("name", "product", "code_word", "cue")
FORMS = ("live", "raw", "semi_worked", "finished", "derivative")
_META_KEYS = {"key", "kind", "taxon", "form", "source", "ambiguous"}
USER_COLUMNS = ("term", "taxon", "kind", "lang", "meaning", "match", "source", "source_date")


@dataclass(frozen=True, slots=True)
class LexTerm:
    """One hand-written or user term before it goes into the automaton."""

    text: str
    kind: str  # name, product, code_word, cue, mask
    taxon: str  # scientific name; "" for cues
    rule: str  # "name:de", "product:ivory", "code_word:white plastic", or the cue kind
    lang: str
    ambiguous: bool = False
    form: str = ""  # product form implied by a product term
    origin: str = ""  # "file:row" or "file [key]" for error messages


@dataclass(frozen=True)
class Lexicon:
    """Everything hand-written, as loaded from the package data."""

    extra_taxa: tuple[dict[str, str], ...]
    terms: tuple[LexTerm, ...]
    codewords: tuple[dict[str, str], ...]  # every documented code word, matched or not


def _word_list(name: str) -> frozenset[str]:
    """Folded entries of a one-name-per-line data file (``#`` starts a comment line)."""
    words = set()
    for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.add(fold_key(line))
    return frozenset(words)


@lru_cache(maxsize=1)
def load_stopwords() -> frozenset[str]:
    """Folded names that are also ordinary words or brands."""
    return _word_list("stopwords.txt")


@lru_cache(maxsize=1)
def load_weak_names() -> frozenset[str]:
    """Folded names that count only beside a clearer name of the same or a related taxon."""
    return _word_list("weaknames.txt")


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ReferencePackError(f"{path}: cannot read lexicon: {exc}") from exc


def _lang_lists(entry: dict[str, Any], where: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for lang, words in entry.items():
        if lang in _META_KEYS:
            continue
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise ReferencePackError(f"{where}: '{lang}' must be a list of strings")
        out.extend((lang, w) for w in words)
    return out


def _groups(path: Path) -> tuple[list[dict[str, str]], list[LexTerm]]:
    doc = _load_toml(path)
    taxa = []
    for i, t in enumerate(doc.get("taxon", [])):
        if not isinstance(t.get("name"), str) or not isinstance(t.get("rank"), str):
            raise ReferencePackError(f"{path}: [[taxon]] #{i + 1} needs name and rank")
        taxa.append({k: str(t.get(k, "")) for k in ("name", "rank", "appendix", "listing",
                                                      "note")})
    terms: list[LexTerm] = []
    for entry in doc.get("term", []):
        key = str(entry.get("key", "?"))
        where = f"{path} [{key}]"
        kind, taxon = entry.get("kind"), entry.get("taxon")
        form = str(entry.get("form", ""))
        if kind not in ("name", "product") or not isinstance(taxon, str) or not taxon:
            raise ReferencePackError(f"{where}: needs kind name|product and a taxon")
        if form and form not in FORMS:
            raise ReferencePackError(f"{where}: unknown form {form!r}")
        ambiguous = {fold_key(w) for w in entry.get("ambiguous", [])}
        rule_base = f"product:{key}" if kind == "product" else ""
        for lang, word in _lang_lists(entry, where):
            terms.append(LexTerm(word, kind, taxon, rule_base or f"name:{lang}", lang,
                                 fold_key(word) in ambiguous, form, where))
    return taxa, terms


def _cues(path: Path) -> list[LexTerm]:
    doc = _load_toml(path)
    terms: list[LexTerm] = []
    for i, entry in enumerate(doc.get("cue", [])):
        kind = entry.get("kind")
        where = f"{path} [cue #{i + 1} {kind}]"
        if not isinstance(kind, str) or not kind:
            raise ReferencePackError(f"{where}: needs a kind")
        term_kind = "mask" if kind == "mask" else "cue"
        for lang, word in _lang_lists(entry, where):
            terms.append(LexTerm(word, term_kind, "", kind, lang, False, "", where))
    return terms


def _read_csv(path: Path, required: tuple[str, ...], error: type[Exception]
              ) -> list[tuple[int, dict[str, str]]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError as exc:
        raise _err(error, "lexicon file not found", path, None) from exc
    except UnicodeDecodeError as exc:
        raise _err(error, "not UTF-8 text", path, 1) from exc
    if "\x00" in text:
        raise _err(error, "binary data, expected CSV text", path, 1)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise _err(error, f"missing column(s) {', '.join(missing)}", path, 1)
    rows = []
    try:
        for row in reader:
            if None in row or any(v is None for v in row.values()):
                raise _err(error, "wrong number of fields", path, reader.line_num)
            rows.append((reader.line_num, {k: (v or "").strip() for k, v in row.items()}))
    except csv.Error as exc:
        raise _err(error, f"malformed CSV: {exc}", path, reader.line_num) from exc
    return rows


def _err(error: type[Exception], msg: str, path: Path, row: int | None) -> Exception:
    if issubclass(error, InputError):
        return error(msg, file=str(path), row=row)
    return error(f"{path}:{row}: {msg}" if row else f"{path}: {msg}")


def _codeword_terms(rows: list[tuple[int, dict[str, str]]], path: Path,
                    error: type[Exception]) -> list[LexTerm]:
    terms = []
    for line, row in rows:
        term, taxon = row.get("term", ""), row.get("taxon", "")
        kind = row.get("kind") or "code_word"
        match = (row.get("match") or "yes").lower()
        if not term:
            raise _err(error, "empty term", path, line)
        if kind not in TERM_KINDS:
            raise _err(error, f"unknown kind {kind!r} (use {', '.join(TERM_KINDS)})",
                       path, line)
        if match not in ("yes", "context", "no"):
            raise _err(error, f"match must be yes, context or no, not {match!r}", path, line)
        if kind == "cue":
            if not row.get("meaning"):
                raise _err(error, "a cue needs its kind in 'meaning' (e.g. covert)",
                           path, line)
        elif not taxon:
            raise _err(error, "empty taxon", path, line)
        if match == "no":
            continue
        if kind == "cue":
            terms.append(LexTerm(term, "cue", "", row["meaning"], row.get("lang", ""), False,
                                 "", f"{path}:{line}"))
            continue
        rule = f"code_word:{term.lower()}" if kind == "code_word" else (
            f"product:{term.lower()}" if kind == "product" else
            f"name:{row.get('lang') or 'user'}")
        terms.append(LexTerm(term, kind, taxon, rule, row.get("lang", ""), match == "context",
                             "", f"{path}:{line}"))
    return terms


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    """The package's hand-written lexicons (cached)."""
    taxa, terms = _groups(DATA_DIR / "groups.toml")
    more_taxa, more_terms = _groups(DATA_DIR / "trade_names.toml")
    taxa += more_taxa
    terms += more_terms
    terms += _cues(DATA_DIR / "cues.toml")
    terms += _cues(DATA_DIR / "lookalikes.toml")
    cw_path = DATA_DIR / "codewords.csv"
    rows = _read_csv(cw_path, ("term", "taxon"), ReferencePackError)
    terms += _codeword_terms(rows, cw_path, ReferencePackError)
    return Lexicon(tuple(taxa), tuple(terms), tuple(r for _, r in rows))


def read_user_lexicon(path: Path) -> list[LexTerm]:
    """A user's CSV lexicon (columns: term, taxon[, kind, lang, meaning, match, source,
    source_date]); a bad row raises :class:`InputError` with ``file:row``."""
    rows = _read_csv(path, ("term", "taxon"), InputError)
    return _codeword_terms(rows, path, InputError)
