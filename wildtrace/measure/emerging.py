"""Emerging terms: candidate code words and product terms that traders have started to use.

Traders change their words when platforms learn the old ones ("white gold" for ivory,
"scales" for pangolin). The words they switch to appear first in the listings analysts
confirm and the listings the model rates risky, before anyone has put them in a lexicon.
:func:`suggest` ranks every term of those *foreground* listings by three signals:

* **over-representation** against all other listings: the log-odds ratio with an
  informative Dirichlet prior (Monroe, Colaresi and Quinn 2008, "Fightin' Words"), as a
  z-score, so a term seen in 4 of 40 foreground listings and never elsewhere outranks
  one seen in 400 of 4,000 foreground listings and 300 of 3,000 others. Counts are of
  listings, not occurrences: one seller repeating a word fifty times counts once;
* **novelty**: the same log-odds z, now between the foreground listings of the latest
  window and the foreground listings before it. Words the trade has long used but no
  lexicon holds (a breed name in bird adverts) are over-represented against ordinary
  listings but not against the trade's own past, so they sink, and a word that has just
  appeared rises. The ranking is novelty first,
  plus a share (``established_weight``) of over-representation; when there is no
  history before the window, over-representation alone ranks;
* **burst**: the term's foreground count in the latest window against its own earlier
  rate (Poisson z), reported with the expected count;
* **co-occurrence** with what is already known: the share of its listings in which the
  identify stage found a taxon or a known code word. A new word that keeps company with
  "ivory" and "bangle" is more likely a cover word than one that does not.

Tokens are made for every script: words (and two-word phrases) where words are spaced
(Latin including Vietnamese syllables, Cyrillic, Arabic, Devanagari...), character 2- and
3-grams in Chinese and Japanese and 2- to 4-grams in Thai, Lao, Khmer and Burmese, which
are written without spaces. No segmenter or model is needed, so it runs offline on any
language. Terms the caller already knows (the lexicon) and terms decided before (accepted
or rejected) are left out; a shorter term mostly seen inside a longer candidate gives way
to it ("gold" to "white gold").
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_TEXT = 5000  # characters of one listing read: code words sit in titles and openings
MAX_TERMS_PER_DOC = 400

_SCRIPT_RUN = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+"  # CJK, kana
    r"|[\u0e00-\u0e7f\u0e80-\u0eff\u1780-\u17ff\u1000-\u109f]+"  # Thai, Lao, Khmer, Burmese
    r"|\w*[^\W\d_](?:[\w\u0300-\u036f\u0900-\u0dff'’-]*\w)?",  # a spaced word
    re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SEA = re.compile(r"[\u0e00-\u0e7f\u0e80-\u0eff\u1780-\u17ff\u1000-\u109f]")
# Short function words of the languages of the trade: never a code word on their own
# (a phrase containing one still can be: "white gold").
STOPWORDS = frozenset("""
a an and are as at be by for from has have in is it of on or our the this that to was
were will with you your we i me my not no yes all any can new very more sale buy sell
price free shipping ship per pcs pc item items set cm mm kg g inch size good nice best
de la le les des et en du un une el los las y con por para del der die das und mit
für ein eine di il e che per con và của có cho là các những một được với không này
yang dan di ke dari untuk ini itu ada dengan
""".split())


@dataclass(frozen=True, slots=True)
class Doc:
    """One listing as the term finder sees it."""

    id: int
    terms: frozenset[str]
    when: datetime | None
    foreground: bool  # confirmed by an analyst or rated high-risk
    seller: str = ""
    known: bool = False  # the identify stage found a taxon or a known code word
    language: str = ""
    taxa: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Candidate:
    """A proposed term with its evidence."""

    term: str
    score: float
    log_odds_z: float
    novelty_z: float  # latest window's foreground against everything before it
    burst_z: float
    cooccurrence: float  # share of its foreground listings with a known taxon or word
    foreground: int  # foreground listings containing it
    background: int  # other listings containing it
    sellers: int  # distinct sellers among its foreground listings
    first_seen: datetime | None
    recent: int  # foreground listings in the latest window
    expected: float  # what its earlier rate predicted for that window
    evidence: tuple[int, ...]  # foreground listing ids, newest first (up to 10)
    languages: tuple[str, ...] = ()
    taxa: tuple[str, ...] = ()  # taxa seen with it, most frequent first (up to 3)


@dataclass(frozen=True)
class Settings:
    """The knobs of :func:`suggest` (tuned on the tuning half of bench_emerging only)."""

    prior: float = 10.0  # a0: total weight of the background prior
    min_foreground: int = 2  # listings a term must be in
    min_sellers: int = 2  # distinct sellers (unknown sellers count one each)
    window_days: int = 30
    burst_weight: float = 0.0
    established_weight: float = 0.1  # share of the over-representation z in the score
    cooccurrence_weight: float = 1.0
    subsume: float = 0.8  # a shorter term inside a longer one with >= this share drops
    max_background_share: float = 0.05  # a term in more of the rest is ordinary


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _clusters(run: str) -> list[str]:
    """A run split into base characters with their vowel signs and tone marks, so that a
    Thai n-gram never starts or ends inside a syllable's marks."""
    units: list[str] = []
    for ch in run:
        if units and unicodedata.category(ch).startswith("M"):
            units[-1] += ch
        else:
            units.append(ch)
    return units


