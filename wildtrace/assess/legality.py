"""Legality verdicts: a rules table by jurisdiction (``legality_rules.toml``), with reasons.

``verdict(identification, jurisdiction)`` checks every rule of that jurisdiction (and the
rules for all jurisdictions) against what the identify stage found: taxa, the kind of
match that found them (a product term such as "ivory" versus a bare animal name), the
highest CITES appendix, flags and cues. The verdict is the most severe one among the
rules that fired; every fired rule adds its reason. Antique and certificate claims are
reported as claims and lead at most to ``needs_permit``, never to ``likely_legal``.

The jurisdiction is the one the user set, else the one of the listing's location, else
the one of the site's country, else the marketplace's (a table of platform domains), else
the URL's country-code domain, else the currency's (a currency naming one jurisdiction),
else CITES (international trade rules only). :func:`infer_jurisdiction` says which hint
decided, and the verdict carries that reason so that the user can check it: a listing
priced in yen on a .com site is judged under Japanese law *because of the currency*.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from wildtrace.collect.canonical import domain_of
from wildtrace.collect.countries import country_of
from wildtrace.errors import ConfigError, ReferencePackError
from wildtrace.identify import TaxonIdentifier, load_identifier
from wildtrace.records import Identification, Verdict

RULES_FILE = Path(__file__).with_name("legality_rules.toml")
VERDICTS = ("likely_illegal", "check_species", "needs_permit", "likely_legal", "unknown")
_SEVERITY = {"likely_illegal": 4, "check_species": 3, "needs_permit": 2, "likely_legal": 1,
             "unknown": 0}
CHECK_SPECIES_RULE = "any.check_species"  # fired by identify's check_species flag
_CONDITIONS = {"taxon_within", "kinds", "appendix", "any_taxon", "flags_any", "flags_none",
               "cues_any"}
_CLAIM_FLAGS = {"antique_claim": "antique or pre-Convention", "legal_claim": "papers, "
                "certificate or captive breeding"}


@dataclass(frozen=True)
class Rule:
    """One row of the rules table."""

    id: str
    jurisdiction: str
    verdict: str
    reason: str
    when: dict[str, Any]
    note: bool = False
    override: bool = False
    replaces: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleBook:
    """All rules, the jurisdictions' names and the country table."""

    rules: tuple[Rule, ...]
    jurisdictions: dict[str, str]
    countries: dict[str, str]  # ISO 3166 alpha-2 code → jurisdiction
    regions: tuple[tuple[str, str], ...]  # (lower-case name, jurisdiction), longest first
    platforms: tuple[tuple[str, str], ...] = ()  # (domain, jurisdiction), longest first
    currencies: dict[str, str] = field(default_factory=dict)  # ISO 4217 → jurisdiction


