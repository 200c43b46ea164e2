"""Where a listing stands in the value chain: what form the product is in, and who the
poster is to it.

Markets for wildlife products run from poachers' raw material through workshops to
retail and medicine, and enforcement differs by step: "a quarter of advertisements ...
are of raw or half-finished materials" (raw stock means a supply line, not a
souvenir), and "agents forwarding product information" post goods they do not hold.
Two labels are read from the text of each listing, in the trade's languages:

* **product form**: ``live`` (animals), ``raw`` (whole tusks, skins, scales, dried
  parts), ``semi-worked`` (blanks, blocks, slabs, cut pieces), ``finished`` (carvings,
  jewellery, leather goods), ``derivative`` (powders, wines, bile, medicines, oils);
* **seller role**: ``dealer`` (own stock, wholesale), ``agent`` (resells or forwards for
  others, takes orders), ``collector`` (sells a personal or inherited collection),
  ``buyer`` (wants to buy).

Each label is the one with the most weighted cue words; ``""`` when no cue is found
(an unknown is kept unknown, never defaulted). The cues found are returned so that an
analyst sees why. Rules, not a model: there is no labelled corpus of value-chain
positions to learn from, and cue words are what analysts themselves read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

VERSION = "1"
FORMS = ("live", "raw", "semi-worked", "finished", "derivative")
ROLES = ("dealer", "agent", "collector", "buyer")
MAX_TEXT = 20_000

# (label, weight, cues). Latin-script cues match as whole words; cues in scripts written
# without spaces (Chinese, Thai) match anywhere. Weight 2 for cues that name the form or
# role outright ("semi-finished", "收购"), 1 for those that only suggest it.
_FORM_CUES: tuple[tuple[str, int, str], ...] = (
    ("live", 2, "live|alive|living|captive bred|captive-bred|breeding pair|hatchling|"
                "hatchlings|cub|cubs|chick|chicks|juvenile|baby|babies|pet|pets|"
                "còn sống|con giống|hàng sống|活体|活的|幼崽|幼体|苗子|一对种|ตัวเป็น|มีชีวิต|"
                "ลูกนก|hidup|anakan|bayi|vivo|viva|vivos|filhote|filhotes|cachorro|vivant"),
    ("raw", 2, "raw|unprocessed|uncut|unworked|whole tusk|whole tusks|whole horn|"
               "whole skin|raw material|rough|thô|nguyên liệu|nguyên chiếc|nguyên con|"
               "nguyên cái|原料|原牙|原材料|整支|整根|整张|毛料|生料|ดิบ|วัตถุดิบ|mentah|"
               "utuh|bahan baku|crudo|en bruto|bruto|brut"),
    ("raw", 1, "tusk|tusks|skin|skins|hide|hides|pelt|pelts|scales|scale|bones|bone|"
               "skull|skulls|shell|shells|horn|horns|claws|teeth|dried|kg|kilo|kilos|"
               "ngà|vảy|xương|sừng|da|móng|khô|象牙|鳞片|骨|皮|角|甲片|งา|เกล็ด|กระดูก|หนัง|"
               "gading|sisik|tulang|kulit|tanduk|kering|colmillo|piel|escamas|presa"),
    ("semi-worked", 2, "semi-finished|semi finished|half-finished|half finished|semi-worked|"
                       "blank|blanks|block|blocks|slab|slabs|cut pieces|cut piece|offcuts|"
                       "cylinder|cylinders|bán thành phẩm|phôi|半成品|料子|方料|片料|毛坯|"
                       "边角料|กึ่งสำเร็จรูป|setengah jadi|semielaborado|"
                       "semi-acabado|semiacabado|semi-worked pieces"),
    ("finished", 2, "carved|carving|carvings|bracelet|bracelets|bangle|bangles|pendant|"
                    "pendants|necklace|necklaces|figurine|figurines|statue|statues|"
                    "chopsticks|beads|bead|rings|comb|combs|netsuke|handbag|handbags|"
                    "boots|belt|belts|wallet|wallets|jewelry|jewellery|amulet|amulets|"
                    "chess set|brush set|card case|piano keys|vòng tay|vòng|mặt dây|"
                    "tượng|nhẫn|chạm khắc|đũa|lược|手镯|手鐲|吊坠|吊墜|雕刻|摆件|擺件|手串|念珠|"
                    "佛珠|筷子|项链|項鍊|印章|工艺品|工藝品|กำไล|จี้|แกะสลัก|พระเครื่อง|gelang|"
                    "liontin|ukiran|cincin|kalung|pulsera|collar|anillo|estatua|tallado|"
                    "pulseira|colar|escultura|statuette|bijou|sculpté"),
    ("derivative", 2, "powder|medicine|medicinal|wine|oil|bile|capsule|capsules|pill|"
                      "pills|ointment|balm|extract|tonic|paste|tincture|bột|rượu|"
                      "thuốc|dầu|cao hổ|cao xương|mật gấu|粉|酒|胆|膽|药|藥|膏|胶|油|ผง|ยา|น้ำมัน|"
                      "bubuk|obat|minyak|"
                      "serbuk|salep|polvo|medicina|vino|aceite|pó|remédio|óleo|poudre"),
)
_ROLE_CUES: tuple[tuple[str, int, str], ...] = (
    ("buyer", 3, "wanted|want to buy|wtb|looking for|buying|we buy|i buy|will buy|cash paid|"
                 "seeking|need to buy|cần mua|thu mua|tìm mua|mua lại|收购|收購|求购|求購|"
                 "高价回收|回收|รับซื้อ|ต้องการซื้อ|dicari|cari|beli|compro|busco|"
                 "procuro|compramos|achète|recherche"),
    ("agent", 2, "on behalf of|for a friend|for my friend|forwarding|forward|commission|"
                 "pre-order|preorder|pre order|can source|sourcing|agent|middleman|broker|"
                 "order from|drop ship|dropship|nhận order|hàng order|đặt hàng|ship hộ|"
                 "bán hộ|bán giùm|代购|代購|代理|帮朋友|幫朋友|转发|轉發|接单|接單|代发|代發|"
                 "รับพรีออเดอร์|พรีออเดอร์|ฝากขาย|jasa titip|jastip|titipan|dropshipper|"
                 "reseller|por encargo|encomenda|de um amigo"),
    ("collector", 2, "my collection|collection|collector|collectors|inherited|heirloom|"
                     "grandfather|grandmother|family piece|estate sale|downsizing|"
                     "sưu tầm|bộ sưu tập|gia truyền|của ông|收藏|藏品|祖传|祖傳|家传|家傳|"
                     "สะสม|มรดก|koleksi|warisan|colección|coleccionista|herencia|coleção|"
                     "herança|héritage"),
    ("dealer", 2, "in stock|wholesale|bulk|supplier|suppliers|factory|ready stock|"
                  "large quantity|any quantity|retail and wholesale|we sell|our shop|"
                  "our store|reseller price|sỉ|bán buôn|bán sỉ|có sẵn|số lượng lớn|"
                  "批发|批發|现货|現貨|货源|貨源|大量|厂家|廠家|ขายส่ง|มีของพร้อมส่ง|"
                  "grosir|stok|stock banyak|mayorista|al por mayor|atacado|grossiste"),
)


@dataclass(frozen=True, slots=True)
class Position:
    """A listing's value-chain position and the words it was read from."""

    form: str
    role: str
    cues: tuple[str, ...]


