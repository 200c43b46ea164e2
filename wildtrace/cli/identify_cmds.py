"""Identify commands: ``reference build``, ``reference info``, ``reference match``, ``explain``.

The work is :mod:`wildtrace.app.reference`'s; these commands parse and print.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from wildtrace.cli.base import AppContext, echo_json, pass_context
from wildtrace.records import Identification, Verdict


@click.group()
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
    from wildtrace.app import reference as ref

    built = ref.build(source_dir, species_plus, output)
    if as_json:
        echo_json(built.as_dict())
        return
    click.echo(f"built {built.pack}: {built.taxa} taxa, {built.names} names "
               f"({built.version}) in {built.seconds} s")
    for src in built.sources:
        click.echo(f"  {src['name']}: {src['rows']} rows from {src['file']} ({src['license']})")


@reference.command("info")
@click.option("--pack", "pack_path", type=click.Path(path_type=Path), default=None,
              help="A pack file or folder (default: the shipped pack).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def reference_info(pack_path: Path | None, as_json: bool) -> None:
    """Counts: taxa, names per language, code words, and how long the pack takes to load."""
    from wildtrace.app import reference as ref

    info = ref.info(pack_path)
    if as_json:
        echo_json(info.as_dict())
        return
    click.echo(f"reference pack {info.version} (built {info.pack_built})")
    click.echo(f"  taxa: {info.taxa} (+{info.extra_taxa} hand-written higher taxa); "
               f"by appendix: {info.taxa_by_appendix}")
    click.echo(f"  compiled names: {info.pack_names}; by language/rule: "
               f"{info.pack_names_by_language}")
    click.echo(f"  hand-written names and product terms by language: "
               f"{info.lexicon_terms_by_language}")
    click.echo(f"  code words: {info.code_words_matched} matched "
               f"({info.code_words_documented} documented)")
    click.echo(f"  automaton keys: {info.automaton_keys}; load time: "
               f"{info.load_seconds} s")


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
    from wildtrace.app import reference as ref

    found = ref.match(app.ws, text, jurisdiction, location)
    if as_json:
        echo_json({**identification_json(found.identification),
                   "legality": verdict_json(found.verdict)})
        return
    _echo_explained(found.identification, found.verdict)


@click.command()
@click.argument("listing_id", type=int)
@click.option("--jurisdiction", default="", help="CITES, EU, UK, US or CN (default: the "
              "'jurisdiction' setting, else the listing's location or site country).")
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
@pass_context
def explain(app: AppContext, listing_id: int, jurisdiction: str, as_json: bool) -> None:
    """Show each match in a stored listing and the legality reasons."""
    from wildtrace.app import reference as ref

    found = ref.explain(app.ws, listing_id, jurisdiction)
    listing = found.listing
    if as_json:
        echo_json({"id": listing.id, "title": listing.title, "url": listing.url,
                   "location": listing.location, **identification_json(found.identification),
                   "legality": verdict_json(found.verdict)})
        return
    click.echo(f"listing {listing.id}: {listing.title[:120]!r}")
    _echo_explained(found.identification, found.verdict)


COMMANDS: tuple[click.Command, ...] = (reference, explain)
