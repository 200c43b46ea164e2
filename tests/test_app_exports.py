"""The export use case: every kind of the registry has its rows, wrong kinds and formats
are named with the choices, and what it writes is what the CLI writes."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from wildtrace.act.exports import EXPORTERS
from wildtrace.act.exports.listings import COLUMNS
from wildtrace.app import exports
from wildtrace.errors import InputError
from wildtrace.records import ListingDraft
from wildtrace.store import content_key
from wildtrace.workspace import Workspace


def test_every_kind_of_the_registry_has_its_rows() -> None:
    assert set(exports.SOURCES) == set(EXPORTERS)
    assert [k.kind for k in exports.kinds()] == sorted(EXPORTERS)
    assert "text/csv" in exports.media_types() and "application/zip" in exports.media_types()


def test_unknown_kind_and_format_name_the_choices() -> None:
    with pytest.raises(InputError, match="unknown export kind") as err:
        exports.check("nothing", "csv")
    assert err.value.hint == "kinds: " + ", ".join(sorted(EXPORTERS))
    with pytest.raises(InputError, match="cannot write format 'xlsx'") as err:
        exports.check("prices", "xlsx")
    assert err.value.hint == "formats: csv, parquet"


def test_export_writes_listings_and_creates_the_folder(ws: Workspace, tmp_path: Path) -> None:
    draft = ListingDraft(source="t", title="=HYPERLINK(1)", price=3.0, currency="EUR")
    ws.store.add_listings([(draft, content_key(draft))])
    out = tmp_path / "deep" / "l.csv"
    result = exports.export(ws, "listings", "csv", out)
    assert (result.kind, result.format, result.path, result.count) == ("listings", "csv", out, 1)
    with out.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == COLUMNS
        (row,) = list(reader)
    # seller text is neutralised for spreadsheets (issue 14); empty cells stay empty
    assert row["title"] == "'=HYPERLINK(1)" and row["relevant"] == "" and row["price"] == "3.0"


def test_a_download_is_audited_and_discarded(ws: Workspace) -> None:
    found = exports.export_file(ws, "listings", "jsonl", "ana")
    assert found.path.read_bytes() == b"" and found.count == 0
    (entry,) = ws.store.audit.entries(user="ana", action="export")
    assert (entry.object_kind, entry.object_id, entry.detail) == (
        "export", "listings", {"format": "jsonl", "count": 0})
    found.discard()
    assert not found.path.parent.exists()
