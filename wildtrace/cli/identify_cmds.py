"""Identify commands: ``reference build``, ``reference info``, ``reference match``, ``explain``."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import click

from wildtrace.cli import main
from wildtrace.cli.base import AppContext, echo_json, pass_context
from wildtrace.errors import InputError, ReferencePackError
from wildtrace.records import Identification, Verdict

DEFAULT_SOURCES = Path("..") / "shared" / "datasets" / "reference"


@main.group()
def reference() -> None:
    """The reference pack: build it from sources, inspect it, try it on a text."""


@reference.command("build")
@click.option("--source-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder holding the source datasets (default: ../shared/datasets/"
                   "reference).")
@click.option("--species-plus", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A CITES Species+ checklist export (CSV or CSV.GZ), e.g. a newer one "
                   "downloaded from speciesplus.net.")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write pack.json.gz into (default: the package's own pack).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def reference_build(source_dir: Path | None, species_plus: Path | None, output: Path | None,
                    as_json: bool) -> None:
    """Compile the reference pack (atomically: the old pack stays until the new is whole)."""
    from wildtrace.identify.builder import build_pack, find_sources
    from wildtrace.identify.pack import DATA_DIR

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
    result = {"pack": str(out / "pack.json.gz"), "version": pack.version, "taxa": pack.n_taxa,
              "names": pack.n_names, "sources": pack.sources,
              "seconds": round(time.perf_counter() - started, 2)}
    if as_json:
        echo_json(result)
        return
    click.echo(f"built {result['pack']}: {pack.n_taxa} taxa, {pack.n_names} names "
               f"({pack.version}) in {result['seconds']} s")
    for src in pack.sources:
        click.echo(f"  {src['name']}: {src['rows']} rows from {src['file']} ({src['license']})")


def _info(pack_path: Path | None) -> dict[str, Any]:
    from wildtrace.identify import load_identifier
    from wildtrace.identify.lexicon import load_lexicon
    from wildtrace.identify.pack import load_pack

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
    return {
        "version": ident.version, "pack_built": pack.built_at, "load_seconds": round(load_s, 3),
        "taxa": pack.n_taxa, "taxa_by_appendix": {k or "none": v for k, v in apps.items()},
        "extra_taxa": len(lex.extra_taxa), "pack_names": pack.n_names,
        "pack_names_by_language": dict(langs.most_common()),
        "lexicon_terms_by_language": dict(lex_langs.most_common()),
        "lexicon_terms_by_kind": dict(sorted(kinds.items())),
        "code_words_documented": len(lex.codewords),
        "code_words_matched": sum(1 for t in lex.terms if t.kind == "code_word"),
        "automaton_keys": ident.counts["keys"], "sources": pack.sources,
    }


@reference.command("info")
@click.option("--pack", "pack_path", type=click.Path(path_type=Path), default=None,
              help="A pack file or folder (default: the shipped pack).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def reference_info(pack_path: Path | None, as_json: bool) -> None:
    """Counts: taxa, names per language, code words, and how long the pack takes to load."""
    info = _info(pack_path)
    if as_json:
        echo_json(info)
        return
    click.echo(f"reference pack {info['version']} (built {info['pack_built']})")
    click.echo(f"  taxa: {info['taxa']} (+{info['extra_taxa']} hand-written higher taxa); "
               f"by appendix: {info['taxa_by_appendix']}")
    click.echo(f"  compiled names: {info['pack_names']}; by language/rule: "
               f"{info['pack_names_by_language']}")
    click.echo(f"  hand-written names and product terms by language: "
               f"{info['lexicon_terms_by_language']}")
    click.echo(f"  code words: {info['code_words_matched']} matched "
               f"({info['code_words_documented']} documented)")
    click.echo(f"  automaton keys: {info['automaton_keys']}; load time: "
               f"{info['load_seconds']} s")


def identification_json(ident: Identification) -> dict[str, Any]:
    """An identification as plain JSON."""
    return {"taxa": list(ident.taxa), "cites": ident.cites, "flags": list(ident.flags),
            "pack_version": ident.pack_version,
            "matches": [{"taxon": m.taxon, "rank": m.rank, "appendix": m.appendix,
                         "start": m.start, "end": m.end, "matched": m.matched,
                         "rule": m.rule, "kind": m.kind} for m in ident.matches],
            "cues": [{"kind": c.kind, "start": c.start, "end": c.end, "matched": c.matched,
                      "rule": c.rule} for c in ident.cues]}


def verdict_json(v: Verdict) -> dict[str, Any]:
    """A verdict as plain JSON."""
    return {"verdict": v.verdict, "jurisdiction": v.jurisdiction, "reasons": list(v.reasons),
            "rules_fired": list(v.rules_fired), "claims": list(v.claims)}


def _echo_explained(ident: Identification, v: Verdict) -> None:
    if not ident.matches:
        click.echo("no taxon, product term or code word found")
    for m in ident.matches:
        app = f"Appendix {m.appendix}" if m.appendix else "not listed"
        click.echo(f"  [{m.start}:{m.end}] {m.matched!r} -> {m.taxon} ({m.rank.lower()}, "
                   f"{app}) via {m.rule}")
    if ident.cues:
        click.echo("  cues: " + ", ".join(f"{c.kind} {c.matched!r}" for c in ident.cues))
    click.echo(f"taxa: {'; '.join(ident.taxa) or '-'}   CITES: {ident.cites or '-'}   "
               f"flags: {'; '.join(ident.flags) or '-'}")
    click.echo(f"verdict ({v.jurisdiction}): {v.verdict}")
    for reason, rule in zip(v.reasons, v.rules_fired, strict=True):
        click.echo(f"  - {reason} [{rule}]")
    if v.claims:
        click.echo("  seller claims (not proof): " + "; ".join(v.claims))


@reference.command("match")
@click.argument("text")
@click.option("--jurisdiction", default="", help="CITES, EU, UK, US or CN.")
@click.option("--location", default="", help="Listing location, to infer the jurisdiction.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_context
def reference_match(app: AppContext, text: str, jurisdiction: str, location: str,
                    as_json: bool) -> None:
    """Identify one TEXT and judge it, without storing anything."""
    from wildtrace.assess.legality import verdict
    from wildtrace.identify import identifier_for

    ws = app.ws
    ident = identifier_for(ws)
    found = ident.identify(text)
    v = verdict(found, jurisdiction or ws.settings.jurisdiction, location=location,
                identifier=ident)
    if as_json:
        echo_json({**identification_json(found), "legality": verdict_json(v)})
        return
    _echo_explained(found, v)


@main.command()
@click.argument("listing_id", type=int)
@click.option("--jurisdiction", default="", help="CITES, EU, UK, US or CN (default: the "
              "'jurisdiction' setting, else the listing's location or site country).")
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
@pass_context
def explain(app: AppContext, listing_id: int, jurisdiction: str, as_json: bool) -> None:
    """Show each match in a stored listing and the legality reasons."""
    from wildtrace.assess.legality import verdict
    from wildtrace.identify import identifier_for

    ws = app.ws
    listing = ws.store.listing(listing_id)
    if listing is None:
        raise InputError(f"no listing with id {listing_id}",
                         hint="see 'wildtrace export listings' for the ids")
    ident = identifier_for(ws)
    found = ident.identify(listing.text)
    site_country = str(listing.extra.get("site_country", "") or listing.extra.get("country", ""))
    v = verdict(found, jurisdiction or ws.settings.jurisdiction, location=listing.location,
                site_country=site_country, identifier=ident)
    if as_json:
        echo_json({"id": listing.id, "title": listing.title, "url": listing.url,
                   "location": listing.location, **identification_json(found),
                   "legality": verdict_json(v)})
        return
    click.echo(f"listing {listing.id}: {listing.title[:120]!r}")
    _echo_explained(found, v)
