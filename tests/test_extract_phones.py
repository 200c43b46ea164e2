"""Phone numbers the way adverts write them: national forms resolved by what the page
says, any separator, spelled out, any digit script; and what only looks like one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wildtrace.extract.identifiers import find_identifiers
from wildtrace.extract.phones import find_phones, region_hints

DATA = Path(__file__).parent / "data" / "phones"


def e164s(text: str, **context: str) -> list[str]:
    return [p.e164 for p in find_phones(text, **context)]


def _adverts(name: str, split: str) -> list[dict[str, object]]:
    rows = [json.loads(ln) for ln in (DATA / name).read_text(encoding="utf-8").splitlines()
            if ln.strip()]
    return [r for r in rows if r["split"] == split]


@pytest.mark.parametrize(("name", "split"), [("adverts.jsonl", "heldout"),
                                             ("adverts_heldout2.jsonl", "heldout2")])
def test_held_out_adverts_reach_the_target(name: str, split: str) -> None:
    tp = fp = fn = 0
    for r in _adverts(name, split):
        got = {i.value for i in find_identifiers(str(r["text"]), url=str(r["url"]),
                                                 location=str(r["location"]))
               if i.kind == "phone"}
        want = set(r["phones"])  # type: ignore[call-overload]
        tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
    assert tp + fn >= 49
    assert tp / (tp + fp) >= 0.9 and tp / (tp + fn) >= 0.9, (tp, fp, fn)


def test_gcash_number_is_philippine() -> None:
    assert e164s("Pangolin scales, pay via GCash 09171234567 only") == ["+639171234567"]
    found = {(i.kind, i.value) for i in find_identifiers("GCash 0917-123-4567")}
    assert ("gcash", "+639171234567") in found and ("phone", "+639171234567") in found


def test_region_from_the_page() -> None:
    # The same national digits belong to the country the page points to.
    assert e164s("call 0912 345 678", location="Taipei") == ["+886912345678"]
    assert e164s("call 0912 345 678", url="https://www.chotot.com/ha-noi/1.htm") == \
        ["+84912345678"]
    assert e164s("Phone 03 9699 1047", url="https://www.gumtree.com.au/s-ad/1") == \
        ["+61396991047"]
    # A city in the subdomain, a national app, a currency in the text.
    assert e164s("call 0803 123 4567", url="https://lagos.example.com/ad/1") == \
        ["+2348031234567"]
    assert e164s("M-Pesa 0712 345 678") == ["+254712345678"]
    assert e164s("Bei TSh 500,000, simu 0754 123 456") == ["+255754123456"]
    hints = region_hints("Zalo 0912", url="https://x.co.th/a", location="Hà Nội")
    assert hints["VN"] > hints["TH"]  # the location field outranks the URL


def test_english_text_without_other_hints() -> None:
    # Only the language says where: the English-writing country whose own grouping the
    # digits keep wins, a tie between two such countries gives nothing.
    assert e164s("Phone 03 9699 1047") == ["+61396991047"]
    assert e164s("Call 0722 123 456") == ["+254722123456"]
    assert e164s("Mob: 0803 123 4567") == ["+2348031234567"]
    assert e164s("Call 0772 123456") == []  # Kenyan or Ugandan
    assert e164s("lot 5566778899 since 1998-2004") == []


def test_nothing_guessed_when_the_page_does_not_say() -> None:
    # Vietnamese or Taiwanese grouping, and nothing on the page tells which.
    assert e164s("call 0912 345 678") == []
    # North American grouping is unambiguous in Latin-script text.
    assert e164s("call 646-389-3950") == ["+16463893950"]


@pytest.mark.parametrize(("text", "context", "want"), [
    ("646/389/39Five Zero", {}, "+16463893950"),
    ("Zalo không chín một hai ba bốn năm sáu bảy tám", {}, "+84912345678"),
    ("WA nol delapan satu dua tiga empat lima enam tujuh delapan sembilan nol", {},
     "+6281234567890"),
    ("call oh seven nine double one one two three four five six", {"location": "London"},
     "+447911123456"),
    ("电话 一三八 零零一三 八零零零", {}, "+8613800138000"),
    ("高价收购 电话 壹叁捌 零零壹叁 捌零零零", {}, "+8613800138000"),
    ("โทร ศูนย์ เก้า หนึ่ง สอง สาม สี่ ห้า หก เจ็ด แปด", {}, "+66912345678"),
    ("โทร ๐๘๑-๒๓๔-๕๖๗๘", {}, "+66812345678"),
    ("Tel：０９１２３４５６７８ Hà Nội", {}, "+84912345678"),
    ("اتصل ٠٥٠١٢٣٤٥٦٧ دبي", {}, "+971501234567"),
    ("ទូរស័ព្ទ ០១២ ៣៤៥ ៦៧៨", {"location": "Phnom Penh"}, "+85512345678"),
    ("Sđt: 0 9 1 2 3 4 5 6 7 8", {"location": "Hanoi"}, "+84912345678"),
    ("SĐT0912345678", {"location": "Hanoi"}, "+84912345678"),
    ("+84 (0) 987 654 321", {}, "+84987654321"),
    ("0084 912 345 678", {}, "+84912345678"),
    ("+44 (0)20 7946 0958", {}, "+442079460958"),
    ("WA: 628123456789", {}, "+628123456789"),
])
def test_written_forms(text: str, context: dict[str, str], want: str) -> None:
    assert e164s(text, **context) == [want]


def test_repeated_numbers_collapse_and_neighbours_split() -> None:
    text = "LH 0912345678 hoặc 0912 345 678 hoặc 0912.345.678 - 0987 654 321"
    assert e164s(text, location="Hà Nội") == ["+84912345678", "+84987654321"]


@pytest.mark.parametrize("text", [
    "Giá 1.200.000đ, mã đơn 0912345678",
    "Harga Rp 12.500.000 nego, kode pos 12345",
    "IBAN DE89 3704 0044 0532 0130 00, invoice 2024-000123",
    "Order #20240315001 shipped 2024-03-15, SKU 884512345678",
    "Item no. 1234567890, posted 15.03.2024 12:30, ISBN 978-3-16-148410-0",
    "价格 ¥12800 元，订单号 202403150012345",
    "Tracking: 1Z999AA10123456784, https://example.com/item/0912345678",
    "ราคา 25,000 บาท รหัสสินค้า 1234567",
])
def test_digits_that_are_not_phones(text: str) -> None:
    assert e164s(text, location="Hà Nội") == []


def test_bank_account_is_not_read_as_a_phone() -> None:
    found = find_identifiers("Chuyển khoản STK 0912345678 Vietcombank. Zalo 0987 654 321")
    assert ("bank_account", "vietcombank:0912345678") in {(i.kind, i.value) for i in found}
    assert [i.value for i in found if i.kind == "phone"] == ["+84987654321"]


def test_app_labels_attach_to_their_own_number() -> None:
    found = {(i.kind, i.value) for i in find_identifiers(
        "Zalo: 0912 345 678, Viber 0987654321, Signal +447911123456")}
    assert ("zalo", "+84912345678") in found and ("viber", "+84987654321") in found
    assert ("zalo", "+84987654321") not in found and ("signal", "+447911123456") in found


def test_hostile_text_is_bounded() -> None:
    # A page of digit soup and digit words stays linear and finds nothing invented.
    soup = ("1-2-3-4-5-6-7-8-9-0 " * 3000) + ("zero one two " * 3000)
    assert len(find_phones(soup)) < 50
