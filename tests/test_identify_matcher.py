"""The matcher over the shipped pack: names in many scripts, obfuscation, products, cues."""

from __future__ import annotations

from pathlib import Path

import pytest

from wildtrace.errors import InputError
from wildtrace.identify import TaxonIdentifier, load_identifier
from wildtrace.identify.normalise import fold
from wildtrace.records import Identification


@pytest.fixture(scope="module")
def ident() -> TaxonIdentifier:
    return load_identifier()


def _rules(r: Identification) -> set[str]:
    return {m.rule for m in r.matches}


def _cues(r: Identification) -> set[str]:
    return {c.kind for c in r.cues}


def test_scientific_names_synonyms_and_common_names(ident: TaxonIdentifier) -> None:
    r = ident.identify("Captive bred Psittacus erithacus, 2 years old")
    assert r.taxa == ("Psittacus erithacus",) and r.cites == "I"
    m = r.matches[0]
    assert (m.rank, m.appendix, m.rule, m.kind) == ("SPECIES", "I", "name:la", "name")
    # A synonym from the checklist maps to the accepted name.
    assert ident.identify("Boa regia for sale").taxa == ("Python regius",)
    assert "synonym" in _rules(ident.identify("Boa regia for sale"))
    # English, Spanish and French checklist names.
    assert ident.identify("Ball pythons available").taxa[0] == "Python regius"
    assert "Python regius" in ident.identify("se vende pitón real").taxa


def test_spans_point_into_the_original_text(ident: TaxonIdentifier) -> None:
    text = "Lot: ÉLÉPHANT ivoire sculpté, très beau"
    r = ident.identify(text)
    assert r.taxa == ("Elephantidae",)
    for m in r.matches:
        assert text[m.start:m.end] == m.matched
    assert {m.matched for m in r.matches} >= {"ivoire"}


@pytest.mark.parametrize(("text", "taxon", "rule"), [
    ("出售象牙手镯 私聊", "Elephantidae", "product:ivory"),
    ("正品熊胆粉 包邮", "Ursidae", "product:bear_bile"),
    ("玳瑁手镯 老货", "Eretmochelys imbricata", "product:tortoiseshell"),
    ("Bán mật gấu nguyên chất", "Ursidae", "product:bear_bile"),
    ("vòng đồi mồi tự nhiên", "Eretmochelys imbricata", "product:tortoiseshell"),
    ("sừng tê giác thật", "Rhinocerotidae", "product:rhino_horn"),
    ("ขายดีหมีแท้", "Ursidae", "product:bear_bile"),
    ("ขายงาช้างแท้", "Elephantidae", "product:ivory"),
    ("empedu beruang asli", "Ursidae", "product:bear_bile"),
    ("象牙の根付", "Elephantidae", "product:ivory"),
    ("Elfenbein Schnitzerei antik", "Elephantidae", "product:ivory"),
    ("escamas de pangolín", "Manis", "product:pangolin_scales"),
    ("sisik trenggiling kering", "Manis", "product:pangolin_scales"),
    ("鱼翅 干货", "Selachimorpha", "product:shark_fin"),
])
def test_product_terms_in_many_languages(ident: TaxonIdentifier, text: str, taxon: str,
                                         rule: str) -> None:
    r = ident.identify(text)
    assert taxon in r.taxa
    assert rule in _rules(r)


@pytest.mark.parametrize("text", [
    "genuine i v o r y bangle", "i.v.o.r.y bangle", "1vory bangle", "iv0ry bangle",
    "ＩＶＯＲＹ bangle", "іvоrу bangle", "I-V-O-R-Y bangle",
])
def test_obfuscated_ivory(ident: TaxonIdentifier, text: str) -> None:
    r = ident.identify(text)
    assert r.taxa == ("Elephantidae",)
    m = r.matches[0]
    assert text[m.start:m.end] == m.matched
    assert fold(m.matched).text.replace(" ", "").startswith("ivory")


def test_emoji_need_context(ident: TaxonIdentifier) -> None:
    assert ident.identify("🐘 tusk polished").taxa == ("Elephantidae",)
    assert "name:emoji" in _rules(ident.identify("🦏 horn 🦏 whole horn"))
    assert ident.identify("Happy birthday 🐘🎉").taxa == ()


def test_word_boundaries_for_latin_substrings_for_cjk(ident: TaxonIdentifier) -> None:
    assert ident.identify("ivorycoloured").taxa == ()
    assert ident.identify("象牙雕刻摆件").taxa == ("Elephantidae",)
    # Katakana names do not match inside longer katakana words (サイ inside サイズ).
    assert ident.identify("サイズ M").taxa == ()


