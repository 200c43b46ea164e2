"""Reading capture histories: a CSV file, or the sellers of a workspace.

A file has one row per individual and one 0/1 column per occasion. A header row is
optional; a leading identifier column (text, or a header such as ``id``/``seller``) is
skipped, and with ``freq=True`` the last column is how many individuals share the row
(Rcapture's ``dfreq`` format). Bad values are reported as ``file:row``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from wildtrace.errors import InputError
from wildtrace.measure.recapture import CaptureData, from_histories

MAX_ROWS = 5_000_000
_ID_HEADERS = {"id", "seller", "seller_id", "individual", "name", "animal", "unit"}


def _is_binary(cell: str) -> bool:
    return cell.strip() in ("0", "1")


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def read_histories(path: Path, *, freq: bool = False) -> CaptureData:
    """Parse the capture-history file at ``path`` (see module docstring)."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=name) from exc
    text = raw.decode("utf-8-sig", errors="replace")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096],
                                                                      delimiters=",;\t ")
    except csv.Error:
        dialect = csv.excel
    rows = [r for r in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in r)]
    if not rows:
        raise InputError("the file holds no capture histories", file=name)
    start = 0
    head = [c.strip() for c in rows[0]]
    body_first = rows[1] if len(rows) > 1 else rows[0]
    skip_id = bool(body_first) and (not _is_binary(body_first[0])
                                    and not (freq and len(body_first) == 1))
    # A header has a non-numeric cell; an all-numeric first row is data (and is checked).
    if not all(_is_number(c) for c in head[int(skip_id):len(head) - int(freq)]):
        start = 1
        skip_id = skip_id or (head[0].lower() in _ID_HEADERS)
    histories: list[list[int]] = []
    weights: list[float] = []
    width: int | None = None
    for line_no, row in enumerate(rows[start:], start=start + 1):
        if len(histories) >= MAX_ROWS:
            raise InputError(f"more than {MAX_ROWS} rows", file=name, row=line_no)
        cells = [c.strip() for c in row][int(skip_id):]
        if freq:
            if not cells:
                raise InputError("missing frequency column", file=name, row=line_no)
            try:
                w = float(cells[-1])
            except ValueError:
                raise InputError(f"frequency {cells[-1][:20]!r} is not a number",
                                 file=name, row=line_no) from None
            if w < 0:
                raise InputError("negative frequency", file=name, row=line_no)
            weights.append(w)
            cells = cells[:-1]
        if width is None:
            width = len(cells)
        elif len(cells) != width:
            raise InputError(f"{len(cells)} occasions where earlier rows have {width}",
                             file=name, row=line_no)
        values: list[int] = []
        for j, c in enumerate(cells):
            if c not in ("0", "1"):
                raise InputError(f"value {c[:20]!r} in occasion {j + 1} is not 0 or 1",
                                 file=name, row=line_no,
                                 hint="capture histories hold only 0 (not seen) and 1 (seen)")
            values.append(int(c))
        histories.append(values)
    return from_histories(histories, weights if freq else None, source=name,
                          first_row=start + 1)
