"""Import that never loses or garbles: legacy encodings decoded (or refused), malformed
JSON and bad bytes as row errors with the good rows kept, and a file cut mid-row
reported rather than stored."""

from __future__ import annotations

import json
import random
import unicodedata
from pathlib import Path

import pytest

from wildtrace.collect.importer import import_file
from wildtrace.errors import FormatError
from wildtrace.workspace import Workspace

# Real listing text in each language, as sellers write it.
LISTINGS = {
    "gb18030": [("象牙手镯 纯天然老料", "正品保证 微信联系 可小刀"),
                ("穿山甲鳞片 中药材", "野生 货源稳定 量大从优"),
                ("犀牛角杯 老物件", "收藏级 私聊")],
    "big5": [("象牙手鐲 純天然老料", "正品保證 微信聯繫 可小刀"),
             ("穿山甲鱗片 中藥材", "野生 貨源穩定 量大從優"),
             ("犀牛角杯 老物件", "收藏級 私聊")],
    "shift_jis": [("象牙の印鑑 本象牙 未使用", "美品です。即購入可能。"),
                  ("鼈甲のかんざし 昭和レトロ", "祖母の遺品整理で出てきました"),
                  ("べっ甲 帯留め", "状態は写真でご確認ください")],
    "euc_kr": [("상아 도장 미사용", "정품입니다 직거래 가능합니다"),
               ("거북이 등껍질 공예품", "할머니 유품 정리 중입니다"),
               ("천산갑 비늘 한약재", "카톡으로 연락 주세요")],
    "cp1258": [("Vòng tay ngà voi thật", "Hàng chuẩn, liên hệ Zalo để mua"),
               ("Vảy tê tê nguyên chất", "Bán sỉ và lẻ, giao hàng toàn quốc"),
               ("Sừng tê giác cắt lát", "Cam kết hàng thật, bao kiểm định")],
    "cp1251": [("Браслет из слоновой кости", "Натуральная кость, старинная работа"),
               ("Чешуя панголина", "Доставка по всей России, оптом дешевле"),
               ("Рог носорога", "Только для серьёзных покупателей")],
    "cp1256": [("سوار من العاج الطبيعي", "قطعة أصلية قديمة للتواصل عبر الواتساب"),
               ("قشور آكل النمل الحرشفي", "متوفر بكميات كبيرة والتوصيل لجميع المدن"),
               ("قرن وحيد القرن", "للجادين فقط السعر قابل للتفاوض")],
}
_TONES = "\u0300\u0301\u0303\u0309\u0323"


def _cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: vowel letters precomposed, tone marks
    as combining characters after them."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            tones = "".join(m for m in parts[1:] if m in _TONES)
            base = unicodedata.normalize("NFC", parts[0] + "".join(
                m for m in parts[1:] if m not in _TONES))
            out += base.encode("cp1258") + tones.encode("cp1258")
    return out


def _csv(rows: list[tuple[str, str]]) -> str:
    return "title,description,price\n" + "".join(f'{t},"{d}",100\n' for t, d in rows)


def _titles(ws: Workspace) -> list[tuple[str, str]]:
    return [(x.title, x.description) for x in ws.store.iter_listings()]


@pytest.mark.parametrize("codec", sorted(LISTINGS))
def test_legacy_code_pages_are_detected_and_decoded(ws: Workspace, tmp_path: Path,
                                                    codec: str) -> None:
    text = _csv(LISTINGS[codec])
    f = tmp_path / f"{codec}.csv"
    f.write_bytes(_cp1258(text) if codec == "cp1258" else text.encode(codec))
    res = import_file(ws.store, f)
    assert (res.imported, res.errors) == (3, [])
    assert _titles(ws) == LISTINGS[codec]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_utf16_with_or_without_bom(ws: Workspace, tmp_path: Path, codec: str) -> None:
    rows = LISTINGS["gb18030"][:1] + LISTINGS["cp1251"][:1] + LISTINGS["cp1256"][:1]
    f = tmp_path / "u.csv"
    f.write_bytes(_csv(rows).encode(codec))
    res = import_file(ws.store, f)
    assert (res.imported, res.errors) == (3, [])
    assert _titles(ws) == rows


def test_undecidable_bytes_are_refused_not_guessed(ws: Workspace, tmp_path: Path) -> None:
    rng = random.Random(7)
    f = tmp_path / "noise.csv"
    f.write_bytes(b"title,description\n" + bytes(rng.randrange(0x80, 0x100)
                                                 for _ in range(3000)) + b"\n")
    with pytest.raises(FormatError, match="cannot tell the text encoding") as err:
        import_file(ws.store, f)
    assert str(f) in str(err.value) and "iconv" in str(err.value)
    assert ws.store.count_listings() == 0


