"""Payment traces: found after their labels, normalised, and checked where the format
has a checksum, so a typo or an invented number never links two sellers."""

from __future__ import annotations

import pytest

from wildtrace.errors import InputError
from wildtrace.extract.identifiers import find_identifiers, normalise
from wildtrace.extract.payments import cnpj_ok, cpf_ok, find_payments, iban_ok


def found(text: str) -> set[tuple[str, str]]:
    return {(i.kind, i.value) for i in find_identifiers(text)}


def test_iban_checksum_and_length() -> None:
    assert iban_ok("GB29 NWBK 6016 1331 9268 19") and iban_ok("DE89370400440532013000")
    assert not iban_ok("DE89370400440532013001")  # one digit changed
    assert not iban_ok("GB29NWBK601613319268")  # too short for GB
    got = found("IBAN GB29 NWBK 6016 1331 9268 19 or DE89 3704 0044 0532 0130 01")
    assert ("iban", "GB29NWBK60161331926819") in got
    assert not any(v.startswith("DE89") for _, v in got)
    with pytest.raises(InputError):
        normalise("iban", "DE89370400440532013001")


def test_cpf_and_cnpj_check_digits() -> None:
    assert cpf_ok("123.456.789-09") and not cpf_ok("123.456.789-00")
    assert not cpf_ok("111.111.111-11")  # all one digit: a placeholder, not a person
    assert cnpj_ok("11.222.333/0001-81") and not cnpj_ok("11.222.333/0001-82")


def test_pix_keys() -> None:
    got = found("Pix CPF 123.456.789-09 ou chave pix a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
                ", Pix: vendas@example.com.br, pix +55 21 99876-5432, pix 11.222.333/0001-81")
    assert {("pix", "cpf:12345678909"), ("pix", "key:a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"),
            ("pix", "email:vendas@example.com.br"), ("pix", "phone:+5521998765432"),
            ("pix", "cnpj:11222333000181")} <= got
    assert not any(k == "pix" for k, _ in found("Pix CPF 123.456.789-00"))


def test_bank_accounts_keyed_by_label_with_bank_name() -> None:
    assert ("bank_account", "vietcombank:0071001234567") in found(
        "STK 0071001234567 Vietcombank, chủ TK Nguyen Van A")
    assert ("bank_account", "bca:8720123456") in found("Rekening BCA 8720123456 a.n. Budi")
    assert ("bank_account", "icbc:6222021234567890123") in found(
        "工商银行 账号 6222 0212 3456 7890 123")
    assert ("bank_account", "kasikorn:1234567890") in found("กสิกร เลขบัญชี 123-4-56789-0")
    # Digits without an account label are no bank account; a word that merely begins
    # like a label ("Contact") is no label.
    assert not any(k == "bank_account" for k, _ in found("Vietcombank hotline 1900545413"))
    assert not any(k == "bank_account" for k, _ in found("Contact 0917 555 1234"))


def test_wallet_apps_and_handles() -> None:
    got = found("paypal.me/IvoryKing or PayPal: Seller.One@gmail.com. Venmo @horn-dealer22,"
                " Cash App $TigerTooth. 支付宝: 13800138000, 微信支付 wxid_abc123."
                " UPI: ivoryseller@okaxis, GCash 0917 123 4567")
    assert {("paypal", "ivoryking"), ("paypal", "seller.one@gmail.com"),
            ("venmo", "horn-dealer22"), ("cashapp", "$tigertooth"),
            ("alipay", "+8613800138000"), ("wechat_pay", "wxid_abc123"),
            ("upi", "ivoryseller@okaxis"), ("gcash", "+639171234567")} <= got
    # A dollar amount or a price word is no cashtag; an e-mail is no UPI handle.
    assert not any(k == "cashapp" for k, _ in found("Cash App accepted, price $250 or $ 300"))
    assert not any(k == "upi" for k, _ in found("mail me at seller@gmail.com"))


def test_more_chains() -> None:
    got = found("LTC LTdsVS8VDw6syvfQADdhf2PHAm3rMGJvPX, XMR "
                "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt"
                "7f2wfn3RVGQBEP3A, USDT TRC20 TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t, USDT ERC20 "
                "0xdAC17F958D2ee523a2206206994597C13D831ec7")
    assert ("wallet", "ltc:LTdsVS8VDw6syvfQADdhf2PHAm3rMGJvPX") in got
    assert any(v.startswith("xmr:44AFF") for k, v in got if k == "wallet")
    assert ("wallet", "tron:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t") in got
    assert ("wallet", "eth:0xdac17f958d2ee523a2206206994597c13d831ec7") in got
    # One changed character breaks the Litecoin checksum.
    assert not any(k == "wallet" for k, _ in found("LTC LTdsVS8VDw6syvfQADdhf2PHAm3rMGJvPY"))


def test_messengers() -> None:
    got = found("Zalo: 0912 345 678 | zalo.me/84987654321 | KakaoTalk ID: hornseller | "
                "카톡 ivory_kr | Viber +84 91 111 2222 | LINE ID: thai.amulet | QQ 123456789")
    assert {("zalo", "+84912345678"), ("zalo", "+84987654321"), ("kakaotalk", "hornseller"),
            ("kakaotalk", "ivory_kr"), ("viber", "+84911112222"), ("line", "thai.amulet"),
            ("qq", "123456789")} <= got


def test_traces_keep_their_offsets_in_order() -> None:
    traces = find_payments("a IBAN GB29 NWBK 6016 1331 9268 19 then paypal.me/x_y")
    assert [t.kind for t in traces] == ["iban", "paypal"]
    assert traces[0].start < traces[1].start


def test_hostile_payment_text_is_linear() -> None:
    # Labels without values, and values without labels, repeated: nothing invented.
    text = ("STK Vietcombank paypal venmo cash app pix gcash alipay 支付宝 " * 2000
            + "GB00 " * 2000)
    assert find_payments(text[:100_000]) == []
