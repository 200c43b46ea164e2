"""Anticipate: candidate code words from confirmed and risky listings, the analyst's
accept/reject decisions on them, and what is rising (taxa, product terms, venues).

``suggest_terms`` reads every listing with its newest assessment and label, makes the
foreground (analyst-confirmed, or unlabelled and rated high-risk) and asks
:func:`wildtrace.measure.emerging.suggest` for terms the workspace's identifier does not
know yet. ``accept_term`` appends the term to the workspace lexicon (``lexicon.csv``,
which ``process`` and every identify call read through :func:`identifier_for`, so the
next run matches it), with its provenance in the lexicon's ``source`` column and in the
decision table (who, when, from which listings); ``reject_term`` remembers the
rejection, so the term is not proposed again. Both are audited.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from wildtrace.act.exports.safecsv import SafeWriter
from wildtrace.act.material import platform_of
from wildtrace.errors import InputError
from wildtrace.identify import TaxonIdentifier, identifier_for
from wildtrace.measure.bursts import Event, Rising, day_of, rising
from wildtrace.measure.emerging import Candidate, Doc, Settings, suggest, tokens
from wildtrace.workspace import Workspace

HIGH_RISK = 0.7  # risk at or above which an unlabelled listing is foreground
HIGH_SCORE = 0.9  # relevance at or above which an unlabelled one is, without a risk
LEXICON_COLUMNS = ("term", "taxon", "kind", "lang", "meaning", "match", "source",
                   "source_date")
ACCEPT_KINDS = ("code_word", "product", "name")
MAX_TERM = 80
MAX_DOCS = 200_000  # newest listings read for candidates


def term_key(term: str) -> str:
    """How a term is remembered: case-folded, spaces collapsed."""
    return " ".join(term.casefold().split())[:200]


def _when(row: dict[str, Any]) -> datetime | None:
    day = day_of(row.get("posted"))
    if day is not None:
        return datetime(day.year, day.month, day.day)
    created = row.get("created_at")
    return created.replace(tzinfo=None) if isinstance(created, datetime) else None


def is_foreground(row: dict[str, Any]) -> bool:
    """Confirmed by an analyst, or not rejected and rated high-risk."""
    label = row.get("label")
    if label == 1:
        return True
    if label == 0:
        return False
    risk, score = row.get("risk"), row.get("score")
    return bool((risk is not None and risk >= HIGH_RISK)
                or (risk is None and score is not None and score >= HIGH_SCORE))


def documents(ws: Workspace, limit: int = MAX_DOCS) -> list[Doc]:
    """The newest ``limit`` listings as the term finder reads them (new words are in
    new listings; the cap keeps a million-listing workspace's terms in memory)."""
    out = []
    after = max(0, ws.store.intel.max_listing_id() - limit)
    for row in ws.store.intel.iter_texts(after=after):
        text = f"{row.get('title') or ''}\n{row.get('description') or ''}"
        taxa = tuple(x for x in str(row.get("taxa") or "").split(";") if x)
        flags = str(row.get("flags") or "")
        out.append(Doc(id=int(row["id"]), terms=tokens(text), when=_when(row),
                       foreground=is_foreground(row), seller=str(row.get("seller") or ""),
                       known=bool(taxa) or "code_word" in flags,
                       language=str(row.get("language") or ""), taxa=taxa))
    return out


def known_to(identifier: TaxonIdentifier) -> Any:
    """``known(term)``: the identifier matches the term as a name, product or code word."""
    cache: dict[str, bool] = {}

    def known(term: str) -> bool:
        if term not in cache:
            found = identifier.identify(term)
            cache[term] = any(m.kind in ("name", "product", "code_word")
                              for m in found.matches)
        return cache[term]
    return known


def suggest_terms(ws: Workspace, *, limit: int = 30, now: datetime | None = None,
                  settings: Settings | None = None) -> list[Candidate]:
    """Candidate terms, best first, leaving out known and decided ones."""
    decided = ws.store.intel.term_decisions()
    skip = [d["term"] for d in decided.values()]
    return suggest(documents(ws), now=now, known=known_to(identifier_for(ws)), skip=skip,
                   settings=settings, limit=limit)


@dataclass(frozen=True, slots=True)
class Decision:
    """What an accept or reject did."""

    term: str
    status: str
    taxon: str
    kind: str
    evidence: tuple[int, ...]
    lexicon: str  # the lexicon file written ("" for a reject)


def _clean_term(term: str) -> str:
    t = " ".join(term.split())
    if not t or len(t) > MAX_TERM or any(ch in t for ch in "\r\n\x00"):
        raise InputError(f"not a term: {term[:40]!r}",
                         hint=f"a term is 1-{MAX_TERM} characters on one line")
    return t


def _evidence_of(ws: Workspace, term: str) -> tuple[int, ...]:
    key = term_key(term)
    return tuple(d.id for d in documents(ws) if d.foreground and key in d.terms)[:50]


def accept_term(ws: Workspace, term: str, taxon: str, user: str, *, kind: str = "code_word",
                lang: str = "", evidence: tuple[int, ...] = ()) -> Decision:
    """Add ``term`` to the workspace lexicon as a ``kind`` for ``taxon`` (audited)."""
    term = _clean_term(term)
    if kind not in ACCEPT_KINDS:
        raise InputError(f"unknown kind {kind!r}", hint="use " + ", ".join(ACCEPT_KINDS))
    identifier = identifier_for(ws)
    found = identifier.taxon(taxon.strip())
    if found is None:
        raise InputError(f"unknown taxon {taxon!r}",
                         hint="give a scientific name of the reference pack, e.g. "
                              "Elephantidae or 'Manis javanica'")
    evidence = evidence or _evidence_of(ws, term)
    now = datetime.now(UTC)
    source = (f"wildtrace terms accept by {user} on {now:%Y-%m-%d}, "
              f"from listings {','.join(map(str, evidence[:20])) or '-'}")
    path = ws.root / "lexicon.csv"
    _append_lexicon(path, {"term": term, "taxon": found.name, "kind": kind, "lang": lang,
                           "meaning": "", "match": "yes", "source": source,
                           "source_date": f"{now:%Y-%m-%d}"})
    ws.store.intel.decide_term(term_key(term), term, "accepted", user, taxon=found.name,
                               kind=kind, lang=lang, evidence=evidence,
                               detail={"lexicon": str(path)})
    ws.store.audit.record(user, "accept", "term", term_key(term)[:100],
                          {"taxon": found.name, "kind": kind, "evidence": list(evidence)})
    return Decision(term, "accepted", found.name, kind, evidence, str(path))


def reject_term(ws: Workspace, term: str, user: str, note: str = "") -> Decision:
    """Remember that ``term`` is not a code word, so it is not proposed again (audited)."""
    term = _clean_term(term)
    evidence = _evidence_of(ws, term)
    ws.store.intel.decide_term(term_key(term), term, "rejected", user, evidence=evidence,
                               detail={"note": note[:500]})
    ws.store.audit.record(user, "reject", "term", term_key(term)[:100], {"note": note[:500]})
    return Decision(term, "rejected", "", "", evidence, "")


def _append_lexicon(path: Path, row: dict[str, str]) -> None:
    """One row appended to the workspace lexicon, in its own columns (a lexicon a user
    wrote with fewer columns keeps them; the provenance then goes into what it has)."""
    if path.is_file():
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), [])
        if "term" not in header or "taxon" not in header:
            raise InputError(f"{path}: no term/taxon header; fix the lexicon first")
        existing = path.read_bytes()
        needs_newline = bool(existing) and not existing.endswith(b"\n")
    else:
        header, needs_newline = list(LEXICON_COLUMNS), False
    buf = io.StringIO()
    # The term comes from sellers' text and the file opens in spreadsheets: cells are
    # neutralised like every export's (a term never starts with = + - @ anyway).
    writer = SafeWriter(buf)
    if not path.is_file():
        writer.writerow(header)
    writer.writerow([row.get(c, "") for c in header])
    with path.open("a", encoding="utf-8", newline="") as fh:
        if needs_newline:
            fh.write("\n")
        fh.write(buf.getvalue())


