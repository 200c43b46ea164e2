"""Folding for matching: case, accents, width, homoglyphs, leetspeak, spacing; offsets."""

from __future__ import annotations

from wildtrace.identify.normalise import fold, fold_key, pad_key, spaced_runs


def test_fold_case_width_accents_and_homoglyphs() -> None:
    # Full-width letters, Cyrillic lookalikes and accents all fold to plain Latin.
    assert fold("ＩＶＯＲＹ").text == "ivory"
    assert fold("іvоrу").text == "ivory"  # Cyrillic і, о, у
    assert fold("Éléphant").text == "elephant"
    assert fold("mật gấu").text == "mat gau"


def test_leetspeak_and_punctuation() -> None:
    assert fold("1v0ry").text == "ivory"
    assert fold("rh1n0-h0rn!").text == "rhino horn "
    # Punctuation becomes a space so names match as whole words.
    assert fold_key("Hodgson's  frogmouth") == "hodgson s frogmouth"


def test_thai_marks_and_japanese_kana_are_kept() -> None:
    # Thai vowels and tone marks are combining marks that carry meaning: never stripped.
    assert fold("ดีหมี").text == "ดีหมี"
    assert fold("ゾウ").text == "ゾウ"
    assert fold("🐘").text == "🐘"


def test_offsets_identity_on_fast_path() -> None:
    f = fold("Carved IVORY")
    assert f.offsets is None
    assert f.span(7, 12) == (7, 12)


def test_offsets_mapped_when_length_changes() -> None:
    # "ﬁ" (one ligature) becomes "fi" (two letters) and a decomposed accent vanishes.
    text = "ﬁne cafe\u0301 ivory"
    f = fold(text)
    assert f.offsets is not None
    start = f.text.index("ivory")
    a, b = f.span(start, start + 5)
    assert text[a:b] == "ivory"
    c = f.text.index("cafe")
    a, b = f.span(c, c + 4)
    assert text[a:b].startswith("cafe")


def test_spaced_runs_are_squeezed_with_positions() -> None:
    folded = fold("genuine i.v.o.r.y and r h i n o").text
    runs = spaced_runs(folded)
    assert [r[0] for r in runs] == ["ivory", "rhino"]
    word, positions = runs[0]
    assert "".join(folded[p] for p in positions) == word
    assert spaced_runs(fold("a b c").text) == []  # too short to be a word


def test_pad_key_only_for_space_separated_scripts() -> None:
    assert pad_key("ivory") == " ivory "
    assert pad_key("象牙") == "象牙"
    assert pad_key("ดีหมี") == "ดีหมี"
    assert pad_key("mat gau") == " mat gau "