def test_bad_utf8_in_one_row_is_that_rows_error(ws: Workspace, tmp_path: Path) -> None:
    good = "".join(f"象牙 {i},正品 {i}\n" for i in range(30)).encode()
    f = tmp_path / "mixed.csv"
    f.write_bytes(b"title,description\n" + good + b"bad \xff\xfe row,x\n" + "尾,末\n".encode())
    res = import_file(ws.store, f)
    assert res.imported == 31
    assert [(e.row, "not valid utf-8" in e.reason) for e in res.errors] == [(32, True)]
    assert all("\ufffd" not in t and "ÿ" not in t for t, _ in _titles(ws))


def _jsonl(tmp_path: Path, *lines: str | bytes) -> Path:
    f = tmp_path / "rows.jsonl"
    f.write_bytes(b"\n".join(x if isinstance(x, bytes) else x.encode() for x in lines) + b"\n")
    return f


def test_malformed_json_lines_are_row_errors_and_good_rows_stay(ws: Workspace,
                                                                tmp_path: Path) -> None:
    good = json.dumps({"title": "ivory bangle", "description": "象牙手镯 纯天然老料 正品保证 "
                       "微信联系 可小刀 穿山甲鳞片", "price": "-5"}, ensure_ascii=False)
    f = _jsonl(tmp_path, good,
               '{"title": "deep", "x": ' + "[" * 5000 + "]" * 5000 + "}",
               '{"title": "huge int", "n": ' + "9" * 100_000 + "}",
               '{"title": "huge float", "n": 1e999999}',
               '{"title": "inf", "n": Infinity}',
               "[1, 2]", '"just a string"', "42", "null",
               b'{"title": "bad \xff bytes"}',
               '{"title": "lone \\ud800 surrogate"}',
               '{"title": "deep but fine", "x": ' + "[" * 40 + "]" * 40 + "}",
               json.dumps({"title": "nan is missing", "n": float("nan")}),
               json.dumps({"title": "pangolin scales", "n": 10 ** 50}))
    res = import_file(ws.store, f)
    reasons = {e.row: e.reason for e in res.errors}
    assert sorted(reasons) == list(range(2, 12))
    assert "nested deeper" in reasons[2] and "digits" in reasons[3]
    assert "out of range" in reasons[4] and "out of range" in reasons[5]
    assert "expected a JSON object" in reasons[6] and "not valid utf-8" in reasons[10]
    assert "surrogate" in reasons[11]
    assert [t for t, _ in _titles(ws)] == ["ivory bangle", "deep but fine", "nan is missing",
                                          "pangolin scales"]


def test_a_csv_cut_mid_row_is_reported_not_stored(ws: Workspace, tmp_path: Path) -> None:
    f = tmp_path / "cut.csv"
    f.write_text("title,description,price\nfirst,fine,1\nsecond,cut off he", encoding="utf-8")
    res = import_file(ws.store, f)
    assert res.imported == 1 and res.errors[0].row == 3
    assert "cut off" in res.errors[0].reason and "truncated" in res.errors[0].reason
    g = tmp_path / "cut2.csv"
    g.write_text('title,description\nfirst,"fine"\nsecond,"a quoted field\nover lines, cut\n',
                 encoding="utf-8")
    res = import_file(ws.store, g)
    assert res.imported == 1 and res.errors[0].row == 3
    assert "unclosed quote" in res.errors[0].reason


def test_a_whole_last_row_without_newline_is_kept(ws: Workspace, tmp_path: Path) -> None:
    f = tmp_path / "whole.csv"
    f.write_text('title,description\nscreen,5" display\nlast,"row, whole"', encoding="utf-8")
    res = import_file(ws.store, f)
    assert (res.imported, res.errors) == (2, [])


def test_a_jsonl_cut_mid_line_is_reported(ws: Workspace, tmp_path: Path) -> None:
    f = tmp_path / "cut.jsonl"
    f.write_text('{"title": "whole"}\n{"title": "cut of', encoding="utf-8")
    res = import_file(ws.store, f)
    assert res.imported == 1 and res.errors[0].row == 2
    assert "truncated" in res.errors[0].reason


def test_an_impossible_price_is_kept_as_written(ws: Workspace, tmp_path: Path) -> None:
    f = tmp_path / "p.csv"
    f.write_text('title,price\nivory,"12,000,000,000,000,000,000 USD"\nhorn,12.5 EUR\n',
                 encoding="utf-8")
    assert import_file(ws.store, f).imported == 2
    first, second = ws.store.iter_listings()
    assert first.price is None
    assert first.extra["price_as_written"] == "12,000,000,000,000,000,000 USD"
    assert second.price is not None


def test_a_cut_utf16_file_is_an_input_error(ws: Workspace, tmp_path: Path) -> None:
    f = tmp_path / "cut16.csv"
    f.write_bytes(_csv(LISTINGS["cp1251"]).encode("utf-16")[:-1])  # cut mid code unit
    with pytest.raises(FormatError, match="cannot decode the file as utf-16-le"):
        import_file(ws.store, f)