def test_masks_and_ambiguous_names(ident: TaxonIdentifier) -> None:
    assert ident.identify("Ivory Coast coffee beans 1kg").taxa == ()
    assert ident.identify("Tiger eye beads bracelet").taxa == ()
    assert ident.identify("Puma sneakers size 9").taxa == ()
    assert ident.identify("Python programming for beginners").taxa == ()
    assert ident.identify("Gorilla glue 2oz").taxa == ()
    # The same ambiguous names count when the text is about animals.
    assert ident.identify("tiger skull taxidermy").taxa[0] == "Panthera tigris"
    assert "Panthera tigris" in ident.identify("live tiger cub").taxa


def test_longer_product_beats_the_word_inside_it(ident: TaxonIdentifier) -> None:
    r = ident.identify("Mammoth ivory carving, legal")
    assert r.taxa == ("Mammuthus",) and r.cites == ""
    r = ident.identify("walrus ivory scrimshaw")
    assert "Odobenus rosmarus" in r.taxa and "Elephantidae" not in r.taxa


def test_higher_taxon_coverage(ident: TaxonIdentifier) -> None:
    # Wikispecies names a hawk the 2017 checklist only covers as "Accipiter spp.".
    r = ident.identify("Variable Goshawk, hand reared")
    assert r.taxa == ("Accipiter",) and r.cites == "II"
    assert ident.identify("perroquet à vendre").taxa == ("Psittaciformes",)
    assert ident.identify("orchid seedlings, Paphiopedilum").cites in ("I", "II")


def test_cites_from_most_specific_taxon(ident: TaxonIdentifier) -> None:
    r = ident.identify("python skin handbag, ball python leather")
    assert r.taxa[0] == "Python regius"
    assert r.cites == "II"  # not Pythonidae's highest (I)


@pytest.mark.parametrize(("text", "flag"), [
    ("ivory colour wedding dress", "colour"),
    ("faux ivory resin figurine", "replica"),
    ("elephant plush toy", "toy"),
    ("tiger print t-shirt", "print"),
    ("megalodon shark tooth fossil", "fossil"),
    ("antique carved ivory, pre-1947", "antique_claim"),
    ("ivory carving DM for price", "covert"),
    ("WTB rhino horn", "intent_buy"),
    ("ivory bangle for sale", "intent_sell"),
    ("rhino horn, pay with Western Union", "scam"),
    ("yellow materials available", "code_word"),
])
def test_cues_become_flags(ident: TaxonIdentifier, text: str, flag: str) -> None:
    assert flag in ident.identify(text).flags


def test_cues_do_not_suppress_matches(ident: TaxonIdentifier) -> None:
    r = ident.identify("faux ivory (real ivory really) bangle")
    assert r.taxa == ("Elephantidae",)
    assert {"replica", "code_word"} <= set(r.flags)


def test_product_forms(ident: TaxonIdentifier) -> None:
    assert "product_form:raw" in _cues(ident.identify("whole tusk 12kg"))
    assert "product_form:derivative" in _cues(ident.identify("bear bile capsules"))
    assert "product_form:live" in _cues(ident.identify("baby slow loris pet"))
    assert "product_form:finished" in _cues(ident.identify("ivory bangle"))
    assert "product_form:semi_worked" in _cues(ident.identify("ivory blanks for carving"))


def test_code_words_from_the_press_and_floraguard(ident: TaxonIdentifier) -> None:
    r = ident.identify("Selling baby bums and living pebbles, Springbok area")
    assert r.taxa == ("Conophytum",)
    assert "code_word" in r.flags
    assert {m.rule for m in r.matches} >= {"code_word:baby bums"}


def test_identify_many_and_version(ident: TaxonIdentifier) -> None:
    out = ident.identify_many(["ivory", "nothing here", "穿山甲片"])
    assert [o.taxa for o in out] == [("Elephantidae",), (), ("Manis",)]
    assert out[0].pack_version == ident.version and "matcher" in ident.version


def test_hostile_input_is_bounded(ident: TaxonIdentifier) -> None:
    text = ("ivory \x00 " * 50_000) + "\udcff" + "🐘" * 1000
    r = ident.identify(text)
    assert r.taxa == ("Elephantidae",)
    assert all(m.end <= ident.max_chars for m in r.matches)


def test_user_lexicon_adds_code_words(tmp_path: Path) -> None:
    lex = tmp_path / "lexicon.csv"
    lex.write_text("term,taxon,kind,meaning,source,source_date\n"
                   "white gold,Elephantidae,code_word,ivory,our analysts,2026-01-05\n"
                   "ask the boss,,cue,covert,our analysts,2026-01-05\n", encoding="utf-8")
    ident = load_identifier(extra_lexicon=lex)
    r = ident.identify("White Gold bangle, ask the boss")
    assert r.taxa == ("Elephantidae",)
    assert "code_word:white gold" in _rules(r)
    assert {"code_word", "covert"} <= set(r.flags)
    assert ident.version != load_identifier().version


