"""atheris: CSV import (``wildtrace.collect.importer.import_file``, ``--format csv``) on
arbitrary bytes: any delimiter, encoding, quoting, NULs, cut-off files."""

from __future__ import annotations

from fuzzimport import importer
from fuzzsupport import fuzz

test_one_input = importer("csv")

if __name__ == "__main__":
    fuzz(test_one_input)
