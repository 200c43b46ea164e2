"""The reference pack and the explanations built on it: ``wildtrace reference build``,
``reference info``, ``reference match`` and ``explain``.

Matching and judging compose two stages: identify (which taxa, product terms, code
words and cues a text holds) and assess's legality rules (what that means in a
jurisdiction). Nothing here stores anything.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from wildtrace.assess.legality import verdict
from wildtrace.errors import InputError, ReferencePackError
from wildtrace.identify import identifier_for, load_identifier
from wildtrace.identify.builder import build_pack, find_sources
from wildtrace.identify.lexicon import load_lexicon
from wildtrace.identify.pack import DATA_DIR, load_pack
from wildtrace.records import Identification, Listing, Verdict
from wildtrace.workspace import Workspace

DEFAULT_SOURCES = Path("..") / "shared" / "datasets" / "reference"


@dataclass(frozen=True)
class PackBuild:
    """A freshly built pack: where, which version, what it holds, how long it took."""

    pack: Path
    version: str
    taxa: int
    names: int
    sources: list[dict[str, Any]]
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        """JSON shape of ``reference build --json``."""
        return {"pack": str(self.pack), "version": self.version, "taxa": self.taxa,
                "names": self.names, "sources": self.sources, "seconds": self.seconds}


@dataclass(frozen=True)
class PackInfo:
    """The figures of a reference pack and the hand-written lexicon beside it."""

    version: str
    pack_built: str
    load_seconds: float
    taxa: int
    taxa_by_appendix: dict[str, int]
    extra_taxa: int
    pack_names: int
    pack_names_by_language: dict[str, int]
    lexicon_terms_by_language: dict[str, int]
    lexicon_terms_by_kind: dict[str, int]
    code_words_documented: int
    code_words_matched: int
    automaton_keys: int
    sources: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        """JSON shape of ``reference info --json``."""
        return asdict(self)


@dataclass(frozen=True)
class Explanation:
    """What was found in a text and the legality verdict on it."""

    identification: Identification
    verdict: Verdict


@dataclass(frozen=True)
class ListingExplanation(Explanation):
    """The explanation of a stored listing's text, with the listing."""

    listing: Listing


def build(source_dir: Path | None = None, species_plus: Path | None = None,
          output: Path | None = None) -> PackBuild:
    """Compile the pack from the sources in ``source_dir`` (default: the shared datasets,
    where present) and/or a Species+ export, into ``output`` (default: the package's own
    pack), atomically: the old pack stays until the new one is whole."""
    sources: dict[str, Path] = {}
    folder = source_dir or (DEFAULT_SOURCES if DEFAULT_SOURCES.is_dir() else None)
    if folder is not None:
        if not folder.is_dir():
            raise ReferencePackError(f"{folder}: source folder not found")
        sources = find_sources(folder)
    if species_plus is not None:
        sources["species_plus"] = species_plus
    out = output or DATA_DIR
    started = time.perf_counter()
    pack = build_pack(sources, out)
    return PackBuild(pack=out / "pack.json.gz", version=pack.version, taxa=pack.n_taxa,
                     names=pack.n_names, sources=pack.sources,
                     seconds=round(time.perf_counter() - started, 2))


def info(pack_path: Path | None = None) -> PackInfo:
    """Counts of the pack at ``pack_path`` (default: the shipped pack): taxa, names per
    language, code words, and how long the pack takes to load."""
    started = time.perf_counter()
    ident = load_identifier(pack=pack_path)
    load_s = time.perf_counter() - started
    pack = load_pack(pack_path) if pack_path else ident.pack
    langs: Counter[str] = Counter()
    for rule in pack.names["rule"]:
        langs[rule.split(":", 1)[1] if rule.startswith("name:") else rule] += 1
    lex = load_lexicon()
    lex_langs: Counter[str] = Counter(t.lang for t in lex.terms if t.kind in ("name", "product"))
    kinds: Counter[str] = Counter(t.kind if t.kind != "cue" else f"cue:{t.rule}"
                                  for t in lex.terms)
    apps = Counter(pack.taxa["appendix"])
    return PackInfo(
        version=ident.version, pack_built=pack.built_at, load_seconds=round(load_s, 3),
        taxa=pack.n_taxa, taxa_by_appendix={k or "none": v for k, v in apps.items()},
        extra_taxa=len(lex.extra_taxa), pack_names=pack.n_names,
        pack_names_by_language=dict(langs.most_common()),
        lexicon_terms_by_language=dict(lex_langs.most_common()),
        lexicon_terms_by_kind=dict(sorted(kinds.items())),
        code_words_documented=len(lex.codewords),
        code_words_matched=sum(1 for t in lex.terms if t.kind == "code_word"),
        automaton_keys=ident.counts["keys"], sources=pack.sources)


def match(ws: Workspace, text: str, jurisdiction: str = "", location: str = "") -> Explanation:
    """Identify ``text`` with the workspace's lexicon and judge it in ``jurisdiction``
    (default: the ``jurisdiction`` setting, else inferred from ``location``)."""
    ident = identifier_for(ws)
    found = ident.identify(text)
    v = verdict(found, jurisdiction or ws.settings.jurisdiction, location=location,
                identifier=ident)
    return Explanation(found, v)


def explain(ws: Workspace, listing_id: int, jurisdiction: str = "") -> ListingExplanation:
    """Each match in stored listing ``listing_id`` and the legality reasons, judged in
    ``jurisdiction`` (default: the setting, else the listing's location or site
    country)."""
    listing = ws.store.listing(listing_id)
    if listing is None:
        raise InputError(f"no listing with id {listing_id}",
                         hint="see 'wildtrace export listings' for the ids")
    ident = identifier_for(ws)
    found = ident.identify(listing.text)
    site_country = str(listing.extra.get("site_country", "") or listing.extra.get("country", ""))
    v = verdict(found, jurisdiction or ws.settings.jurisdiction, location=listing.location,
                site_country=site_country, identifier=ident)
    return ListingExplanation(found, v, listing)
