"""Is a WARC or HTML file to import readable at all? Asked before it is kept as evidence.

A corrupt, truncated or random file handed to ``import --format warc|html`` must not be
preserved as if it were an archive someone collected: the evidence store keeps only
what can be read back. :func:`check_warc` walks every record of a WARC file (headers,
the whole gzip member, the declared length) and raises :class:`FormatError` naming the
file and the byte offset of the first record it cannot read; :func:`check_html` refuses
a file that is binary rather than markup.
"""

from __future__ import annotations

from pathlib import Path

from wildtrace.errors import FormatError

BLOCK = 1 << 16
_CONTROL = frozenset([*range(0, 9), 11, 12, *range(14, 32), 127])


def _refuse(path: Path, offset: int, why: str) -> FormatError:
    return FormatError(f"unreadable WARC record at byte offset {offset}: {why}",
                       file=f"{path}:{offset}",
                       hint="nothing of this file was kept; check it with "
                            "'warcio check' or re-export it")


def check_warc(path: Path) -> int:
    """The number of records of the WARC file at ``path``; FormatError (file:offset) at
    the first record that cannot be read whole, or when there is none."""
    from warcio.archiveiterator import ArchiveIterator

    records, offset = 0, 0
    with path.open("rb") as fh:
        it = ArchiveIterator(fh, no_record_parse=True)  # count the whole block
        try:
            for record in it:
                declared = record.rec_headers.get_header("Content-Length")
                got = 0
                while block := record.raw_stream.read(BLOCK):
                    got += len(block)
                # asked only once the block is read: asking first drains the stream
                offset = it.get_record_offset()
                if declared is not None and declared.strip().isdigit() and \
                        got < int(declared):
                    raise _refuse(path, offset, f"record cut short ({got} of {declared} "
                                                "bytes); the file looks truncated")
                records += 1
                offset = it.get_record_offset() + it.get_record_length()
        except FormatError:
            raise
        except Exception as exc:  # noqa: BLE001 - warcio, zlib and gzip raise many kinds
            # the message may quote the file's bytes: kept short and printable
            raise _refuse(path, offset, f"{type(exc).__name__}: {ascii(str(exc))[1:120]}"
                          ) from exc
    if records == 0:
        raise _refuse(path, 0, "no WARC record found")
    return records


def check_html(path: Path, data: bytes) -> None:
    """FormatError when ``data`` (the file at ``path``) is binary rather than HTML."""
    head = data[:65536]
    if not head.strip():
        raise FormatError("file is empty", file=str(path))
    controls = sum(1 for b in head if b in _CONTROL)
    if controls > max(8, len(head) // 50) or b"<" not in head:
        raise FormatError("not an HTML file (binary data, no markup)", file=f"{path}:0",
                          hint="nothing of this file was kept")


def check_archive(path: Path, kind: str) -> None:
    """:func:`check_warc` or :func:`check_html` for a file of ``kind`` (``warc``/``html``);
    a file too large to read whole is left to the importer, which skips it."""
    if kind == "warc":
        check_warc(path)
    elif path.stat().st_size <= 20_000_000:
        check_html(path, path.read_bytes())
