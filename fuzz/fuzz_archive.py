"""atheris: reading pages out of WARC files (``wildtrace.collect.archive.warc_pages``)
and saved HTML (``html_page``) on arbitrary bytes, plain or gzip-compressed.

The module's contract: a damaged archive raises where it stops being readable (the
import keeps the pages read before the damage and reports the file), and every page
read is a well-formed HTML response within the size limit. Damage found by the WARC
reader (warcio, zlib, gzip) is allowed; an exception raised by wildtrace's own code on
a record the reader accepted is a bug (a readable page lost), and so is a bad page."""

from __future__ import annotations

import hashlib
import io
import traceback
from pathlib import Path

from fuzzsupport import check, fuzz, instrumented

with instrumented():
    import wildtrace
    from wildtrace.collect.archive import (
        MAX_PAGE_BYTES,
        html_page,
        imported_from,
        warc_pages,
    )
    from wildtrace.errors import WildtraceError
    from wildtrace.records import Page, RowError

PACKAGE = str(Path(wildtrace.__file__).resolve().parent)
PATH = Path("/evidence/fuzz.warc.gz")


def _raised_by_wildtrace(exc: BaseException) -> bool:
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and str(Path(frames[-1].filename).resolve()).startswith(PACKAGE)


def _check_page(page: Page, sha: str) -> None:
    check(len(page.body) <= MAX_PAGE_BYTES, "page over the size limit", len(page.body))
    check("html" in page.media_type, "non-HTML page handed on", page.media_type)
    check(page.warc_file == imported_from(sha) and page.method == "import",
          "page does not name its evidence file", page.warc_file)
    check(0 <= page.status <= 999, "impossible HTTP status", page.status)
    check(all(isinstance(k, str) and isinstance(v, str) for k, v in page.headers),
          "headers are not text pairs")


def test_one_input(data: bytes) -> None:
    sha = hashlib.sha256(data).hexdigest()
    try:
        for item in warc_pages(io.BytesIO(data), PATH, sha):
            if isinstance(item, RowError):
                check(bool(item.reason) and str(PATH) in item.file, "bad row error", item)
            else:
                _check_page(item, sha)
    except AssertionError:
        raise
    except WildtraceError:
        pass  # a damaged file reported in wildtrace's own terms
    except Exception as exc:
        if _raised_by_wildtrace(exc):
            raise
    page = html_page(Path("/evidence/fuzz.html"), data, sha)
    check(page.body == data and page.url.startswith("file:"), "saved HTML changed", page.url)


if __name__ == "__main__":
    fuzz(test_one_input)