def decisions(ws: Workspace) -> list[dict[str, Any]]:
    """Every accept and reject, oldest first."""
    return list(ws.store.intel.term_decisions().values())


def what_is_rising(ws: Workspace, *, today: date | None = None, period_days: int = 7,
                   baseline: int = 8, limit: int = 30) -> list[Rising]:
    """Taxa, product terms and venues above their own baseline per platform and
    language in the period ending ``today`` (the newest listing's date when not given)."""
    rows = ws.store.intel.mentions_since(None)
    seen: dict[tuple[int, str, str], Event] = {}  # one sighting per listing and series
    for r in rows:
        when = day_of(r.get("posted")) or day_of(r.get("created_at"))
        if when is None:
            continue
        lid = int(r["listing_id"])
        platform = platform_of(str(r.get("url") or ""), str(r.get("source") or ""))
        lang = str(r.get("language") or "")
        taxon = str(r.get("taxon") or "")
        found = [("taxon", taxon), ("venue", platform)]
        if r.get("kind") == "product":
            found.append(("product", " ".join(str(r.get("matched") or "").casefold()
                                              .split())[:80]))
        for kind, key in found:
            if key:
                seen.setdefault((lid, kind, key), Event(kind, key, platform, lang, when))
    unique = list(seen.values())
    if today is None:
        today = max((e.when for e in unique), default=datetime.now(UTC).date())
    return rising(unique, today=today, period_days=period_days, baseline=baseline,
                  limit=limit)


def rising_window(today: date, period_days: int = 7) -> tuple[date, date]:
    """The latest period's first and last day (for screens)."""
    return today - timedelta(days=period_days - 1), today
