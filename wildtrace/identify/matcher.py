"""The matcher: one Aho–Corasick automaton over every name, product term, code word and cue.

Texts and names are folded the same way (:mod:`wildtrace.identify.normalise`).
Latin-script names are stored padded with spaces, so they only match whole words
without any per-hit check; CJK and Thai names match as substrings (those scripts have
no spaces); katakana names must not touch other katakana (``サイ`` is not inside
``サイズ``). Letters spelled out one at a time ("i v o r y", "i.v.o.r.y") are squeezed
and matched again. Spans are mapped back to the original text.

Then, per text: names inside a longer hit (or inside a "mask" such as "Ivory Coast")
are dropped; ambiguous names (``tiger``, ``python``) are kept only where the text has
wildlife context; replica/colour/toy/print/fossil cues become flags and never suppress
a match; names inside an e-mail address, @mention or underscore handle are dropped.

The appendix of a found taxon is the one its members mostly are in
(:mod:`wildtrace.identify.appendix`): a "lorikeet" (Psittaciformes) is Appendix II with the
flag ``check_species``, never Appendix I because some parrots are.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import ahocorasick

from wildtrace.errors import InputError, ReferencePackError
from wildtrace.identify.appendix import AppendixInfo, AppendixTable
from wildtrace.identify.lexicon import (
    DATA_DIR,
    Lexicon,
    LexTerm,
    load_stopwords,
    load_weak_names,
)
from wildtrace.identify.normalise import (
    NORMALISER_VERSION,
    fold,
    fold_key,
    is_kana,
    pad_key,
    spaced_runs,
)
from wildtrace.identify.pack import RANK_ORDER, Pack, highest_appendix
from wildtrace.records import Cue, Identification, Taxon, TaxonMatch

MATCHER_VERSION = "2.3"
CONTEXT_CUES = frozenset({"context", "taxidermy", "product_form:live"})
CONTEXT_WINDOW = 60  # characters either side of an ambiguous name
FLAG_CUES = frozenset({"intent_sell", "intent_buy", "replica", "toy", "print", "fossil",
                       "colour", "antique_claim", "legal_claim", "covert", "scam",
                       "taxidermy"})
_TAXON_KINDS = ("name", "product", "code_word")
# Helper cues are read here and never reported: colour/fashion words that make a bare
# "ivory" the colour, and the words that let a context-only code word ("white gold") count.
HELPER_CUES = frozenset({"colour_word", "code_context"})
COLOUR_WINDOW = 30  # characters either side of a bare "ivory"
_BARE_COLOUR_NAMES = frozenset({"ivory", "#ivory"})

# Claims with digits are matched on the lower-cased original text (folding turns
# digits into letters for leetspeak).
# Claims with digits are matched on the lower-cased original text (folding turns digits
# into letters for leetspeak). Each pattern starts with a literal or is guarded by a cheap
# substring test, so texts without them cost almost nothing.
_YEAR = re.compile(r"1[5-9]\d\d(?!\d)(?:\s?'?s\b|\s?年)?")
_YEAR_BEFORE = re.compile(r"(?:\bpre|\bbefore|\bprior to|\bolder than|\bavant|\bantes de|"
                          r"\bvor|\bcirca|\bca\.|\bc\.)[\s\-]*$")
_WEIGHT = re.compile(r"\d\s?(?:kgs?|kilos?|kilograms?|tonnes?|tons?|lbs?|公斤|千克)(?![a-z])")
# Stamp catalogue numbers and face values ("SG 781", "Scott #12", "20pf").
_STAMP = re.compile(r"\bsg\s?\d{1,4}[a-z]?\b|\bscott\s?#?\s?\d{1,4}\b|\b\d{1,3}\s?pf\b")
# Zoological family/subfamily names and "Genus sp." are written by natural-history
# specimen dealers (insects, shells, fish), rarely by anyone else. Matched on the
# original text: the capital letter matters.
_SPECIMEN = re.compile(r"\b[A-Z][a-z]{2,}(?:idae|inae)\b|\b[A-Z][a-z]{2,} (?:sp|ssp|spp)\b\.?")
_HANDLE = re.compile(r"wa\.me/|t\.me/|(?:wechat|whatsapp|telegram|line id|\bwx|\bvx)\s?[:：]")


def numeric_cues(text: str) -> list[tuple[str, int, int]]:
    """(kind, start, end) of year claims, quantities by weight and chat handles."""
    low = text.lower()
    out: list[tuple[str, int, int]] = []
    if len(low) != len(text):
        return out  # lower() changed the length: offsets would be wrong; skip (rare)
    for m in _YEAR.finditer(low):
        suffix = m.group()[4:]
        before = _YEAR_BEFORE.search(low, max(0, m.start() - 14), m.start())
        if before or suffix.strip(" '") in ("s", "年"):
            out.append(("antique_claim", before.start() if before else m.start(), m.end()))
    if "kg" in low or "kilo" in low or "ton" in low or "lb" in low or "公斤" in low or \
            "千克" in low:
        out.extend(("by_weight", m.start(), m.end()) for m in _WEIGHT.finditer(low))
    if "sg" in low or "scott" in low or "pf" in low:
        out.extend(("print", m.start(), m.end()) for m in _STAMP.finditer(low))
    if "idae" in low or "inae" in low or " sp" in low:
        out.extend(("specimen", m.start(), m.end()) for m in _SPECIMEN.finditer(text))
    if "me/" in low or "wechat" in low or "whatsapp" in low or "telegram" in low or \
            "line id" in low or "wx" in low or "vx" in low:
        out.extend(("covert", m.start(), m.end()) for m in _HANDLE.finditer(low))
    return out


# An e-mail address, an @mention or an underscore-joined handle names a person, not the
# product ("laowang_ivory", "ivory.king@x.com"); a #hashtag ("#ivory_carving") does not.
_HANDLE_TOKEN = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?<![\w#@])@\w+|"
                           r"(?<![\w#@])[^\W_]\w*_\w*[^\W_]")


def _outside_handles(text: str, offsets: list[int] | None,
                     hits: list[tuple[int, int, _Entry]]) -> list[tuple[int, int, _Entry]]:
    """``hits`` (folded coordinates) less those inside a handle or e-mail address."""
    spans = []
    for m in _HANDLE_TOKEN.finditer(text):
        a, b = m.span()
        if offsets is not None:  # original -> folded offsets
            a, b = bisect_left(offsets, a), bisect_left(offsets, b)
        spans.append((a, b))
    if not spans:
        return hits
    inside = _Cover(spans)
    return [h for h in hits if not inside.covers(h[0], h[1])]


_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]\S*(?: [^\x00-\x7f]\S*)*")


@dataclass(slots=True)
class _Entry:
    """One meaning of an automaton key."""

    kind: str  # name, product, code_word, cue, mask
    taxon: int  # index into the taxa table, -1 for cues and masks
    rule: str
    ambiguous: bool
    form: str
    lp: int  # 1 when the key is padded with a space on the left
    rp: int
    kana: bool  # katakana/hiragana ends: check the neighbours
    thai_isolated: bool  # short ambiguous Thai word: must stand alone
    thai_end: bool = False  # ends in Thai: must not run on into a vowel or tone mark
    checks: bool = False  # any of the three checks above applies
    weak: bool = False  # an ordinary word: counts only beside a clearer related name
    # Cues only: the letters of each word as written (lower case, NFC) and the languages
    # it was written for, to undo what accent folding merged (see _cues_by_language).
    words: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.checks = self.kana or self.thai_isolated or self.thai_end


class _Cover:
    """Spans sorted by start with a running maximum of their ends, for O(log n) tests
    (a hostile text can carry tens of thousands of hits)."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        spans = sorted(spans)
        self.starts = [a for a, _ in spans]
        self.max_end: list[int] = []
        best = -1
        for _, b in spans:
            best = max(best, b)
            self.max_end.append(best)

    def covers(self, s: int, t: int) -> bool:
        """Some span starts at or before ``s`` and ends at or after ``t``."""
        i = bisect_right(self.starts, s)
        return i > 0 and self.max_end[i - 1] >= t

    def reaches(self, before: int, after: int) -> bool:
        """Some span starts before ``before`` and ends after ``after``."""
        i = bisect_left(self.starts, before)
        return i > 0 and self.max_end[i - 1] > after


