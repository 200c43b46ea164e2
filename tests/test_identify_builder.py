"""Building a reference pack from a tiny fixture: content, atomicity, file:row errors."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from wildtrace.cli import main
from wildtrace.errors import ReferencePackError
from wildtrace.identify import load_identifier
from wildtrace.identify.builder import build_pack, find_sources
from wildtrace.identify.pack import PACK_FILE, load_pack

SP_HEADER = ["TaxonId", "Kingdom", "Phylum", "Class", "Order", "Family", "Genus", "Species",
             "Subspecies", "FullName", "AuthorYear", "RankName", "CurrentListing",
             "SynonymsWithAuthors", "EnglishNames", "SpanishNames", "FrenchNames"]


def _sp_row(name: str, rank: str, listing: str, order: str = "", family: str = "",
            genus: str = "", syn: str = "", en: str = "", es: str = "", fr: str = ""
            ) -> list[str]:
    return ["1", "Animalia", "Chordata", "Aves", order, family, genus, "", "", name, "", rank,
            listing, syn, en, es, fr]


def _write_sources(root: Path, sp_rows: list[list[str]] | None = None) -> dict[str, Path]:
    sp = root / "Index_of_CITES_Species_2024-01-01.csv"
    rows = sp_rows if sp_rows is not None else [
        _sp_row("Psittaciformes", "ORDER", "I/II/NC", "Psittaciformes"),
        _sp_row("Ara macao", "SPECIES", "I", "Psittaciformes", "Psittacidae", "Ara",
                syn="Psittacus macao Linnaeus, 1758", en="Scarlet Macaw", es="Guacamaya roja",
                fr="Ara rouge"),
        _sp_row("Pyrrhura frontalis", "SPECIES", "II", "Psittaciformes", "Psittacidae",
                "Pyrrhura", en="Maroon-bellied Conure"),
        _sp_row("Manis", "GENUS", "I/II", "Pholidota", "Manidae", "Manis"),
    ]
    with sp.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(SP_HEADER)
        w.writerows(rows)
    ws = root / "wiki.csv.gz"
    with gzip.open(ws, "wt", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["class", "genus_file", "scientific_name", "lang", "common_name"])
        w.writerow(["Aves", "Ara", "Ara macao", "de", "Hellroter Ara"])
        w.writerow(["Aves", "Ara", "Ara macao", "zh", "緋紅金剛鸚鵡"])
        # Not in the checklist; its genus is unlisted but its order is listed.
        w.writerow(["Aves", "Pyrrhura", "Pyrrhura cruentata", "en", "Blue-throated Conure"])
        w.writerow(["Mammalia", "Manis", "Manis culionensis", "en", "Philippine Pangolin"])
        w.writerow(["Aves", "Passer", "Passer domesticus", "en", "House Sparrow"])
        w.writerow(["Aves", "Ara", "Ara macao", "xx", "ignored language"])
    return {"species_plus": sp, "wikispecies": ws}


def test_build_pack_from_fixture(tmp_path: Path) -> None:
    pack = build_pack(_write_sources(tmp_path), tmp_path / "out")
    assert pack.version == "speciesplus-2024-01-01"
    assert pack.n_taxa == 4
    loaded = load_pack(tmp_path / "out")
    apps = dict(zip(loaded.taxa["name"], loaded.taxa["appendix"], strict=True))
    assert apps == {"Psittaciformes": "I", "Ara macao": "I", "Pyrrhura frontalis": "II",
                    "Manis": "I"}
    listing = dict(zip(loaded.taxa["name"], loaded.taxa["listing"], strict=True))
    assert listing["Psittaciformes"] == "I/II/NC"  # the listing text is kept as it is

    ident = load_identifier(pack=tmp_path / "out")
    assert ident.identify("Scarlet Macaw chicks").taxa == ("Ara macao",)
    assert ident.identify("Psittacus macao").taxa == ("Ara macao",)  # synonym
    assert ident.identify("Hellroter Ara").taxa == ("Ara macao",)
    assert ident.identify("緋紅金剛鸚鵡").taxa == ("Ara macao",)
    # Higher-taxon listings cover members the checklist does not name.
    assert ident.identify("Blue-throated Conure").taxa == ("Psittaciformes",)
    assert ident.identify("Philippine pangolin").taxa == ("Manis",)
    assert ident.identify("House Sparrow").taxa == ()


def test_newer_export_through_the_cli(tmp_path: Path) -> None:
    sources = _write_sources(tmp_path)
    out = tmp_path / "pack"
    result = CliRunner().invoke(main, ["--workspace", str(tmp_path / "ws"), "reference",
                                       "build", "--species-plus", str(sources["species_plus"]),
                                       "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["taxa"] == 4 and doc["version"] == "speciesplus-2024-01-01"
    assert (out / PACK_FILE).is_file()


@pytest.mark.parametrize(("rows", "row", "reason"), [
    ([_sp_row("Ara macao", "SPECIES", "I"), _sp_row("", "SPECIES", "II")], 3, "bad taxon"),
    ([_sp_row("Ara macao", "SPECIES", "I"), _sp_row("Ara ararauna", "BOGUS", "II")], 3,
     "bad taxon"),
])
def test_bad_source_rows_report_file_and_row(tmp_path: Path, rows: list[list[str]], row: int,
                                             reason: str) -> None:
    sources = _write_sources(tmp_path, rows)
    with pytest.raises(ReferencePackError) as err:
        build_pack(sources, tmp_path / "out")
    assert f"{sources['species_plus']}:{row}" in str(err.value)
    assert reason in str(err.value)


def test_wrong_file_and_binary_file(tmp_path: Path) -> None:
    wrong = tmp_path / "Index_of_CITES_Species_x.csv"
    wrong.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ReferencePackError, match=r":1: missing column"):
        build_pack({"species_plus": wrong}, tmp_path / "out")
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(ReferencePackError, match="binary"):
        build_pack({"species_plus": binary}, tmp_path / "out")
    short = tmp_path / "Index_short.csv"
    short.write_text(",".join(SP_HEADER) + "\n1,Animalia\n", encoding="utf-8")
    with pytest.raises(ReferencePackError, match=r"Index_short.csv:2: wrong number"):
        build_pack({"species_plus": short}, tmp_path / "out")


def test_failed_build_leaves_the_old_pack_in_place(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_pack(_write_sources(tmp_path), out)
    before = (out / PACK_FILE).read_bytes()
    (tmp_path / "bad").mkdir()
    bad = _write_sources(tmp_path / "bad",
                         [_sp_row("Ara macao", "SPECIES", "I"), _sp_row("", "?", "")])
    with pytest.raises(ReferencePackError):
        build_pack(bad, out)
    assert (out / PACK_FILE).read_bytes() == before
    assert [p.name for p in out.iterdir()] == [PACK_FILE]  # no temporary files left


def test_corrupt_pack_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / PACK_FILE).write_bytes(b"not gzip")
    with pytest.raises(ReferencePackError, match="corrupt"):
        load_pack(tmp_path)
    with gzip.open(tmp_path / PACK_FILE, "wt") as fh:
        fh.write('{"format": "something-else"}')
    with pytest.raises(ReferencePackError, match="not a wildtrace-pack/2"):
        load_pack(tmp_path)
    with pytest.raises(ReferencePackError, match="not found"):
        load_pack(tmp_path / "missing" / PACK_FILE)


def test_find_sources_in_the_datasets_layout(tmp_path: Path) -> None:
    (tmp_path / "cites-speciesplus-2017").mkdir()
    (tmp_path / "cites-speciesplus-2017" / "Index_of_CITES_Species_2017-04-21.csv.gz"
     ).write_bytes(b"")
    found = find_sources(tmp_path)
    assert set(found) == {"species_plus"}


def test_workspace_setting_selects_a_built_pack(tmp_path: Path) -> None:
    build_pack(_write_sources(tmp_path), tmp_path / "newpack")
    root = tmp_path / "ws"
    root.mkdir()
    (root / "wildtrace.toml").write_text(f'reference_pack = "{tmp_path / "newpack"}"\n',
                                         encoding="utf-8")
    result = CliRunner().invoke(main, ["--workspace", str(root), "reference", "match",
                                       "Scarlet Macaw chicks", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["taxa"] == ["Ara macao"]
    assert doc["pack_version"].startswith("speciesplus-2024-01-01")
