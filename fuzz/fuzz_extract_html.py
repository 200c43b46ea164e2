"""atheris: listing extraction (``wildtrace.extract.extractor.Extractor``) on hostile
HTML bytes. The first byte picks the Content-Type the server claimed (right, wrong,
bogus charset, none), the rest is the body. Extraction must never raise: a page is the
criminal's to write. Its output must be bounded and well-formed."""

from __future__ import annotations

import math
import re

from fuzzsupport import check, fuzz, instrumented

with instrumented():
    from wildtrace.extract.extractor import MAX_FIELD, Extractor
    from wildtrace.extract.identifiers import KINDS
    from wildtrace.records import ListingDraft

CONTENT_TYPES = ("text/html", "text/html; charset=utf-8", "text/html; charset=gbk",
                 "text/html; charset=shift_jis", "text/html; charset=utf-16",
                 "text/html; charset=windows-1258", "text/html; charset=bogus",
                 "application/xhtml+xml", "", "text/html; charset=\"\x00\"")
URLS = ("https://shop.example/item/1", "http://[::1]:8080/a?b=c#d", "file:///tmp/x.html",
        "https://www.facebook.com/marketplace/item/1234/")
# The site profiles that ship with wildtrace choose themselves by URL and markup.
EXTRACTOR = Extractor()
CURRENCY = re.compile(r"[A-Z]{3}")


def test_one_input(data: bytes) -> None:
    head = data[0] if data else 0
    ctype = CONTENT_TYPES[head % len(CONTENT_TYPES)]
    url = URLS[(head // len(CONTENT_TYPES)) % len(URLS)]
    ex = EXTRACTOR.extract(data[1:], url, ctype)
    check(isinstance(ex.is_listing, bool) and bool(ex.reason), "no verdict", ex.reason)
    for name, value in ex.fields.items():
        if isinstance(value, str):
            check(len(value) <= MAX_FIELD, "unbounded field", name, len(value))
    price = ex.fields.get("price")
    if price is not None:
        check(isinstance(price, int | float) and math.isfinite(price) and price >= 0,
              "price is not a finite amount", price)
    currency = ex.fields.get("currency")
    if currency:
        check(bool(CURRENCY.fullmatch(str(currency))), "currency is not ISO 4217", currency)
    for image in ex.fields.get("images", []):
        check(isinstance(image, str) and len(image) <= 2000, "image URL unbounded")
    check(len(ex.fields.get("images", [])) <= 20, "too many images")
    for ident in ex.identifiers:
        check(ident.kind in KINDS and bool(ident.value), "bad identifier", ident)
    check(len({(i.kind, i.value) for i in ex.identifiers}) == len(ex.identifiers),
          "duplicate identifiers", ex.identifiers)
    draft = ex.draft(source="fuzz", url=url, capture_sha256="0" * 64)
    check(isinstance(draft, ListingDraft), "no draft")


if __name__ == "__main__":
    fuzz(test_one_input)
