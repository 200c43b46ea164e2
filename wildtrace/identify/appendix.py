"""What a found taxon's CITES listing says about the specimen, when members differ.

The checklist gives a higher taxon (or a species listed by subspecies or population)
a listing such as ``"I/II/NC"``: *some* members are in Appendix I. Taking the highest
part made every "lorikeet" (Psittaciformes) an Appendix-I bird and every "rosewood"
(Dalbergia, one species of ~290 in I) an Appendix-I timber. Here each taxon gets:

* ``base``: the appendix that applies to most of its members — for a genus, family
  or order the commonest appendix among its species in the pack; for a species split
  by subspecies, the part of its listing that no listed subspecies accounts for
  (``Cervus elaphus`` "I/II/III/NC" with subspecies in I, II and III: not listed);
  for a species split by population (no subspecies rows), its highest part;
* ``summary``: what is known, for people ("II, some species I");
* ``uncertain``: the members differ, so the species, subspecies or population decides
  between appendices, and a legality verdict says "check the species" rather than
  "likely illegal" (unless a product of the group settles it, see the matcher).

Taxa with one listing part keep it. Computed once per identifier from the pack.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from wildtrace.identify.pack import RANK_ORDER, Pack, highest_appendix

_PARTS = ("I", "II", "III", "NC")
_SEVERITY = {"I": 3, "II": 2, "III": 1, "": 0}
_SPECIES = RANK_ORDER["SPECIES"]
_BELOW_SPECIES = frozenset(r for r, v in RANK_ORDER.items() if v < _SPECIES)


def listing_parts(listing: str) -> frozenset[str]:
    """The appendices named in a listing text (``"I/II/NC"`` -> I, II, NC)."""
    return frozenset(p.strip().upper() for p in listing.replace(",", "/").split("/")
                     if p.strip().upper() in _PARTS)


def _app(part: str) -> str:
    return "" if part == "NC" else part


@dataclass(frozen=True, slots=True)
class AppendixInfo:
    """The appendix a mention of a taxon supports, and what is known beyond it."""

    base: str  # "I", "II", "III" or "" (not listed)
    summary: str  # "" when the listing has one part; else e.g. "II, some species I"
    uncertain: bool  # members differ: which one this is decides the appendix


def _summary(base: str, others: set[str], noun: str, populations: set[str]) -> str:
    text = base or "not listed"
    for group, name in ((others, noun), (populations, "populations")):
        listed = sorted((o for o in group if o != "NC"), key=lambda a: -_SEVERITY[a])
        if listed:
            text += f", some {name} {', '.join(listed)}"
    if base and "NC" in others:
        text += f", some {noun} not listed"
    elif base and "NC" in populations:
        text += ", some not listed"  # excluded from the listing (e.g. domestic forms)
    return text


class AppendixTable:
    """Per-taxon :class:`AppendixInfo` for a pack plus the lexicon's extra taxa."""

    def __init__(self, pack: Pack, names: list[str], ranks: list[str], apps: list[str],
                 listings: list[str]) -> None:
        self._names, self._ranks, self._apps, self._listings = names, ranks, apps, listings
        tx = pack.taxa
        n_pack = len(tx["name"])
        # Subspecies and varieties under each species, by their listing parts.
        sub_parts: dict[str, set[str]] = {}
        for i in range(n_pack):
            if tx["rank"][i] in _BELOW_SPECIES:
                species = " ".join(str(tx["name"][i]).split()[:2])
                sub_parts.setdefault(species, set()).update(listing_parts(tx["listing"][i]))
        self._sub_parts = sub_parts
        # The appendices of the species of each genus, family, order and class, each
        # species counted by its own base appendix.
        members: defaultdict[str, Counter[str]] = defaultdict(Counter)
        ranks, listing, highest = tx["rank"], tx["listing"], tx["appendix"]
        parents = [tx[col] for col in ("genus", "family", "order", "klass")]
        for i in range(n_pack):
            if ranks[i] != "SPECIES":
                continue
            base = highest[i] if "/" not in listing[i] else self._species_base(
                str(tx["name"][i]), listing_parts(listing[i]), highest[i])
            for col in parents:
                if col[i]:
                    members[col[i]][base] += 1
        self._members = dict(members)
        self._cache: dict[int, AppendixInfo] = {}

    def _species_base(self, name: str, parts: frozenset[str], highest: str) -> str:
        if len(parts) <= 1:
            return highest
        subs = self._sub_parts.get(name)
        if not subs:
            return highest  # split by population: most of the range carries the highest
        rest = parts - subs
        if not rest:
            return highest
        return max((_app(p) for p in rest), key=lambda a: _SEVERITY[a])

    def info(self, i: int) -> AppendixInfo:
        """The :class:`AppendixInfo` of taxon ``i``."""
        got = self._cache.get(i)
        if got is None:
            got = self._cache[i] = self._compute(i)
        return got

    def _compute(self, i: int) -> AppendixInfo:
        parts = listing_parts(self._listings[i])
        highest = self._apps[i] or highest_appendix(self._listings[i])
        if len(parts) <= 1:
            return AppendixInfo(highest, "", False)
        name, rank = self._names[i], RANK_ORDER.get(self._ranks[i], 5)
        known: set[str] = set(parts)  # parts that some listed member accounts for
        if rank <= _SPECIES:
            subs = self._sub_parts.get(name)
            noun = "subspecies"
            known = set(subs or ())
            base = self._species_base(name, parts, highest)
        else:
            noun = "species"
            counts = self._members.get(name)
            if counts:
                # The commonest; a tie goes to the less severe (it is what most are).
                base = max(counts, key=lambda a: (counts[a], -_SEVERITY[a]))
                known = {a or "NC" for a in counts}
            else:
                base = highest
        others = set(parts) - {base or "NC"}
        # A part no member accounts for is a population's ("Loxodonta africana":
        # I, some populations II).
        summary = _summary(base, others & known, noun, others - known)
        # Members differ, so which one this is decides: the species of a "bear" (I or
        # II), the subspecies of a red deer, the population (origin) of a wolf.
        return AppendixInfo(base, summary, True)
