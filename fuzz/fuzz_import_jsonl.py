"""atheris: JSON Lines import (``wildtrace.collect.importer.import_file``, ``--format
jsonl``) on arbitrary bytes: broken lines, deep nesting, huge numbers, odd encodings."""

from __future__ import annotations

from fuzzimport import importer
from fuzzsupport import fuzz

test_one_input = importer("jsonl")

if __name__ == "__main__":
    fuzz(test_one_input)