_SPACELESS = re.compile(r"[\u0e00-\u0e7f\u3000-\u9fff\uac00-\ud7a3]")


def _compile(cues: str) -> re.Pattern[str]:
    words = sorted(set(cues.split("|")), key=len, reverse=True)
    latin = [re.escape(w) for w in words if not _SPACELESS.search(w)]
    other = [re.escape(w) for w in words if _SPACELESS.search(w)]
    parts = []
    if latin:
        parts.append(r"(?<!\w)(?:" + "|".join(latin) + r")(?!\w)")
    if other:
        parts.append("(?:" + "|".join(other) + ")")
    return re.compile("|".join(parts), re.IGNORECASE)


@lru_cache(maxsize=1)
def _patterns() -> tuple[list[tuple[str, int, re.Pattern[str]]],
                         list[tuple[str, int, re.Pattern[str]]]]:
    return ([(label, w, _compile(c)) for label, w, c in _FORM_CUES],
            [(label, w, _compile(c)) for label, w, c in _ROLE_CUES])


def _best(text: str, patterns: list[tuple[str, int, re.Pattern[str]]],
          order: tuple[str, ...]) -> tuple[str, list[str]]:
    scores: dict[str, int] = {}
    found: list[str] = []
    for label, weight, pattern in patterns:
        for m in pattern.finditer(text):
            scores[label] = scores.get(label, 0) + weight
            cue = f"{label}:{m.group(0).lower()}"
            if cue not in found:
                found.append(cue)
    if not scores:
        return "", []
    # Ties go to the label earlier in ``order`` (the more specific reading: a "carved
    # tusk" that also says "tusk" is finished because "carved" names it outright).
    top = max(scores.values())
    label = next(x for x in order if scores.get(x) == top)
    return label, found


def position(text: str) -> Position:
    """The product form and seller role that ``text`` (title and description) shows."""
    text = text[:MAX_TEXT]
    forms, roles = _patterns()
    form, form_cues = _best(text, forms, ("derivative", "live", "semi-worked", "finished",
                                          "raw"))
    role, role_cues = _best(text, roles, ("buyer", "agent", "collector", "dealer"))
    return Position(form, role, tuple(form_cues + role_cues))
