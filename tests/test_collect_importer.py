"""CSV/JSONL import: encodings, delimiters, mapping, idempotence and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wildtrace.collect.importer import import_file, parse_mapping
from wildtrace.errors import ColumnError, FormatError, InputError
from wildtrace.workspace import Workspace


def _write(path: Path, data: bytes | str) -> Path:
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def test_utf8_bom_semicolon_and_quoted_newlines(ws: Workspace, tmp_path: Path) -> None:
    f = _write(tmp_path / "a.csv", "\ufeffTitle;Body;Price\n"
               'Ivory bangle;"line one\nline two";"1.299,50 €"\n'
               "穿山甲鳞片;野生;4800元\n")
    res = import_file(ws.store, f)
    assert (res.imported, res.duplicates, res.errors) == (2, 0, [])
    first, second = list(ws.store.iter_listings())
    assert first.title == "Ivory bangle" and first.description == "line one\nline two"
    assert (first.price, first.currency) == (1299.5, "EUR")
    assert (second.title, second.price, second.currency) == ("穿山甲鳞片", 4800.0, "CNY")
    assert first.origin == f"{f}:2"


def test_latin1_and_tab_delimited(ws: Workspace, tmp_path: Path) -> None:
    f = _write(tmp_path / "b.tsv", "name\tdescription\nElfenbein Schnitzerei\tgroße Figur\n"
               .encode("latin-1"))
    assert import_file(ws.store, f).imported == 1
    (listing,) = ws.store.iter_listings()
    assert listing.description == "große Figur"


def test_reimport_adds_nothing(ws: Workspace, tmp_path: Path) -> None:
    f = _write(tmp_path / "c.csv", "title,seller\na,x\nb,y\nb,y\n")
    first = import_file(ws.store, f)
    assert (first.imported, first.duplicates) == (2, 1)
    again = import_file(ws.store, f)
    assert (again.imported, again.duplicates) == (0, 3)


def test_bad_rows_reported_good_rows_kept(ws: Workspace, tmp_path: Path) -> None:
    f = _write(tmp_path / "d.csv", "title,price\nok one,5\n,\nok two,6,extra\nok three,7\n")
    res = import_file(ws.store, f)
    assert res.imported == 2
    assert [(e.row, "fields" in e.reason or "no title" in e.reason) for e in res.errors] == [
        (4, True)]
    # the blank row is skipped silently, the over-long row is an error with its line


def test_truncated_file_keeps_complete_rows(ws: Workspace, tmp_path: Path) -> None:
    f = _write(tmp_path / "e.csv", 'title,description\nfirst,"fine"\nsecond,"cut off he')
    res = import_file(ws.store, f)
    assert res.imported == 1
    assert res.errors[0].row == 3 and "truncated" in res.errors[0].reason


def test_jsonl_with_a_broken_line(ws: Workspace, tmp_path: Path) -> None:
    lines = [json.dumps({"text": "rhino horn cup", "user": "h"}), "{not json",
             json.dumps([1, 2]), json.dumps({"text": "bear bile", "price": "US $40"})]
    f = _write(tmp_path / "f.jsonl", "\n".join(lines) + "\n")
    res = import_file(ws.store, f)
    assert res.imported == 2
    assert [e.row for e in res.errors] == [2, 3]
    listings = list(ws.store.iter_listings())
    assert listings[0].seller == "h" and listings[1].price == 40.0
    assert listings[1].currency == "USD"


@pytest.mark.parametrize("content,needle", [
    (b"", "empty"),
    (bytes(range(256)) * 20, "binary"),
])
def test_unusable_files(ws: Workspace, tmp_path: Path, content: bytes, needle: str) -> None:
    f = _write(tmp_path / "g.csv", content)
    with pytest.raises(FormatError, match=needle) as err:
        import_file(ws.store, f)
    assert str(f) in str(err.value)
    assert ws.store.count_listings() == 0


def test_missing_file(ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="not found"):
        import_file(ws.store, tmp_path / "nope.csv")


def test_mapping_override_and_unknown_column(ws: Workspace, tmp_path: Path) -> None:
    f = _write(tmp_path / "h.csv", "headline,words\nA,the text\n")
    import_file(ws.store, f, mapping=parse_mapping(["words=description", "headline=seller"]))
    (listing,) = ws.store.iter_listings()
    assert (listing.description, listing.seller, listing.title) == ("the text", "A", "")
    with pytest.raises(ColumnError, match="no column 'nope'"):
        import_file(ws.store, f, mapping={"description": "nope"})
    with pytest.raises(InputError, match="unknown field"):
        parse_mapping(["words=colour"])
    with pytest.raises(InputError, match="COLUMN=FIELD"):
        parse_mapping(["words"])


def test_no_text_column(ws: Workspace, tmp_path: Path) -> None:
    f = _write(tmp_path / "i.csv", "a,b\n1,2\n")
    with pytest.raises(ColumnError, match="no text column"):
        import_file(ws.store, f)


def test_huge_text_nul_bytes_and_invalid_utf8(ws: Workspace, tmp_path: Path) -> None:
    big = "ivory " * (10 * 1024 * 1024 // 6)
    data = b"title,description\n" + b"nul\x00here,x\n" + b"bad \xff\xfe utf8,y\n" + \
        b'big,"' + big.encode() + b'"\n'
    f = _write(tmp_path / "j.csv", data)
    res = import_file(ws.store, f)
    assert res.imported == 3 and not res.errors
    texts = [x.title for x in ws.store.iter_listings()]
    assert texts[0] == "nulhere" and len(texts) == 3


def test_every_shared_csv_imports(ws: Workspace, datasets: Path) -> None:
    files = sorted((datasets / "labelled").rglob("*.csv")) + \
        sorted((datasets / "negatives").rglob("*.csv"))
    assert len(files) >= 8
    for f in files:
        res = import_file(ws.store, f)
        assert res.imported > 0, f
        assert not res.errors, (f, res.errors[:3])
