"""Tests for contact-identifier finding and normalisation."""

from __future__ import annotations

import pytest

from wildtrace.errors import InputError
from wildtrace.extract.identifiers import find_identifiers, normalise
from wildtrace.records import Identifier


def kinds(text: str, region: str = "ZZ") -> set[tuple[str, str]]:
    return {(i.kind, i.value) for i in find_identifiers(text, region)}


def test_phone_international_and_regional() -> None:
    assert ("phone", "+84912345678") in kinds("Call +84 912 345 678 now")
    assert ("phone", "+84912345678") in kinds("gọi 0912 345 678", region="VN")
    # Without a default region the page's script says where it is ("gọi" is Vietnamese)...
    assert ("phone", "+84912345678") in kinds("gọi 0912 345 678")
    # ...but a bare national number on a page that says nothing is not guessed.
    assert not any(k == "phone" for k, _ in kinds("call 0912 345 678"))


def test_whatsapp_label_and_link() -> None:
    found = kinds("WhatsApp: +27 82 555 1234, or wa.me/447911123456")
    assert ("whatsapp", "+27825551234") in found
    assert ("phone", "+27825551234") in found
    assert ("whatsapp", "+447911123456") in found


def test_email_plain_and_obfuscated() -> None:
    assert ("email", "ivory.dealer@example.com") in kinds("mail Ivory.Dealer@Example.COM")
    assert ("email", "horn@example.org") in kinds("horn [at] example [dot] org")
    assert not any(k == "email" for k, _ in kinds("meet me at home dot com"))


def test_messenger_handles() -> None:
    text = "WeChat: Tiger_Bone88 | 微信 abc12345 | Telegram @Scales_Shop | t.me/hornhub " \
           "| Line ID: thai.amulet | QQ: 123456789"
    found = kinds(text)
    assert {("wechat", "tiger_bone88"), ("wechat", "abc12345"), ("telegram", "scales_shop"),
            ("telegram", "hornhub"), ("line", "thai.amulet"), ("qq", "123456789")} <= found


def test_prose_words_are_not_handles() -> None:
    found = kinds("new line products online, wechat available, tg shipping fast")
    assert not any(k in ("wechat", "line", "telegram") for k, _ in found)


def test_wallets_checksummed() -> None:
    text = ("BTC 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa or "
            "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq "
            "ETH 0xde0B295669a9FD93d5F28D9Ec85E40f4cb697BAe "
            "USDT TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")
    found = kinds(text)
    assert ("wallet", "btc:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa") in found
    assert ("wallet", "btc:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq") in found
    assert ("wallet", "eth:0xde0b295669a9fd93d5f28d9ec85e40f4cb697bae") in found
    assert ("wallet", "tron:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t") in found
    # One changed character breaks the checksum.
    assert not any(k == "wallet" for k, _ in kinds("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb"))


def test_profile_urls() -> None:
    found = kinds("see https://www.facebook.com/Ivory.Shop/?ref=x and "
                  "instagram.com/scaly_friends/ and facebook.com/profile.php?id=10001234&x=1 "
                  "but not https://facebook.com/sharer.php?u=1")
    assert ("profile_url", "https://facebook.com/ivory.shop") in found
    assert ("profile_url", "https://instagram.com/scaly_friends") in found
    assert ("profile_url", "https://facebook.com/profile.php?id=10001234") in found
    assert not any("sharer" in v for _, v in found)


def test_order_and_dedup() -> None:
    ids = find_identifiers("wechat: abcdef1 then WeChat: ABCDEF1 then +44 7911 123456")
    assert ids[0] == Identifier("wechat", "abcdef1")
    assert [i.kind for i in ids].count("wechat") == 1


def test_normalise_and_errors() -> None:
    assert normalise("phone", "(0)20 7946 0958", region="GB") == "+442079460958"
    assert normalise("telegram", "@Some_User") == "some_user"
    assert normalise("profile_url", "WWW.Instagram.com/Foo/") == "https://instagram.com/foo"
    with pytest.raises(InputError):
        normalise("phone", "12")
    with pytest.raises(InputError):
        normalise("wallet", "0x123")
    with pytest.raises(InputError):
        normalise("fax", "1")


def test_hostile_long_input_is_bounded() -> None:
    text = "a" * 500_000 + "@" + "b." * 100_000
    assert isinstance(find_identifiers(text), list)


def test_email_ends_at_the_sentence_full_stop() -> None:
    from wildtrace.extract.identifiers import find_identifiers

    found = find_identifiers("Contact x@example.com. Posted yesterday")
    assert [(i.kind, i.value) for i in found] == [("email", "x@example.com")]
