"""Decompression bombs are refused: in ``reference build``'s sources, the reference pack,
and any zip wildtrace reads; honest compressed files still read."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import pytest

from wildtrace.collect import compression
from wildtrace.errors import FormatError, ReferencePackError
from wildtrace.identify import builder, pack

BOMB_BYTES = 40 << 20


def _bomb(path: Path) -> Path:
    # 40 MB of zeros in about 40 KB: the shape of the 1 MB -> 6.4 GB file of issue 14.
    with gzip.open(path, "wb", compresslevel=9) as fh:
        block = b"\0" * (1 << 20)
        for _ in range(BOMB_BYTES >> 20):
            fh.write(block)
    assert path.stat().st_size < BOMB_BYTES // 100
    return path


def test_a_gzip_bomb_in_reference_build_is_refused(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(builder, "MAX_SOURCE_BYTES", 8 << 20)
    bomb = _bomb(tmp_path / "Index_of_CITES_Species_2099-01-01.csv.gz")
    with pytest.raises(ReferencePackError, match="decompression bomb") as err:
        builder.build_pack({"species_plus": bomb}, tmp_path / "out")
    assert str(bomb) in str(err.value)
    assert not (tmp_path / "out" / pack.PACK_FILE).exists()


def test_a_bomb_as_reference_pack_is_refused(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pack, "MAX_PACK_BYTES", 8 << 20)
    bomb = _bomb(tmp_path / pack.PACK_FILE)
    with pytest.raises(ReferencePackError, match="decompression bomb"):
        pack.load_pack(bomb)


def test_the_shipped_pack_still_loads() -> None:
    assert pack.load_pack().n_taxa > 1000


def test_read_gzip_limits_and_errors(tmp_path: Path) -> None:
    ok = tmp_path / "ok.gz"
    ok.write_bytes(gzip.compress(b"x" * 1000))
    assert compression.read_gzip(ok, limit=1000) == b"x" * 1000
    with pytest.raises(FormatError, match="more than 999 bytes"):
        compression.read_gzip(ok, limit=999)
    cut = tmp_path / "cut.gz"
    cut.write_bytes(gzip.compress(b"y" * 10_000)[:-20])
    with pytest.raises(FormatError, match="not a readable gzip"):
        compression.read_gzip(cut)
    junk = tmp_path / "junk.gz"
    junk.write_bytes(b"not gzip at all")
    with pytest.raises(FormatError, match="not a readable gzip"):
        compression.read_gzip(junk)


def test_a_zip_bomb_is_refused(tmp_path: Path) -> None:
    z = tmp_path / "b.zip"
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.csv", b"0" * (4 << 20))
    compression.check_zip(z, limit=8 << 20)
    with pytest.raises(FormatError, match="decompression bomb") as err:
        compression.check_zip(z, limit=1 << 20)
    assert "b.zip!a.csv" in str(err.value)
    with zipfile.ZipFile(z) as zf, pytest.raises(FormatError, match="decompression bomb"):
        compression.read_zip_member(zf, "a.csv", limit=1 << 20)