@lru_cache(maxsize=4)
def load_rules(path: Path = RULES_FILE) -> RuleBook:
    """Read and check the rules table; a malformed rule raises ReferencePackError."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ReferencePackError(f"{path}: cannot read legality rules: {exc}") from exc
    juris = {str(k): str(v) for k, v in doc.get("jurisdictions", {}).items()}
    rules = []
    for i, raw in enumerate(doc.get("rule", []), start=1):
        where = f"{path}: rule #{i} ({raw.get('id', '?')})"
        unknown = set(raw) - _CONDITIONS - {"id", "jurisdiction", "verdict", "reason", "note",
                                            "override", "replaces"}
        if unknown:
            raise ReferencePackError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        if raw.get("verdict") not in VERDICTS or not raw.get("reason") or not raw.get("id"):
            raise ReferencePackError(f"{where}: needs id, reason and a verdict in "
                                     f"{', '.join(VERDICTS)}")
        if raw.get("jurisdiction") not in (*juris, "*"):
            raise ReferencePackError(f"{where}: unknown jurisdiction {raw.get('jurisdiction')!r}")
        rules.append(Rule(raw["id"], raw["jurisdiction"], raw["verdict"], raw["reason"],
                          {k: raw[k] for k in _CONDITIONS if k in raw},
                          bool(raw.get("note")), bool(raw.get("override")),
                          tuple(raw.get("replaces", ()))))
    countries = {str(code).upper(): str(j) for j, codes in doc.get("countries", {}).items()
                 for code in codes}
    regions = sorted(((str(n).lower(), str(j)) for j, names in doc.get("regions", {}).items()
                      for n in names), key=lambda r: -len(r[0]))
    platforms = sorted(((str(d).lower().strip("."), str(j))
                        for j, domains in doc.get("platforms", {}).items() for d in domains),
                       key=lambda r: -len(r[0]))
    currencies = {str(c).upper(): str(j) for j, codes in doc.get("currencies", {}).items()
                  for c in codes}
    for table, used in (("countries", set(countries.values())),
                        ("regions", {j for _, j in regions}),
                        ("platforms", {j for _, j in platforms}),
                        ("currencies", set(currencies.values()))):
        stray = used - set(juris)
        if stray:
            raise ReferencePackError(f"{path}: [{table}] names unknown jurisdiction(s) "
                                     f"{', '.join(sorted(stray))}")
    return RuleBook(tuple(rules), juris, countries, tuple(regions), tuple(platforms),
                    currencies)


def jurisdiction_for(location: str = "", site_country: str = "", setting: str = "",
                     book: RuleBook | None = None, *, url: str = "",
                     currency: str = "") -> str:
    """The jurisdiction to judge under (see :func:`infer_jurisdiction` for the order)."""
    return infer_jurisdiction(location, site_country, setting, book, url=url,
                              currency=currency)[0]


def infer_jurisdiction(location: str = "", site_country: str = "", setting: str = "",
                       book: RuleBook | None = None, *, url: str = "",
                       currency: str = "") -> tuple[str, str]:
    """``(jurisdiction, why)``: user setting > listing location > site country >
    marketplace domain > URL country code > currency > CITES.

    The location is what the seller wrote and the strongest hint of where the item is;
    a marketplace's domain says whose consumer law its listings sit under; a currency
    is the weakest hint (dollars and euros travel), so it is read last.
    """
    book = book or load_rules()
    if setting:
        code = setting.strip().upper()
        if code not in book.jurisdictions:
            raise ConfigError(f"unknown jurisdiction {setting!r}",
                              hint=f"use one of {', '.join(book.jurisdictions)}")
        return code, "set by the user (setting jurisdiction)"
    found = _country_jurisdiction(location, book)
    if found:
        return found, f"listing location {_quote(location)}"
    found = _country_jurisdiction(site_country, book)
    if found:
        return found, f"site country {_quote(site_country)}"
    try:  # a hostile URL (``http://[x``) names no host rather than stopping the verdict
        host = domain_of(url[:2048]) if url else ""
    except ValueError:
        host = ""
    if host:
        for domain, juris in book.platforms:
            if host == domain or host.endswith("." + domain):
                return juris, f"marketplace {domain}"
        code = country_of(url=url[:2048])
        if code in book.countries:
            return book.countries[code], f"country-code domain of {host}"
    money = (currency or "").strip().upper()[:8]
    if money in book.currencies:
        return book.currencies[money], f"price in {money}"
    return "CITES", "no location, site, domain or currency named a jurisdiction"


def _quote(text: str) -> str:
    """A hint quoted for the reason line: short, one line."""
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= 60 else flat[:57] + "...")


def _country_jurisdiction(text: str, book: RuleBook) -> str:
    if not text or not text.strip():
        return ""
    code = country_of(location=text)
    if code:
        return book.countries.get(code, "")
    low = text[:500].lower()
    for name, juris in book.regions:
        if re.search(rf"(?<![a-z]){re.escape(name)}(?![a-z])", low):
            return juris
    return ""


def _fires(rule: Rule, ident: Identification, within: dict[str, set[str]]) -> bool:
    w = rule.when
    flags = set(ident.flags)
    if "any_taxon" in w and bool(ident.taxa) != bool(w["any_taxon"]):
        return False
    if "appendix" in w and ident.cites not in w["appendix"]:
        return False
    if "flags_any" in w and not flags & set(w["flags_any"]):
        return False
    if "flags_none" in w and flags & set(w["flags_none"]):
        return False
    if "cues_any" in w and not {c.kind for c in ident.cues} & set(w["cues_any"]):
        return False
    if "taxon_within" in w:
        kinds = set(w.get("kinds", ("name", "product", "code_word")))
        targets = set(w["taxon_within"])
        if not any(m.kind in kinds and within.get(m.taxon, set()) & targets
                   for m in ident.matches):
            return False
    return True


def _lineage(ident: Identification, identifier: TaxonIdentifier) -> dict[str, set[str]]:
    """Each found taxon with the names of the taxa that contain it (itself included)."""
    out: dict[str, set[str]] = {}
    for name in {m.taxon for m in ident.matches}:
        t = identifier.taxon(name)
        names = {name}
        if t is not None:
            names |= {t.genus, t.family, t.order, t.klass} - {""}
        out[name] = names
    return out


def verdict(ident: Identification, jurisdiction: str = "", *, location: str = "",
            site_country: str = "", url: str = "", currency: str = "",
            identifier: TaxonIdentifier | None = None,
            book: RuleBook | None = None) -> Verdict:
    """The legality verdict for one identified listing (see the module docs)."""
    book = book or load_rules()
    juris, why = infer_jurisdiction(location, site_country, jurisdiction, book, url=url,
                                    currency=currency)
    identifier = identifier or load_identifier()
    within = _lineage(ident, identifier)
    by_app = {m.taxon: m.appendix for m in ident.matches}
    words = sorted({m.matched for m in ident.matches if m.kind == "code_word"})
    fired_rules = [r for r in book.rules
                   if r.jurisdiction in (juris, "*") and _fires(r, ident, within)]
    silenced = {rid for r in fired_rules for rid in r.replaces}
    best, severity, forced = "unknown", -1, ""
    reasons: list[str] = []
    fired: list[str] = []
    for rule in fired_rules:
        if rule.id in silenced:
            continue
        fired.append(rule.id)
        listed = [t for t in ident.taxa if by_app.get(t) == ident.cites] or list(ident.taxa)
        reasons.append(rule.reason.format(taxon=", ".join(listed[:3]) or "?",
                                          appendix=ident.cites or "-",
                                          taxa=", ".join(ident.taxa[:5]) or "-",
                                          code_words=", ".join(words[:5]) or "-"))
        if rule.override:
            forced = rule.verdict
        elif not rule.note and _SEVERITY[rule.verdict] > severity:
            best, severity = rule.verdict, _SEVERITY[rule.verdict]
    if "check_species" in ident.flags and not forced:
        best = _check_species(ident, identifier, best, fired, book, reasons)
    claims = tuple(label for flag, label in _CLAIM_FLAGS.items() if flag in ident.flags)
    return Verdict(forced or best, juris, tuple(reasons), tuple(fired), claims, why)


def _check_species(ident: Identification, identifier: TaxonIdentifier, best: str,
                   fired: list[str], book: RuleBook, reasons: list[str]) -> str:
    """"check_species" when the verdict rests on an appendix that only the species (or
    subspecies) can settle: a genus, family or order found by name ("lorikeet",
    "bear") or a group whose members differ ("rosewood": II, Dalbergia nigra I). A rule
    about the taxon itself (ivory, rhino horn) still decides."""
    by_id = {r.id: r for r in book.rules}
    if any("taxon_within" in by_id[i].when and not by_id[i].note
           and by_id[i].verdict == best for i in fired if i in by_id):
        return best
    known = []
    for name in ident.taxa[:5]:
        info = identifier.appendix_info(name)
        if info is not None and info.uncertain:
            known.append(f"{name}: {info.summary}")
    reasons.append("Check the species: " + "; ".join(known) + ". The appendix, and so the "
                   "rules that apply, depend on which species (or subspecies) this is.")
    fired.append(CHECK_SPECIES_RULE)  # every reason has its rule id
    return "check_species"


def jurisdictions() -> dict[str, str]:
    """The jurisdictions the rules table knows, with their descriptions."""
    return dict(load_rules().jurisdictions)