def tokens(text: str) -> frozenset[str]:
    """Every term of ``text``: words and word pairs in spaced scripts, character n-grams
    in unspaced ones (see the module docs)."""
    out: set[str] = set()
    words: list[str] = []
    for m in _SCRIPT_RUN.finditer(_fold(text[:MAX_TEXT])):
        run = m.group(0)
        if _CJK.match(run) or _SEA.match(run):
            sizes = (2, 3) if _CJK.match(run) else (2, 3, 4)
            units = _clusters(run)
            for n in sizes:
                out.update("".join(units[i:i + n]) for i in range(len(units) - n + 1))
            words.append("")  # a phrase never spans scripts
            continue
        word = run.strip("'’-")
        if len(word) < 2 or word.isdigit():
            words.append("")
            continue
        words.append(word)
        if word not in STOPWORDS and len(word) >= 3:
            out.add(word)
    for a, b in zip(words, words[1:], strict=False):
        if a and b and not (a in STOPWORDS and b in STOPWORDS):
            out.add(f"{a} {b}")
        if len(out) >= MAX_TERMS_PER_DOC:
            break
    return frozenset(sorted(out)[:MAX_TERMS_PER_DOC])


def log_odds_z(y_f: int, n_f: int, y_r: int, n_r: int, p_w: float, a0: float) -> float:
    """The z-score of the log-odds ratio of a term between the foreground (``y_f`` of
    ``n_f`` listings) and the rest (``y_r`` of ``n_r``), with an informative Dirichlet
    prior of total weight ``a0`` centred on the term's overall share ``p_w``."""
    a_w = a0 * p_w
    f1, f0 = y_f + a_w, n_f + a0 - y_f - a_w
    r1, r0 = y_r + a_w, n_r + a0 - y_r - a_w
    if min(f1, f0, r1, r0) <= 0:
        return 0.0
    delta = math.log(f1 / f0) - math.log(r1 / r0)
    var = 1 / f1 + 1 / f0 + 1 / r1 + 1 / r0
    return delta / math.sqrt(var)


def burst(times: Sequence[datetime], start: datetime | None, now: datetime,
          window: timedelta) -> tuple[int, float, float]:
    """(seen in the latest window, expected from the earlier rate, Poisson z)."""
    recent = sum(1 for t in times if now - window < t <= now)
    earlier = [t for t in times if t <= now - window]
    if start is None or not times:
        return recent, 0.0, 0.0
    span = max((now - window - start) / window, 1.0)
    expected = len(earlier) / span
    z = (recent - expected) / math.sqrt(expected + 1.0)
    return recent, expected, z