def _is_thai(ch: str) -> bool:
    return 0x0E00 <= ord(ch) <= 0x0E7F


class TaxonIdentifier:
    """Finds taxa, product terms, code words and cues in texts (see module docs)."""

    def __init__(self, pack: Pack, lexicon: Lexicon, user_terms: Sequence[LexTerm] = (),
                 *, max_chars: int = 200_000) -> None:
        self.pack = pack
        self.lexicon = lexicon
        self.max_chars = max_chars
        self._names: list[str] = list(pack.taxa["name"])
        self._ranks: list[str] = list(pack.taxa["rank"])
        self._apps: list[str] = list(pack.taxa["appendix"])
        self._listings: list[str] = list(pack.taxa["listing"])
        self._index = {n: i for i, n in enumerate(self._names)}
        self._extra: dict[int, dict[str, str]] = {}
        for t in lexicon.extra_taxa:
            if t["name"] not in self._index:
                self._index[t["name"]] = len(self._names)
                self._extra[len(self._names)] = t
                self._names.append(t["name"])
                self._ranks.append(t["rank"].upper())
                self._apps.append(t.get("appendix", "") or highest_appendix(t["listing"]))
                self._listings.append(t.get("listing", ""))
        self._appendix_table: AppendixTable | None = None
        self._specificity = [RANK_ORDER.get(r, 5) for r in self._ranks]
        self.user_terms = tuple(user_terms)
        # Values are ints (no Python object per key): faster to build, smaller in memory.
        self._auto = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        self._auto_other = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        self._entries: list[list[_Entry | int]] = []
        self._weak = load_weak_names()
        self._lengths: list[int] = []
        self.counts = self._compile()
        digest = hashlib.sha256()
        for name in ("groups.toml", "trade_names.toml", "cues.toml", "lookalikes.toml",
                     "codewords.csv", "stopwords.txt", "weaknames.txt"):
            digest.update((DATA_DIR / name).read_bytes())
        for term in self.user_terms:
            digest.update(f"{term.text}\t{term.taxon}\t{term.rule}".encode())
        self.version = (f"{pack.version}+lex.{digest.hexdigest()[:10]}"
                        f"+matcher.{MATCHER_VERSION}")

    # ------------------------------------------------------------------ building
    def _compile(self) -> dict[str, int]:
        # Pack rows go in as plain ints (row numbers) and become entries on first hit:
        # loading stays well under a second with ~100,000 names.
        keyed: dict[str, list[_Entry | int]] = {}
        names = self.pack.names
        keys = names["key"]
        if self.pack.normaliser != NORMALISER_VERSION:
            keys = [pad_key(fold_key(t)) for t in names["text"]]
        self._keys = keys
        for row, padded in enumerate(keys):
            bucket = keyed.get(padded)
            if bucket is None:
                keyed[padded] = [row]
            else:
                bucket.append(row)
        stop = load_stopwords()
        n_lex = skipped = 0
        n_package = len(self.lexicon.terms)
        for pos, term in enumerate((*self.lexicon.terms, *self.user_terms)):
            key = fold_key(term.text)
            if len(key) < 2 and not (key and unicodedata.category(key) == "So"):
                continue  # a single ideograph or letter is part of too many words (not emoji)
            taxon = -1
            if term.kind in _TAXON_KINDS:
                if term.taxon not in self._index:
                    if pos >= n_package:
                        raise _unknown_taxon(term)
                    skipped += 1  # a pack built from another checklist may lack the taxon
                    continue
                taxon = self._index[term.taxon]
                bucket = keyed.get(pad_key(key))
                # A hand-written meaning replaces a compiled one, unless the compiled
                # taxon lies inside it ("tiger" stays Panthera tigris beside Felidae).
                if bucket is not None:
                    bucket[:] = [r for r in bucket if not isinstance(r, int)
                                 or self._within(names["taxon"][r], taxon)]
            short = " " not in key and key.isascii() and len(key) <= 4
            ambiguous = term.ambiguous or (term.kind in _TAXON_KINDS and key in stop) or (
                term.kind == "name" and short)
            entry = self._add(keyed, key, term.kind, taxon, term.rule, ambiguous, term.form)
            if term.kind == "cue":
                _note_word(entry, term.text, term.lang)
            if term.kind in ("product", "code_word") and " " in key and key.isascii() \
                    and len(key) >= 9:
                # Hashtag form: "#ivorycarving", "#rhinohorn".
                self._add(keyed, key.replace(" ", ""), term.kind, taxon, term.rule,
                          ambiguous, term.form)
            n_lex += 1
        entries = self._entries
        lengths = self._lengths
        for padded, bucket in keyed.items():
            if not bucket:
                continue
            # Space-padded (Latin-script) keys and the rest go into separate automatons:
            # a root with hundreds of CJK/Thai children slows every step of a Latin text.
            auto = self._auto if padded[0] == " " else self._auto_other
            auto.add_word(padded, len(entries))
            entries.append(bucket)
            lengths.append(len(padded))
        self._auto.make_automaton()
        if len(self._auto_other):
            self._auto_other.make_automaton()
        return {"keys": len(entries), "pack_names": self.pack.n_names, "lexicon_terms": n_lex,
                "lexicon_skipped": skipped}

    def _pack_entry(self, row: int, padded_len: int) -> _Entry:
        names = self.pack.names
        key = self._keys[row]
        lp = 1 if key.startswith(" ") else 0
        rp = 1 if key.endswith(" ") else 0
        core = key.strip()
        kana = is_kana(core[0]) or is_kana(core[-1])
        amb = bool(names["ambiguous"][row])
        # 2 marks a name that is an everyday word of another language (builder.WEAK).
        return _Entry("name", names["taxon"][row], names["rule"][row], amb, "", lp, rp, kana,
                      amb and _is_thai(core[0]) and len(core) <= 4, _is_thai(core[-1]),
                      weak=core in self._weak or names["ambiguous"][row] == 2)

    def _related(self, a: int, b: int) -> bool:
        """One taxon contains the other ("ball python" and "python leather" agree)."""
        return self._within(a, b) or self._within(b, a)

    def _within(self, inner: int, outer: int) -> bool:
        """Whether taxon ``inner`` is ``outer`` or one of its members."""
        if inner == outer:
            return True
        if inner in self._extra or inner >= len(self.pack.taxa["name"]):
            return False
        name = self._names[outer]
        tx = self.pack.taxa
        return name in (tx["genus"][inner], tx["family"][inner], tx["order"][inner],
                        tx["klass"][inner])

    def _add(self, keyed: dict[str, list[_Entry | int]], key: str, kind: str, taxon: int,
             rule: str, ambiguous: bool, form: str) -> _Entry:
        padded = pad_key(key)
        lp = 1 if padded[0] == " " else 0
        rp = 1 if padded[-1] == " " else 0
        kana = is_kana(key[0]) or is_kana(key[-1])
        thai_iso = ambiguous and _is_thai(key[0]) and len(key) <= 4
        entry = _Entry(kind, taxon, rule, ambiguous, form, lp, rp, kana, thai_iso,
                       _is_thai(key[-1]), weak=kind == "name" and key in self._weak)
        bucket = keyed.setdefault(padded, [])
        same = [e for e in bucket if isinstance(e, _Entry) and e.kind == kind
                and e.taxon == taxon and e.rule == rule]
        if not same:
            bucket.append(entry)
            return entry
        if not ambiguous:
            # A later unconditional term (a user's match=yes) lifts a context-only one.
            for e in same:
                e.ambiguous = False
        return same[0]

    def keys(self) -> list[str]:
        """Every automaton key (folded, space-padded where Latin script)."""
        return [*self._auto.keys(), *(self._auto_other.keys() if len(self._auto_other) else ())]

    # ------------------------------------------------------------------ lookup
    def taxon(self, name: str) -> Taxon | None:
        """The :class:`Taxon` record of a scientific name in the pack, or None."""
        i = self._index.get(name)
        if i is None:
            return None
        if i in self._extra:
            t = self._extra[i]
            return Taxon(i, t["name"], t["rank"].upper(), self._apps[i],
                         t.get("listing", "") or t.get("note", ""))
        tx = self.pack.taxa
        return Taxon(i, tx["name"][i], tx["rank"][i], tx["appendix"][i], tx["listing"][i],
                     tx["kingdom"][i], tx["klass"][i], tx["order"][i], tx["family"][i],
                     tx["genus"][i])

    def _appendix(self, i: int) -> AppendixInfo:
        table = self._appendix_table
        if table is None:  # built on first use: loading stays fast for cue-only callers
            table = self._appendix_table = AppendixTable(
                self.pack, self._names, self._ranks, self._apps, self._listings)
        return table.info(i)

    def appendix_info(self, name: str) -> AppendixInfo | None:
        """What a mention of taxon ``name`` supports: the appendix most of its members
        are in, what is known beyond it ("II, some species I") and whether the species
        decides (see :mod:`wildtrace.identify.appendix`); None for an unknown name."""
        i = self._index.get(name)
        return None if i is None else self._appendix(i)

    def taxon_note(self, name: str) -> str:
        """The hand-written note of an extra taxon (e.g. what a partial listing covers)."""
        i = self._index.get(name)
        return self._extra[i].get("note", "") if i is not None and i in self._extra else ""

    # ------------------------------------------------------------------ matching
    def _hits(self, padded: str, folded: str) -> Iterable[tuple[int, int, _Entry]]:
        """(start, end, entry) in folded-text coordinates for every raw hit."""
        n = len(folded)
        lengths = self._lengths
        found: list[tuple[int, int]] = list(self._auto.iter(padded))
        if not padded.isascii() and len(self._auto_other):
            # Only the stretches that start with a non-ASCII character can hold a key of
            # the other automaton; scanning just those keeps mixed texts fast.
            other = self._auto_other
            for m in _NON_ASCII_RUN.finditer(padded):
                a = m.start()
                found.extend((end + a, idx) for end, idx in other.iter(padded[a:m.end() + 1]))
        for end, idx in found:
            start = end - lengths[idx] + 1
            bucket = self._entries[idx]
            for i, e in enumerate(bucket):
                if isinstance(e, int):
                    e = bucket[i] = self._pack_entry(e, lengths[idx])
                s, t = start + e.lp - 1, end + 1 - e.rp - 1
                if e.checks:
                    if e.kana and ((s > 0 and is_kana(folded[s - 1]))
                                   or (t < n and is_kana(folded[t]))):
                        continue
                    if e.thai_end and t < n and _is_thai(folded[t]) and \
                            unicodedata.category(folded[t]) == "Mn":
                        continue  # the Thai word goes on with a vowel or tone mark
                    if e.thai_isolated and ((s > 0 and _is_thai(folded[s - 1]))
                                            or (t < n and _is_thai(folded[t]))):
                        continue
                yield s, t, e

    def identify(self, text: str) -> Identification:
        """Everything the pack recognises in ``text`` (see :class:`Identification`)."""
        if len(text) > self.max_chars:
            text = text[: self.max_chars]
        f = fold(text)
        folded = f.text
        taxon_hits: list[tuple[int, int, _Entry]] = []
        cues_raw: list[tuple[int, int, _Entry]] = []
        masks: list[tuple[int, int]] = []
        for hit in self._hits(" " + folded + " ", folded):
            kind = hit[2].kind
            if kind == "cue":
                cues_raw.append(hit)
            elif kind == "mask":
                masks.append((hit[0], hit[1]))
            else:
                taxon_hits.append(hit)
        for squeezed, positions in spaced_runs(folded):
            for s, t, e in self._hits(" " + squeezed + " ", squeezed):
                if e.kind in _TAXON_KINDS:
                    taxon_hits.append((positions[s], positions[t - 1] + 1, e))
        if masks:
            # A mask hides names and cues inside it ("live view" is no live animal).
            inside = _Cover(masks)
            taxon_hits = [h for h in taxon_hits if not inside.covers(h[0], h[1])]
            cues_raw = [h for h in cues_raw if not inside.covers(h[0], h[1])]
        if cues_raw:
            cues_raw = _cues_by_language(text, f, cues_raw)
        if taxon_hits and ("@" in text or "_" in text):
            taxon_hits = _outside_handles(text, f.offsets, taxon_hits)
        if not taxon_hits and not cues_raw:
            return self._result(text, f, [], [])
        # Drop hits strictly inside a longer hit ("ivory" inside "mammoth ivory").
        # One sweep: sorted by start, longest first, a hit is inside an earlier one when
        # that one reaches further (or as far, from further left).
        taxon_hits.sort(key=lambda h: (h[0], h[0] - h[1]))
        kept: list[tuple[int, int, _Entry]] = []
        best_start, best_end = -1, -1
        for h in taxon_hits:
            if best_end > h[1] or (best_end == h[1] and best_start < h[0]):
                continue
            kept.append(h)
            if h[1] > best_end:
                best_start, best_end = h[0], h[1]
        # Partial overlaps ("walrus ivory" / "ivory carving"): the leftmost hit wins, as a
        # qualifier comes first in most of these languages; related taxa both stay, and
        # hits on the very same span all stay (one name, several taxa).
        resolved: list[tuple[int, int, _Entry]] = []
        for h in kept:
            if resolved and h[0] < resolved[-1][1] and (h[0], h[1]) != resolved[-1][:2] \
                    and not self._related(h[2].taxon, resolved[-1][2].taxon):
                continue
            resolved.append(h)
        kept = resolved
        if any(e.ambiguous for _, _, e in kept):
            # An ambiguous name counts only with wildlife context close to it.
            anchors = [(s, t) for s, t, e in kept if not e.ambiguous]
            anchors += [(s, t) for s, t, e in cues_raw if e.rule in CONTEXT_CUES]
            near = _Cover(anchors)
            # A context-only code word ("white gold") needs context words (wildlife ones or
            # its own): a taxon name beside it is not enough (Cartier's "Panthère" rings).
            code_near = _Cover([(s, t) for s, t, e in cues_raw
                                if e.rule in CONTEXT_CUES or e.rule == "code_context"])
            kept = [h for h in kept if not h[2].ambiguous
                    or (code_near if h[2].kind == "code_word" else near).reaches(
                        h[1] + CONTEXT_WINDOW, h[0] - CONTEXT_WINDOW)]
        if any(e.weak for _, _, e in kept):
            # A weak name ("ship", "once") needs a clearer name of a related taxon.
            strong = {e.taxon for _, _, e in kept if not e.weak}
            kept = [h for h in kept if not h[2].weak
                    or any(self._related(h[2].taxon, t) for t in strong)]
        return self._result(text, f, kept, cues_raw)

    def _result(self, text: str, f: object, kept: list[tuple[int, int, _Entry]],
                cues_raw: list[tuple[int, int, _Entry]]) -> Identification:
        span = f.span  # type: ignore[attr-defined]
        matches: list[TaxonMatch] = []
        seen: set[tuple[int, int, int]] = set()
        cues: list[Cue] = []
        cue_seen: set[tuple[str, int]] = set()
        for s, t, e in kept:
            if (s, t, e.taxon) in seen:
                continue
            seen.add((s, t, e.taxon))
            a, b = span(s, t)
            matches.append(TaxonMatch(self._names[e.taxon], self._ranks[e.taxon],
                                      self._appendix(e.taxon).base, a, b, text[a:b], e.rule,
                                      e.kind))
            if e.form and (f"product_form:{e.form}", a) not in cue_seen:
                cue_seen.add((f"product_form:{e.form}", a))
                cues.append(Cue(f"product_form:{e.form}", a, b, text[a:b], e.rule))
        if cues_raw:
            cues_raw = self._resolve_helpers(f, text, kept, cues_raw, cues, cue_seen)
        if len(cues_raw) > 1:
            # "for sale" and the "sale" inside it are one cue: longest first, then skip
            # a cue of the same kind lying inside one already taken.
            cues_raw.sort(key=lambda h: (h[0], h[0] - h[1]))
        reach: dict[str, int] = {}  # per kind, the furthest end taken so far
        for s, t, e in cues_raw:
            if reach.get(e.rule, -1) >= t:
                continue
            reach[e.rule] = t
            a, b = span(s, t)
            if (e.rule, a) in cue_seen:
                continue
            cue_seen.add((e.rule, a))
            cues.append(Cue(e.rule, a, b, text[a:b], "lexicon"))
        for kind, a, b in numeric_cues(text):
            cues.append(Cue(kind, a, b, text[a:b], "pattern"))
        matches.sort(key=lambda m: m.start)
        cues.sort(key=lambda c: c.start)
        first: dict[int, int] = {}
        for s, _, e in kept:
            first.setdefault(e.taxon, s)
        order = sorted(first, key=lambda i: (self._specificity[i], first[i]))
        taxa = tuple(self._names[i] for i in order)
        # The appendix comes from the most specific taxa found: a "ball python" found
        # beside Pythonidae is Appendix II, not the family's highest (I).
        leaves = order if len(order) > 64 else [  # (a cap: quadratic in distinct taxa)
            i for i in order if not any(j != i and self._within(j, i) for j in order)]
        # A genus, family or order (or a species listed by subspecies) supports the
        # appendix most of its members are in, never the highest any member is in.
        infos = {i: self._appendix(i) for i in leaves}
        apps = {info.base for info in infos.values()}
        cites = next((a for a in ("I", "II", "III") if a in apps), "")
        flags = {c.kind for c in cues if c.kind in FLAG_CUES}
        kinds: dict[int, set[str]] = {}
        for _, _, e in kept:
            kinds.setdefault(e.taxon, set()).add(e.kind)
        if any(info.uncertain and (info.base != "I" or kinds.get(i) == {"name"})
               for i, info in infos.items()):
            # Which member it is decides the verdict: a product term of a group whose
            # members are all but a few in Appendix I ("ivory", "rhino horn") does not.
            flags.add("check_species")
        if any(m.kind == "code_word" for m in matches):
            flags.add("code_word")
        return Identification(tuple(matches), tuple(cues), taxa, cites, tuple(sorted(flags)),
                              self.version)

    def _resolve_helpers(self, f: object, text: str, kept: list[tuple[int, int, _Entry]],
                         cues_raw: list[tuple[int, int, _Entry]], cues: list[Cue],
                         cue_seen: set[tuple[str, int]]) -> list[tuple[int, int, _Entry]]:
        """Apply and drop the helper cues; drop replica words inside a negation."""
        helpers = [h for h in cues_raw if h[2].rule in HELPER_CUES]
        negations = [(s, t) for s, t, e in cues_raw if e.rule == "authenticity"]
        if not helpers and not negations:
            return cues_raw
        out = [h for h in cues_raw if h[2].rule not in HELPER_CUES]
        if negations:
            # "not resin" claims the opposite of "resin": no replica cue from inside it.
            inside = _Cover(negations)
            out = [h for h in out if h[2].rule != "replica" or not inside.covers(h[0], h[1])]
        colour = [(s, t) for s, t, e in helpers if e.rule == "colour_word"]
        if colour:
            span = f.span  # type: ignore[attr-defined]
            near = _Cover(colour)
            for s, t, e in kept:
                if e.rule != "product:ivory":
                    continue
                a, b = span(s, t)
                if text[a:b].lower() not in _BARE_COLOUR_NAMES:
                    continue
                if near.reaches(t + COLOUR_WINDOW, s - COLOUR_WINDOW) and \
                        ("colour", a) not in cue_seen:
                    cue_seen.add(("colour", a))
                    cues.append(Cue("colour", a, b, text[a:b], "colour_context"))
        return out

    def identify_many(self, texts: Iterable[str]) -> list[Identification]:
        """:meth:`identify` for each text, in order."""
        return [self.identify(t) for t in texts]


