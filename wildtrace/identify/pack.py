"""The compiled reference pack: taxa and their names, as one gzipped JSON file.

The pack holds only facts compiled from the published sources (CITES listings,
checklist names and synonyms, CC BY-SA Wikispecies names, MIT LEMIS names). The
hand-written group names, product terms, cues and code words live beside it as data
files (see :mod:`wildtrace.identify.lexicon`) and are merged when the matcher loads.

Writing is atomic: the pack is written to a temporary file in the target folder and
renamed over the old one, so a reader never sees a half-written pack.
"""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wildtrace.collect.compression import read_gzip
from wildtrace.errors import FormatError, ReferencePackError

PACK_FORMAT = "wildtrace-pack/2"
PACK_FILE = "pack.json.gz"
DATA_DIR = Path(__file__).parent / "data"

# Rank order used to sort taxa "most specific first".
RANK_ORDER = {"FORM": 0, "VARIETY": 0, "SUBSPECIES": 0, "SPECIES": 1, "GENUS": 2,
              "SUBFAMILY": 3, "FAMILY": 3, "SUPERFAMILY": 4, "ORDER": 5, "SUPERORDER": 6,
              "CLASS": 7, "PHYLUM": 8, "KINGDOM": 9}
TAXON_FIELDS = ("name", "rank", "appendix", "listing", "kingdom", "klass", "order", "family",
                "genus")
NAME_FIELDS = ("text", "key", "taxon", "rule", "ambiguous")
MAX_PACK_BYTES = 512 << 20  # the shipped pack inflates to about 10 MB


def highest_appendix(listing: str) -> str:
    """The highest appendix in a listing text such as ``"I/II/NC"`` (``""`` if none)."""
    parts = {p.strip().upper() for p in listing.replace(",", "/").split("/")}
    for app in ("I", "II", "III"):
        if app in parts:
            return app
    return ""


@dataclass
class Pack:
    """Taxa and names in column form (fast to load, small to ship)."""

    version: str
    normaliser: str
    taxa: dict[str, list[Any]]
    names: dict[str, list[Any]]
    sources: list[dict[str, Any]] = field(default_factory=list)
    built_at: str = ""

    @property
    def n_taxa(self) -> int:
        """Number of taxa."""
        return len(self.taxa["name"])

    @property
    def n_names(self) -> int:
        """Number of names (scientific, synonyms and common names)."""
        return len(self.names["key"])

    def as_json(self) -> dict[str, Any]:
        """The JSON document written to disk."""
        return {"format": PACK_FORMAT, "version": self.version, "normaliser": self.normaliser,
                "built_at": self.built_at, "sources": self.sources, "taxa": self.taxa,
                "names": self.names}


def default_pack_path() -> Path:
    """The pack shipped inside the package."""
    return DATA_DIR / PACK_FILE


def load_pack(path: Path | None = None) -> Pack:
    """Read a pack, checking its format; raises :class:`ReferencePackError`."""
    path = path or default_pack_path()
    if path.is_dir():
        path = path / PACK_FILE
    try:
        doc = json.loads(read_gzip(path, MAX_PACK_BYTES).decode("utf-8"))
    except FileNotFoundError as exc:
        raise ReferencePackError(f"{path}: reference pack not found",
                                 hint="run 'wildtrace reference build'") from exc
    except FormatError as exc:
        raise ReferencePackError(f"{exc}", hint="run 'wildtrace reference build' "
                                                "again") from exc
    except (OSError, EOFError, json.JSONDecodeError, UnicodeDecodeError,
            RecursionError) as exc:
        raise ReferencePackError(f"{path}: reference pack is corrupt: {exc}",
                                 hint="run 'wildtrace reference build' again") from exc
    if not isinstance(doc, dict) or doc.get("format") != PACK_FORMAT:
        raise ReferencePackError(f"{path}: not a {PACK_FORMAT} reference pack",
                                 hint="run 'wildtrace reference build'")
    taxa, names = doc.get("taxa"), doc.get("names")
    if not isinstance(taxa, dict) or not isinstance(names, dict) or \
            any(not isinstance(taxa.get(f), list) for f in TAXON_FIELDS) or \
            any(not isinstance(names.get(f), list) for f in NAME_FIELDS):
        raise ReferencePackError(f"{path}: reference pack is missing columns")
    n_taxa = len(taxa["name"])
    if any(len(taxa[f]) != n_taxa for f in TAXON_FIELDS) or \
            len({len(names[f]) for f in NAME_FIELDS}) != 1:
        raise ReferencePackError(f"{path}: reference pack columns differ in length")
    return Pack(version=str(doc.get("version", "")), normaliser=str(doc.get("normaliser", "")),
                taxa=taxa, names=names, sources=list(doc.get("sources", [])),
                built_at=str(doc.get("built_at", "")))


def write_pack(pack: Pack, out_dir: Path) -> Path:
    """Write ``pack`` into ``out_dir`` atomically; returns the pack's path."""
    target = out_dir / PACK_FILE
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".pack-", suffix=".tmp", dir=out_dir)
    except OSError as exc:
        raise ReferencePackError(f"{out_dir}: cannot write the reference pack: {exc}",
                                 hint="choose a writable folder with -o DIR and set "
                                      "reference_pack to it") from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb",
                                                       compresslevel=9, mtime=0) as gz:
            gz.write(json.dumps(pack.as_json(), ensure_ascii=False,
                                separators=(",", ":")).encode("utf-8"))
        load_pack(tmp)  # never publish a pack that does not read back
        tmp.chmod(0o644)  # mkstemp makes it private; a pack is meant to be read by all
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