def suggest(docs: Sequence[Doc], *, now: datetime | None = None,
            known: Callable[[str], bool] | None = None, skip: Iterable[str] = (),
            settings: Settings | None = None, limit: int = 50) -> list[Candidate]:
    """Candidate terms of the foreground ``docs``, best first (see the module docs).

    ``known(term)`` says a term is in the lexicon already; ``skip`` names terms decided
    before. Only documents up to ``now`` are read (the newest document's time when not
    given), so a run over history sees what an analyst would have seen then.
    """
    s = settings or Settings()
    times = [d.when for d in docs if d.when is not None]
    now = now or (max(times) if times else datetime.min)
    docs = [d for d in docs if d.when is None or d.when <= now]
    fg = [d for d in docs if d.foreground]
    n_f, n_r = len(fg), len(docs) - len(fg)
    if n_f == 0:
        return []
    df_f: Counter[str] = Counter()
    df_r: Counter[str] = Counter()
    for d in docs:
        (df_f if d.foreground else df_r).update(d.terms)
    skipped = {_fold(x) for x in skip}
    start = min((d.when for d in docs if d.when is not None), default=None)
    window = timedelta(days=s.window_days)
    cut = now - window
    recent_fg = [d for d in fg if d.when is not None and d.when > cut]
    earlier = [d for d in fg if d.when is not None and d.when <= cut]
    df_new: Counter[str] = Counter()
    for d in recent_fg:
        df_new.update(d.terms)
    df_old: Counter[str] = Counter()
    for d in earlier:
        df_old.update(d.terms)
    has_history = bool(recent_fg) and bool(earlier)
    by_term: dict[str, list[Doc]] = defaultdict(list)
    for d in fg:
        for term in d.terms:
            if df_f[term] >= s.min_foreground:
                by_term[term].append(d)
    n_all = n_f + n_r
    scored: list[Candidate] = []
    for term, holders in by_term.items():
        if term in skipped or (known is not None and known(term)):
            continue
        y_f, y_r = df_f[term], df_r[term]
        if n_r and y_r / n_r > s.max_background_share:
            continue
        sellers = {d.seller or f"#{d.id}" for d in holders}
        if len(sellers) < s.min_sellers:
            continue
        p_w = (y_f + y_r + 0.5) / (n_all + 1)
        z = log_odds_z(y_f, n_f, y_r, n_r, p_w, s.prior)
        if z <= 0:
            continue
        nz = (log_odds_z(df_new[term], len(recent_fg), df_old[term], len(earlier), p_w,
                         s.prior) if has_history else z)
        when = sorted(d.when for d in holders if d.when is not None)
        recent, expected, bz = burst(when, start, now, window)
        co = sum(1 for d in holders if d.known) / len(holders)
        lead = max(nz, 0.0) if has_history else z
        score = (lead + s.established_weight * z * has_history) \
            * (1 + s.cooccurrence_weight * co) / (1 + s.cooccurrence_weight) \
            + s.burst_weight * max(0.0, bz)
        score *= _cohesion(term, y_f, df_f)
        newest = sorted(holders, key=lambda d: (d.when or datetime.min, d.id), reverse=True)
        taxa = Counter(t for d in holders for t in d.taxa)
        scored.append(Candidate(
            term=term, score=round(score, 4), log_odds_z=round(z, 4),
            novelty_z=round(nz, 4), burst_z=round(bz, 4), cooccurrence=round(co, 4), foreground=y_f,
            background=y_r, sellers=len(sellers), first_seen=when[0] if when else None,
            recent=recent, expected=round(expected, 3),
            evidence=tuple(d.id for d in newest[:10]),
            languages=tuple(x for x, _ in Counter(d.language for d in holders
                                                  if d.language).most_common(3)),
            taxa=tuple(x for x, _ in taxa.most_common(3))))
    scored.sort(key=lambda c: (-c.score, c.term))
    return _subsume(scored, s.subsume)[:limit]


def _cohesion(term: str, df: int, df_f: Counter[str]) -> float:
    """How much a two-word phrase is a unit: ½ + ½ × (its count / its commoner word's).
    "moon porcelain" (both words only ever together) keeps its score; "carved moon",
    an established word next to a new one, loses up to half of it."""
    if " " not in term:
        return 1.0
    parts = [df_f.get(w, df) or df for w in term.split(" ")]
    return 0.5 + 0.5 * min(1.0, df / max(parts))


def _subsume(ranked: list[Candidate], share: float) -> list[Candidate]:
    """Drop a term that mostly occurs inside a longer candidate ("gold" in "white gold",
    "象牙" in "象牙手")."""
    by_len = sorted(ranked, key=lambda c: -len(c.term))
    kept_long: list[Candidate] = []
    drop: set[str] = set()
    for c in by_len:
        for longer in kept_long:
            if c.term in longer.term and longer.foreground >= share * c.foreground:
                drop.add(c.term)
                break
        else:
            kept_long.append(c)
    return [c for c in ranked if c.term not in drop]


def frequency_baseline(docs: Sequence[Doc], *, now: datetime | None = None,
                       known: Callable[[str], bool] | None = None,
                       min_foreground: int = 3, limit: int = 50) -> list[str]:
    """The simple baseline: the foreground's most frequent unknown terms."""
    times = [d.when for d in docs if d.when is not None]
    now = now or (max(times) if times else datetime.min)
    counts: Counter[str] = Counter()
    for d in docs:
        if d.foreground and (d.when is None or d.when <= now):
            counts.update(d.terms)
    out = [t for t, n in counts.most_common() if n >= min_foreground
           and not (known is not None and known(t))]
    return out[:limit]