_ACCENTED = re.compile("[\u00c0-\u024f\u1e00-\u1eff]")


def _letters(text: str) -> str:
    """The letters of a word as written: lower case, NFC, nothing else."""
    return "".join(ch for ch in unicodedata.normalize("NFC", text.lower()) if ch.isalpha())


def _note_word(entry: _Entry, word: str, lang: str) -> None:
    """Remember how a cue was written and for which language (several words of several
    languages can fold to one key: "bán" and "ban")."""
    letters = _letters(word)
    if letters not in entry.words:
        entry.words = (*entry.words, letters)
    if lang and lang not in entry.langs:
        entry.langs = (*entry.langs, lang)


def _cues_by_language(text: str, f: object, hits: list[tuple[int, int, _Entry]]
                      ) -> list[tuple[int, int, _Entry]]:
    """Undo what accent folding merged across languages.

    Folding makes a seller's "ban vay te te" (no tone marks) find the Vietnamese cue
    "bán", but it also makes the written "Bán" (sell) find the English "ban" (a news
    word). Two rules: (1) where the text carries accents on the hit, it must be one of
    the cue's own spellings ("Bán" is not "ban", nor "bàn", table); (2) where cues of
    different kinds and languages still overlap (an unaccented "ban"), the language of
    the text decides between them. Rule 2 needs the detector, which runs only then.
    """
    span = f.span  # type: ignore[attr-defined]
    kept: list[tuple[int, int, _Entry]] = []
    for s, t, e in hits:
        if e.words:
            a, b = span(s, t)
            written = text[a:b]
            if _ACCENTED.search(written) and _letters(written) not in e.words:
                continue
        kept.append((s, t, e))
    if len(kept) < 2 or len(kept) > 5000:
        return kept
    kept.sort(key=lambda h: (h[0], -h[1]))
    clashes: list[tuple[int, int]] = []
    for i, (_, t, e) in enumerate(kept):
        for j in range(i + 1, len(kept)):
            s2, _, e2 = kept[j]
            if s2 >= t:
                break
            if e.rule != e2.rule and e.langs and e2.langs and \
                    not set(e.langs) & set(e2.langs):
                clashes.append((i, j))
    if not clashes:
        return kept
    from wildtrace.extract.language import detect_language

    lang = detect_language(text)
    drop: set[int] = set()
    for i, j in clashes:
        in_i, in_j = lang in kept[i][2].langs, lang in kept[j][2].langs
        if in_i != in_j:
            drop.add(j if in_i else i)
    return [h for k, h in enumerate(kept) if k not in drop]


def _unknown_taxon(term: LexTerm) -> Exception:
    msg = f"taxon {term.taxon!r} is not in the reference pack"
    if ":" in term.origin and term.origin.rsplit(":", 1)[1].isdigit():
        file, row = term.origin.rsplit(":", 1)
        if "identify/data" in file:
            return ReferencePackError(f"{term.origin}: {msg}")
        return InputError(msg, file=file, row=int(row),
                          hint="use a scientific name from 'wildtrace reference info'")
    return ReferencePackError(f"{term.origin}: {msg}")