@pytest.mark.parametrize(("body", "row", "reason"), [
    ("term,taxon\nwhite gold,Elephantidae\n,Elephantidae\n", 3, "empty term"),
    ("term,taxon\nwhite gold,Notagenus fakeus\n", 2, "not in the reference pack"),
    ("term,taxon,kind\nwhite gold,Elephantidae,spell\n", 2, "unknown kind"),
    ("term,taxon\nwhite gold,Elephantidae,extra\n", 2, "wrong number of fields"),
    ("word,meaning\nx,y\n", 1, "missing column"),
])
def test_bad_user_lexicon_rows(tmp_path: Path, body: str, row: int, reason: str) -> None:
    lex = tmp_path / "lexicon.csv"
    lex.write_text(body, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_identifier(extra_lexicon=lex)
    assert err.value.row == row and f"{lex}:{row}" in str(err.value)
    assert reason in str(err.value)


def test_hashtag_forms_of_product_terms(ident: TaxonIdentifier) -> None:
    assert ident.identify("#rhinohorn #sale").taxa == ("Rhinocerotidae",)
    assert ident.identify("Etsy shop #prebanivory #ivoryjewelery").taxa == ("Elephantidae",)
    assert ident.identify("#ivoryandebony").taxa == ()  # no hashtag form of a bare word


@pytest.mark.parametrize("text", ["Gold Ivory Off White dress, size 12",
                                  "Women's Yellow and Ivory Blazer",
                                  "#beige #ivory #cardigan #knit"])
def test_bare_ivory_beside_fashion_words_is_the_colour(ident: TaxonIdentifier,
                                                       text: str) -> None:
    assert "colour" in ident.identify(text).flags


def test_bare_ivory_without_fashion_words_is_not_the_colour(ident: TaxonIdentifier) -> None:
    r = ident.identify("Antique carved ivory netsuke, Meiji period")
    assert "colour" not in r.flags
    assert r.taxa == ("Elephantidae",)


@pytest.mark.parametrize("text", ["DDR, MAMMAL, Elephant, 20pf MNH",
                                  "Tiger SG 781 fine used", "Scott #1234 tiger block"])
def test_stamp_titles_are_prints(ident: TaxonIdentifier, text: str) -> None:
    assert "print" in ident.identify(text).flags


@pytest.mark.parametrize("text", ["real ivory carving, not resin", "ngà voi không phải nhựa",
                                  "rhino horn cup, no replica"])
def test_negated_replica_words_are_an_authenticity_claim(ident: TaxonIdentifier,
                                                         text: str) -> None:
    r = ident.identify(text)
    assert "replica" not in r.flags
    assert "authenticity" in _cues(r)


def test_plain_replica_words_still_count(ident: TaxonIdentifier) -> None:
    assert "replica" in ident.identify("resin ivory carving").flags


def test_white_gold_needs_wildlife_or_africa_context(ident: TaxonIdentifier) -> None:
    assert ident.identify("18k white gold ring with diamonds").taxa == ()
    r = ident.identify("white gold from Africa, carving for collectors")
    assert r.taxa == ("Elephantidae",)
    assert "code_word" in r.flags


def test_specimen_family_names_and_news_words(ident: TaxonIdentifier) -> None:
    assert "specimen" in _cues(ident.identify("i70838. Insects, Cerambycidae sp. Vietnam"))
    assert "specimen" not in _cues(ident.identify("special edition sport shoes"))
    assert "news" in _cues(ident.identify("Customs seized 2 tonnes of poached ivory"))


def test_white_gold_beside_a_brand_animal_name_is_jewellery(ident: TaxonIdentifier) -> None:
    r = ident.identify("Cartier Panthere White Gold Ladies Ring For Sale")
    assert "code_word" not in r.flags


@pytest.mark.parametrize("text", ["Parrot with cage, live, can ship",
                                  "python snake skin, ship available", "once again, live tiger"])
def test_weak_names_do_not_fire_on_their_own(ident: TaxonIdentifier, text: str) -> None:
    taxa = ident.identify(text).taxa
    assert "Acipenser nudiventris" not in taxa and "Uncia uncia" not in taxa


def test_weak_names_still_count_inside_a_longer_name(ident: TaxonIdentifier) -> None:
    assert "Acipenser nudiventris" in ident.identify("ship sturgeon caviar").taxa
