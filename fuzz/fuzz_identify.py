"""atheris: the species name matcher (``wildtrace.identify.TaxonIdentifier.identify``,
over the shipped reference pack) on hostile text: any script, obfuscation, control
characters, lone surrogates. It must never raise, every match must point at the very
text it names, and the verdict must be one the rules table knows."""

from __future__ import annotations

from fuzzsupport import check, fuzz, instrumented, text_of

with instrumented():
    from wildtrace.identify import load_identifier

IDENT = load_identifier()
APPENDICES = ("", "I", "II", "III")


def test_one_input(data: bytes) -> None:
    text = text_of(data)
    result = IDENT.identify(text)
    seen = text[:IDENT.max_chars]
    for m in result.matches:
        check(0 <= m.start < m.end <= len(seen), "span outside the text", m, len(seen))
        check(seen[m.start:m.end] == m.matched, "span does not hold the match", m,
              seen[m.start:m.end])
        check(m.appendix in APPENDICES, "unknown appendix", m)
    for cue in result.cues:
        check(0 <= cue.start <= cue.end <= len(seen), "cue outside the text", cue)
    check(result.cites in APPENDICES, "unknown CITES verdict", result.cites)
    check(len(set(result.taxa)) == len(result.taxa), "repeated taxa", result.taxa)
    check(set(result.taxa) <= {m.taxon for m in result.matches} or not result.matches,
          "a taxon no match named", result.taxa)
    check(not result.taxa or bool(result.matches), "taxa without matches", result.taxa)


if __name__ == "__main__":
    fuzz(test_one_input)
