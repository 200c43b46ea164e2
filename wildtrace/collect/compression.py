"""Decompression with a ceiling: a gzip or zip file that inflates past a limit is refused.

A compressed file can claim, or simply produce, a thousand times its size: a 1 MB gzip
of zeros grows to gigabytes (a "decompression bomb") and would exhaust memory or disk in
``reference build``, a model load or any import. Every place wildtrace inflates data it
did not write itself reads through here, counting the bytes as they come out and
stopping at the limit with a clear error naming the file.
"""

from __future__ import annotations

import gzip
import zipfile
import zlib
from pathlib import Path

from wildtrace.errors import FormatError

BLOCK = 1 << 20
DEFAULT_LIMIT = 1 << 30  # 1 GiB: far beyond any source, pack or model wildtrace reads


def _refuse(path: Path | str, limit: int, member: str = "") -> FormatError:
    where = f"{path}!{member}" if member else str(path)
    return FormatError(f"decompresses to more than {limit:,} bytes; refused as a likely "
                       "decompression bomb", file=where,
                       hint="check where the file came from; decompress it yourself if "
                            "it is genuine")


def read_gzip(path: Path, limit: int = DEFAULT_LIMIT) -> bytes:
    """The inflated bytes of the gzip file at ``path``; FormatError past ``limit`` bytes
    or when the file is not gzip or is cut short (OSError for a missing file)."""
    out = bytearray()
    try:
        with gzip.open(path, "rb") as fh:
            while block := fh.read(BLOCK):
                out += block
                if len(out) > limit:
                    raise _refuse(path, limit)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise FormatError(f"not a readable gzip file ({exc})", file=str(path)) from exc
    return bytes(out)


def check_zip(path: Path, limit: int = DEFAULT_LIMIT) -> None:
    """Refuse a zip file whose members together inflate past ``limit`` bytes.

    The sizes are those the zip declares; Python's zipfile never reads a member past its
    declared size (it stops, or fails the CRC), so a lying header cannot get round this.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            total = 0
            for info in zf.infolist():
                total += info.file_size
                if total > limit:
                    raise _refuse(path, limit, info.filename)
    except zipfile.BadZipFile as exc:
        raise FormatError(f"not a readable zip file ({exc})", file=str(path)) from exc


def read_zip_member(zf: zipfile.ZipFile, name: str, limit: int = DEFAULT_LIMIT) -> bytes:
    """One member of an open zip, refused when it declares more than ``limit`` bytes."""
    info = zf.getinfo(name)
    if info.file_size > limit:
        raise _refuse(zf.filename or "zip", limit, name)
    return zf.read(info)
