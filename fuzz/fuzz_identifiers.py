"""atheris: contact identifiers (``wildtrace.extract.identifiers.find_identifiers``) in
hostile text. The first byte picks the default phone region. Identifiers must be of a
known kind, in their canonical form (normalising again changes nothing: equal contacts
must compare equal across listings), and never repeated."""

from __future__ import annotations

import re

from fuzzsupport import check, fuzz, instrumented, text_of

with instrumented():
    from wildtrace.errors import InputError
    from wildtrace.extract.identifiers import KINDS, find_identifiers, normalise

REGIONS = ("ZZ", "VN", "CN", "TH", "ID", "US", "GB", "NG", "BR", "JP")
E164 = re.compile(r"\+[1-9][0-9]{5,15}")


def test_one_input(data: bytes) -> None:
    region = REGIONS[data[0] % len(REGIONS)] if data else "ZZ"
    text = text_of(data[1:])
    found = find_identifiers(text, region)
    check(len({(i.kind, i.value) for i in found}) == len(found), "repeated", found)
    for ident in found:
        check(ident.kind in KINDS, "unknown kind", ident)
        check(bool(ident.value) and ident.value == ident.value.strip(), "untrimmed", ident)
        if ident.kind in ("phone", "whatsapp"):
            check(bool(E164.fullmatch(ident.value)), "phone not E.164", ident)
        if ident.kind == "email":
            check(ident.value.count("@") == 1 and ident.value == ident.value.lower(),
                  "email not canonical", ident)
        if ident.kind == "wallet":
            check(ident.value.split(":", 1)[0] in ("btc", "eth", "tron"), "wallet", ident)
        try:
            again = normalise(ident.kind, ident.value, region)
        except InputError as exc:
            raise AssertionError(f"found {ident} is not valid for normalise: {exc}") from exc
        check(again == ident.value, "canonical form is not stable", ident, again)


if __name__ == "__main__":
    fuzz(test_one_input)
