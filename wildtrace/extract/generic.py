"""Generic extraction, the last resort: main text and labelled values in any layout.

The main text is the block whose paragraphs carry the most text (a light version of
the readability idea: group text-bearing blocks by their parent, skip navigation, pick
the parent with the most text). Prices, quantities, sellers, locations and dates come
from labels written in the languages the trade uses, and from common URL shapes for
profile pages.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree

from wildtrace.extract import prices
from wildtrace.extract.html import lines_of, text_of

Found = dict[str, tuple[Any, str]]
_SKIP_TAGS = {"nav", "header", "footer", "aside", "form", "script", "style", "noscript",
              "select", "button", "template"}
_SKIP_HINT = re.compile(r"nav|menu|footer|header|sidebar|breadcrumb|cookie|banner|related|"
                        r"comment-form|share|social-links|pagination", re.IGNORECASE)
_BLOCKS = ("p", "div", "li", "td", "blockquote", "pre", "dd", "section", "article", "span")
_LABEL_END = r"\s*[:：]\s*"
_SELLER_LABELS = (r"seller|sold by|posted by|vendor|vendeur|vendedor|verkäufer|penjual|"
                  r"người bán|người đăng|卖家|賣家|发布者|發布者|店主|author|ผู้ขาย|판매자|"
                  r"出品者|anbieter|продавец|venditore|penjual|pemilik toko")
_LOCATION_LABELS = (r"location|located in|ships from|lieu|localisation|ubicación|"
                    r"localização|standort|lokasi|địa chỉ|khu vực|nơi bán|地点|地點|所在地|"
                    r"发货地|位置|ที่อยู่|จังหวัด|지역|発送元の地域|発送元|местоположение|"
                    r"адрес|город|luogo|lokasi penjual")
_POSTED_LABELS = (r"posted|published|listed|date|publié|publicado|veröffentlicht|"
                  r"diposting|ngày đăng|đăng lúc|tin đăng|发布时间|發佈時間|发布于|日期|出品日時|"
                  r"投稿日|등록일|ลงประกาศ|дата|размещено|inserito|dipublikasikan")
_SELLER_HINT = re.compile(r"seller|vendor|merchant|shop-?name|shop_name|store-?name|"
                          r"userprofile|user-?name|sellercard|seller-?info|profile-?name|"
                          r"SellerProfile|author-?name", re.IGNORECASE)
_LOCATION_HINT = re.compile(r"location|locality|address|region|city|hood|item-?address|"
                            r"ad-?location|geo", re.IGNORECASE)
_DATE_HINT = re.compile(r"date|time|posted|timeago|metadata|published", re.IGNORECASE)
_TITLE_HINT = re.compile(r"title", re.IGNORECASE)
_MONTHS = {m: i + 1 for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}
_MDY_WORDS = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+"
                        r"(\d{1,2}),?\s+(20\d\d)\b|\b(\d{1,2})\s+(jan|feb|mar|apr|may|jun|"
                        r"jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s+(20\d\d)\b", re.IGNORECASE)
_QTY = re.compile(
    r"(?:qty|quantity|quantité|cantidad|quantidade|menge|jumlah|số lượng|数量|數量)"
    r"\s*[:：]?\s*(\d{1,6})|(?<![\d.,])(\d{1,6})\s*(?:pcs|pieces|units|items|pairs|sets|"
    r"cái|con|chiếc|cặp|只|件|个|個|条|條|对|對|根)(?!\w)", re.IGNORECASE)
_PRICE_CLASS = re.compile(
    r"price|prix|precio|preco|preço|preis|prezzo|prijs|harga|gia\b|giá|jiage|amount|"
    r"money|cost|tarif|цена|价格|價格|価格|ราคา|가격|fiyat|cena", re.IGNORECASE)
_HINT_ATTRS = ("class", "id", "itemprop", "data-testid", "data-qa-id", "data-q", "name")
_SKIP_TEXT_TAGS = {"script", "style", "noscript", "template", "head", "title", "option",
                   "select", "textarea"}
# Class and id words, tokenised first ("priceOld price--regular" → "price old price
# regular"), so "old" never matches "bold" or "gold" and "ship" never "relationship".
_OLD = re.compile(r"\b(?:old|was|orig\w*|before|regular|compare\w*|list ?price|deleted|"
                  r"previous|strike\w*|crossed|rrp|msrp|retail|market price)\b")
_OLD_WORDS = re.compile(r"(?:\bwas|\bbefore|\bregular|\blist price|\boriginal|\brrp|"
                        r"\bmsrp|giá gốc|giá cũ|原价|原價|定価|参考価格|statt|avant|antes|"
                        r"\bde:|harga asli|ราคาปกติ|정가|старая цена)\W{0,3}$", re.IGNORECASE)
_APPROX = re.compile(r"\bapprox\w*|\babout\b|\bca\.|≈|約|约|khoảng|sekitar|environ|"
                     r"ungefähr|circa|aprox\w*|converted|\bequiv\w*", re.IGNORECASE)
_SAVE = re.compile(r"\byou save|\bsave\b|\bsaving|\bdiscount|\boff\b|tiết kiệm|giảm|节省|"
                   r"省|hemat|ประหยัด|할인|скидка|économisez|ahorra|economize", re.IGNORECASE)
_SHIP = re.compile(r"\bship|\bdeliver|\bpostage|\bfreight|frete|env[ií]o|envoi|versand|"
                   r"\bporto\b|ongkir|ongkos|vận chuyển|phí ship|运费|運費|送料|ค่าส่ง|배송|"
                   r"доставк|penghantaran|livraison|\bfees?\b|\bhandling", re.IGNORECASE)
_INSTALMENT = re.compile(r"\b\d{1,2}\s?x\b|/\s?(?:mo|month|tháng|bulan|月)\b|per month|"
                         r"a month|installment|instalment|parcela|sem juros|cicilan|"
                         r"trả góp|分期|mensualidad|meses|monthly|ผ่อน|할부", re.IGNORECASE)
_RELATED = re.compile(r"\b(?:related|recommend\w*|similar|also|carousel|suggest\w*|"
                      r"upsell|cross ?sell|you may|more from|others|listing tile|product card|"
                      r"search item|result row|user ads|ad similar|ad item)\b")
_BUY = re.compile(r"add to (?:cart|bag|basket)|buy|bid|order|purchase|checkout|comprar|"
                  r"acheter|kaufen|warenkorb|panier|carrinho|cesta|mua|giỏ|购|購|カート|"
                  r"ตะกร้า|ซื้อ|keranjang|beli|troli|장바구니|корзин|купить", re.IGNORECASE)
_BIG = re.compile(r"\b(?:primary|main|current|final|sale|now|large|xl|big)\b")
_PRICE_LABEL = re.compile(r"(?:price|prix|precio|preço|preis|prezzo|harga|giá|gia ban|"
                          r"价格|價格|售价|售價|価格|ราคา|가격|цена|current bid|asking|"
                          r"buy it now)\s*[:：]?\s*$", re.IGNORECASE)
MIN_PRICE_SCORE = 2.0
_PRICE_CUE = re.compile(r"\b(?:price|prix|precio|preço|preis|prezzo|harga|giá|цена|asking|"
                        r"selling|sell|for sale|wts|only|just|offers? (?:over|around)|bán|"
                        r"chỉ|còn|jual|dijual|verkaufe|vendo|vends|продаю|for|at)\b|"
                        r"价|價|価格|ราคา|가격|出售|售|卖|賣|每|ขาย|販売|판매|@", re.IGNORECASE)
PRICE_TEXT = re.compile(
    r"(?:US\$|USD|EUR|GBP|CNY|RMB|VND|HKD|THB|IDR|MYR|Rp\.?|[$€£¥₫฿₹₩₱])\s?\d[\d.,\u00a0 ]*"
    r"(?:\s?(?:k|triệu|tr|juta|万|萬|million|m)\b)?"
    r"|\d[\d.,\u00a0 ]*\s?(?:k|triệu|tr|juta|万|萬)?\s?"
    r"(?:元|块|圆|đ|₫|vnd|vnđ|usd|eur|€|\$|baht|บาท|rmb|rupiah|dong|đồng|euros?|dollars?)"
    r"(?!\w)|\d[\d.,]*\s?(?:juta|triệu)(?!\w)",
    re.IGNORECASE)
_MULTIPLIERS = {"k": 1_000, "triệu": 1_000_000, "tr": 1_000_000, "juta": 1_000_000,
                "万": 10_000,
                "萬": 10_000, "million": 1_000_000, "m": 1_000_000}
_ISO_DATE = re.compile(r"\b(20\d\d|19\d\d)[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ](\d\d:\d\d))?")
_DMY_DATE = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](20\d\d)\b")
_CJK_DATE = re.compile(r"(20\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_LOCATED = re.compile(r"\b(?i:located in|based in|ships from|shipping from)\s+"
                      r"([A-Z][\w'’-]+(?:[ ,]+[A-Z][\w'’-]+){0,3})")
PROFILE_PATH = re.compile(r"/(?:user|users|u|profile|profiles|member|members|seller|"
                           r"sellers|shop|store|people|@)[/=]?([^/?#]{1,80})", re.IGNORECASE)


def _skippable(el: etree._Element) -> bool:
    for anc in el.iterancestors():
        if anc.tag in _SKIP_TAGS or _SKIP_HINT.search(
                f"{anc.get('class', '')} {anc.get('id', '')} {anc.get('role', '')}"):
            return True
    return el.tag in _SKIP_TAGS


def main_block(root: etree._Element) -> etree._Element | None:
    """The element holding the page's main text (see module doc)."""
    totals: dict[etree._Element, int] = {}
    for el in root.iter(*_BLOCKS):
        own = len((el.text or "").strip()) + sum(len((c.tail or "").strip()) for c in el)
        if own < 25:
            continue
        parent = el.getparent()
        if parent is None or _skippable(el):
            continue
        totals[parent] = totals.get(parent, 0) + own
        totals[el] = totals.get(el, 0) + own // 2
    if not totals:
        return None
    return max(totals.items(), key=lambda kv: kv[1])[0]


def parse_price_text(text: str, currency_hint: str = "", url: str = "",
                     language: str = "") -> tuple[float | None, str]:
    """Amount and ISO currency from a price string (see :mod:`wildtrace.extract.prices`),
    with k/triệu/juta/万 multipliers and ``$``/``¥`` told by the page's region."""
    return prices.parse_price(text, currency_hint, url=url, language=language)


def _hint(el: etree._Element) -> str:
    return " ".join(str(el.get(a, "")) for a in _HINT_ATTRS)


def _tok(hint: str) -> str:
    """Class/id words split at separators and camelCase, lower-cased, space-separated."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", hint)
    return " " + " ".join(re.split(r"[^A-Za-z0-9]+", spaced)).lower() + " "


def _ancestors(el: etree._Element, n: int) -> list[etree._Element]:
    out = []
    for anc in el.iterancestors():
        out.append(anc)
        if len(out) >= n:
            break
    return out


def _repeated_card(el: etree._Element, levels: int = 5) -> bool:
    """True when ``el`` sits in one of several like siblings that each show a price: a
    grid of other products (related items, search results), not the page's own offer."""
    node = el
    for anc in _ancestors(el, levels):
        sig = card_signature(node)
        if sig is not None:
            like = [c for c in anc if isinstance(c.tag, str) and card_signature(c) == sig]
            if len(like) >= 3 and sum(1 for c in like[:12] if prices.find_prices(
                    text_of(c)[:300])) >= 3:
                return True
        node = anc
    return False


def card_signature(el: etree._Element) -> tuple[str, str] | None:
    """What makes siblings "alike" as cards of a grid: tag and class. An element with
    an id of its own (``#centerCol``, ``#rightCol``) is a unique part of the page, never
    a card."""
    if el.get("id") and not el.get("class"):
        return None
    return (str(el.tag), str(el.get("class", "")))


_INLINE = frozenset({"span", "sup", "sub", "b", "strong", "small", "i", "em", "ins", "bdi",
                     "font", "u"})


def _price_text(el: etree._Element) -> str:
    """The element's text; a price split over inline tags (``<span>$</span><span>45
    </span><sup>.99</sup>``) is read as written on screen, "$45.99"."""
    text = text_of(el)
    if len(el) and len(text) < 60 and all(
            c.tag in _INLINE for c in el.iterdescendants() if isinstance(c.tag, str)):
        joined = " ".join("".join(el.itertext()).split())
        if joined:
            return joined
    return text


def _before(el: etree._Element, limit: int = 60) -> str:
    """The text just before ``el`` on the page (its earlier siblings', its parents' own
    text), up to ``limit`` characters: where "List Price:" or "Shipping:" is written."""
    out = ""
    node = el
    for _ in range(4):
        parent = node.getparent()
        if parent is None:
            break
        parts = [parent.text or ""]
        for c in parent:
            if c is node:
                break
            if isinstance(c.tag, str) and c.tag not in _SKIP_TEXT_TAGS:
                parts.append(text_of(c))
            parts.append(c.tail or "")
        out = " ".join(" ".join(parts).split()) + " " + out
        if len(out.strip()) >= limit:
            break
        node = parent
    return out.strip()[-limit:]


def _struck(el: etree._Element) -> bool:
    """Marked as struck through by an attribute (``data-a-strike="true"``) or inline
    style: a price the page shows as no longer asked."""
    return any("strike" in str(k).lower() and str(v).lower() not in ("false", "0")
               for k, v in el.attrib.items()) or "line-through" in str(el.get("style", ""))


def _own_price(text: str, found: list[prices.PriceMatch]) -> prices.PriceMatch:
    """The offer's price among several in one element ("Was $80 Now $60", "US $85.00
    US $45.00 -20%"): not one said to be the old price, and of the rest the lowest."""
    marked = [f for f in found if f.marked] or found
    if len(marked) == 1:
        return marked[0]
    fresh = [f for f in marked if not _OLD_WORDS.search(text[max(0, f.start - 25):f.start])
             and not _SAVE.search(text[max(0, f.start - 12):f.start])] or marked
    same = {f.currency for f in fresh}
    return min(fresh, key=lambda f: f.amount) if len(same) == 1 else fresh[0]


def price_candidates(root: etree._Element, url: str = "", language: str = ""
                     ) -> list[tuple[float, float, str, str]]:
    """Scored price candidates ``(score, amount, currency, why)``, best first.

    Each candidate is the smallest element whose text holds a price. Its score adds what
    says "this is the offer's price" (a price word in its class or id in many languages,
    a "Price:" label before it, a currency, closeness to the title and the buy button)
    and takes away what says it is another number: struck-through or "was" prices,
    shipping and fees, instalments, prices of related or listed products, navigation.
    """
    body = root.find("body")
    if body is None:
        return []
    order = {el: i for i, el in enumerate(body.iter())}
    h1 = body.xpath(".//h1")
    title_at = order.get(h1[0], 0) if h1 else 0
    buys = [order[b] for b in body.xpath(".//button|.//a|.//input[@type='submit']")[:400]
            if b in order and _BUY.search(text_of(b)[:60] + " " + str(b.get("value", "")))]
    out: list[tuple[float, float, str, str]] = []
    seen = 0
    for el in body.iter():
        if not isinstance(el.tag, str) or el.tag in _SKIP_TEXT_TAGS:
            continue
        seen += 1
        if seen > 8000:
            break
        text = _price_text(el)
        if not text or len(text) > 120:
            continue
        hint = _hint(el)
        is_price_el = bool(_PRICE_CLASS.search(hint))
        found = prices.find_prices(text, url=url, language=language, bare=is_price_el)
        if not found:
            continue
        marked_here = any(f.marked for f in found)
        if any(f.marked or not marked_here for c in el if isinstance(c.tag, str)
               for f in prices.find_prices(_price_text(c), url=url, language=language,
                                           bare=bool(_PRICE_CLASS.search(_hint(c))))):
            continue  # a child holds the price: score the smallest element
        if not marked_here and any(
                f.marked for a in _ancestors(el, 2) if len(_price_text(a)) <= 60
                for f in prices.find_prices(_price_text(a), url=url, language=language)):
            continue  # "27" of "$27.99" split over spans: the whole is the candidate
        best = _own_price(text, found)
        score, why = 0.0, []
        ancs = _ancestors(el, 4)
        anc_hint = " ".join(_hint(a) for a in ancs)
        if is_price_el:
            score += 3
            why.append("price-class")
        elif _PRICE_CLASS.search(anc_hint):
            score += 2
            why.append("price-class-above")
        if best.marked:
            score += 2
        parent = el.getparent()
        context = f"{_before(el)} {text[:best.start]}"[-60:]
        if _PRICE_LABEL.search(context) and not _OLD_WORDS.search(context):
            score += 3
            why.append("price-label")
        if _APPROX.search(f"{context[-30:]} {text[:best.start]}") or \
                _APPROX.search(_tok(f"{hint} {' '.join(_hint(a) for a in ancs[:2])}")):
            score -= 6
            why.append("converted")
        if el.tag in ("del", "s", "strike") or any(
                a.tag in ("del", "s", "strike") or _struck(a) for a in ancs[:2]) or \
                _struck(el) or _OLD.search(
                _tok(f"{hint} {' '.join(_hint(a) for a in ancs[:2])}")) or _OLD_WORDS.search(
                context):
            score -= 9
            why.append("old-price")
        if el.tag == "ins" or any(a.tag == "ins" for a in ancs[:2]):
            score += 2
        if _SHIP.search(f"{_tok(hint)} {_tok(anc_hint[:200])} {context} {text}"):
            score -= 6
            why.append("shipping")
        if _SAVE.search(f"{context[-25:]} {text[:best.start]}"):
            score -= 5
            why.append("saving")
        around = text_of(parent)[:200] if parent is not None else text
        if _INSTALMENT.search(f"{context} {text}") or _INSTALMENT.search(around) and \
                not is_price_el:
            score -= 6
            why.append("instalment")
        if _skippable(el) or _RELATED.search(_tok(anc_hint)) or _repeated_card(el):
            score -= 5
            why.append("other-items")
        pos = order.get(el, 0)
        if h1 and 0 <= pos - title_at <= 60:
            score += 2
            why.append("near-title")
        elif h1 and pos < title_at:
            score -= 1
        if buys and min(abs(pos - b) for b in buys) <= 40:
            score += 1
            why.append("near-buy")
        if el.tag in ("h2", "h3", "h4", "strong", "b") or _BIG.search(_tok(hint)):
            score += 1
        out.append((score, best.amount, best.currency, ",".join(why) or "price-text"))
    out.sort(key=lambda c: -c[0])
    return out


def choose_price(cands: list[tuple[float, float, str, str]]
                 ) -> tuple[float, str, str] | None:
    """The offer's price from scored candidates, or None when no candidate is credible.
    Two prices side by side with a discount between them ("US $85 US $45 -20%") are an
    old price and a sale price; the lower one is the offer."""
    # Prices of other items (related products, a seller's other ads) are never the offer's.
    good = [c for c in cands if c[0] >= MIN_PRICE_SCORE and "other-items" not in c[3]]
    if not good:
        return None
    top = good[0]
    rivals = [c for c in good[1:3] if c[0] == top[0] and c[2] == top[2]]
    if rivals:
        low = min([top, *rivals], key=lambda c: c[1])
        return low[1], low[2], low[3]
    return top[1], top[2], top[3]


def _labelled(lines: list[str], labels: str, limit: int = 80) -> str:
    pattern = re.compile(r"(?:^|[\s|•·(\[])(?:" + labels + r")" + _LABEL_END +
                         r"([^|•·]{1," + str(limit) + r"})", re.IGNORECASE)
    for i, line in enumerate(lines[:5000]):
        m = pattern.search(line)
        if m:
            return m.group(1).strip(" ,.;-")
        # "Seller:" alone on its line, the value in the next block (a link, a span).
        if re.fullmatch(r"(?:" + labels + r")\s*[:：]?", line, re.IGNORECASE) \
                and i + 1 < len(lines):
            return lines[i + 1][:limit].strip(" ,.;-")
    return ""


def _date(text: str) -> str:
    m = _ISO_DATE.search(text)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if 1 <= mo <= 12 and 1 <= d <= 31:
            return f"{y:04d}-{mo:02d}-{d:02d}" + (f"T{m.group(4)}" if m.group(4) else "")
    m2 = _CJK_DATE.search(text)
    if m2:
        return f"{int(m2.group(1)):04d}-{int(m2.group(2)):02d}-{int(m2.group(3)):02d}"
    m4 = _MDY_WORDS.search(text)
    if m4:
        if m4.group(1):
            mo, d, y = _MONTHS[m4.group(1).lower()], int(m4.group(2)), int(m4.group(3))
        else:
            d, mo, y = int(m4.group(4)), _MONTHS[m4.group(5).lower()], int(m4.group(6))
        if 1 <= d <= 31:
            return f"{y:04d}-{mo:02d}-{d:02d}"
    m3 = _DMY_DATE.search(text)
    if m3:
        d, mo, y = int(m3.group(1)), int(m3.group(2)), int(m3.group(3))
        if 1 <= mo <= 12 and 1 <= d <= 31:
            return f"{y:04d}-{mo:02d}-{d:02d}"
    return ""


def normalise_date(value: str) -> str:
    """An ISO date (and time) from a date written in a common form (or a Unix time, as
    social sites put in ``data-utime``), else the value."""
    v = value.strip()
    if re.fullmatch(r"1\d{9}", v):
        return datetime.fromtimestamp(int(v), UTC).strftime("%Y-%m-%dT%H:%M")
    return _date(v) or v[:40]


def _heading_title(h1: etree._Element) -> str:
    """The title in a heading that also shows price and place ("Lamp - $40 (Austin)"):
    the part marked as the title when there is one, else the heading less its price."""
    for el in h1.iter():
        if el is not h1 and isinstance(el.tag, str) and _TITLE_HINT.search(
                f"{el.get('class', '')} {el.get('id', '')}") and not _PRICE_CLASS.search(
                f"{el.get('class', '')} {el.get('id', '')}"):
            inner = text_of(el)
            if inner and not any(_TITLE_HINT.search(f"{c.get('class', '')} {c.get('id', '')}")
                                 for c in el.iter() if c is not el and isinstance(c.tag, str)):
                return inner
    text = text_of(h1)
    for m in reversed(prices.find_prices(text)):
        if m.start > 0:
            text = text[:m.start].rstrip(" -–—|·,")
    return text


def _hinted(root: etree._Element, pattern: re.Pattern[str], limit: int = 80) -> str:
    """Short text of the first element whose class, id or test id matches ``pattern``
    (a link's text inside it first), outside navigation and other items' cards."""
    for el in root.xpath("//body//*[@class or @id or @data-q or @data-qa-id or "
                         "@data-testid]")[:5000]:
        if not pattern.search(_hint(el)) or _skippable(el) or _RELATED.search(
                _tok(" ".join(_hint(a) for a in _ancestors(el, 4)))):
            continue
        link = next((a for a in el.xpath(".//a") if text_of(a)), None)
        text = text_of(link) if link is not None else text_of(el)
        text = re.sub(r"^[^:：]{1,25}[:：]\s*", "", text).strip(" ()·,")
        if text and len(text) <= limit and not prices.find_prices(text):
            return text
    return ""


def from_generic(root: etree._Element, url: str, language: str = "") -> Found:
    """Listing fields by generic rules."""
    found: Found = {}
    h1 = root.xpath("//h1")
    title = _heading_title(h1[0]) if h1 else ""
    if title:
        found["title"] = (title[:500], "generic:h1")
    else:
        t = root.xpath("//title")
        if t:
            ttl = re.split(r"\s[|–—-]\s", text_of(t[0]))[0].strip()
            if ttl:
                found["title"] = (ttl[:500], "generic:title")
    block = main_block(root)
    body_el = root.find("body")
    main_text = text_of(block) if block is not None else (
        text_of(body_el) if body_el is not None else "")
    if main_text:
        found["description"] = (main_text[:20_000], "generic:main-text")
    lines = lines_of(body_el) if body_el is not None else []
    chosen = choose_price(price_candidates(root, url, language))
    if chosen is not None:
        amount, currency, why = chosen
        rule = "generic:price-element" if "price-class" in why else "generic:price-text"
        found["price"] = (amount, rule)
        if currency:
            found["currency"] = (currency, rule)
    elif len([m for m in prices.find_prices(main_text[:20_000]) if m.marked]) <= 3:
        # Running text with a price or two (a post); many prices are a list of items.
        cued = text_price(main_text, url, language)
        if cued is not None:
            found["price"] = (cued[0], "generic:price-text")
            if cued[1]:
                found["currency"] = (cued[1], "generic:price-text")
    q = _QTY.search(main_text)
    if q:
        found["quantity"] = (q.group(1) or q.group(2), "generic:quantity-text")
    seller = _labelled(lines, _SELLER_LABELS)
    if seller:
        found["seller"] = (seller, "generic:seller-label")
    else:
        seller = _hinted(root, _SELLER_HINT, 60)
        if seller:
            found["seller"] = (seller, "generic:seller-element")
    for a in root.xpath("//a[@href]")[:2000]:
        href = a.get("href", "")
        full = urljoin(url, href)
        if urlsplit(full).netloc != urlsplit(url).netloc:
            continue
        m = PROFILE_PATH.search(urlsplit(full).path)
        if m and not _skippable(a):
            name = text_of(a)
            found.setdefault("seller_url", (full, "generic:profile-link"))
            found.setdefault("seller_handle", (m.group(1).lstrip("@"), "generic:profile-link"))
            if name:
                found.setdefault("seller", (name[:200], "generic:profile-link"))
            break
    location = _labelled(lines, _LOCATION_LABELS)
    hinted_place = "" if location else _hinted(root, _LOCATION_HINT, 60)
    if location:
        found["location"] = (location, "generic:location-label")
    elif hinted_place:
        found["location"] = (hinted_place, "generic:location-element")
    else:
        m = _LOCATED.search(main_text)
        if m:
            found["location"] = (m.group(1).strip(" ,."), "generic:location-phrase")
    times = root.xpath("//time[@datetime]")
    if times:
        found["posted"] = (times[0].get("datetime", "").strip(), "generic:time-element")
    else:
        posted = _labelled(lines, _POSTED_LABELS, 40)
        d = _date(posted) if posted else ""
        dated = "" if d else _date(_hinted(root, _DATE_HINT, 40))
        if d:
            found["posted"] = (d, "generic:posted-label")
        elif dated:
            found["posted"] = (dated, "generic:date-element")
        else:
            # "Posted by someone on 2026-07-14": a date on a line that says posted.
            label = re.compile(_POSTED_LABELS, re.IGNORECASE)
            for i, line in enumerate(lines[:3000]):
                near = " ".join(lines[i:i + 3])
                if label.search(line) and _date(near):
                    found["posted"] = (_date(near), "generic:posted-line")
                    break
    images = []
    scope = block if block is not None else root
    for img in scope.xpath(".//img[@src]")[:60]:
        src = img.get("src", "").strip()
        if not src or src.startswith("data:") or re.search(r"logo|icon|sprite|avatar|pixel",
                                                              src, re.IGNORECASE):
            continue
        images.append(urljoin(url, src))
    if images:
        found["images"] = (images[:20], "generic:main-images")
    return found


def contact_text(root: etree._Element) -> str:
    """tel:, mailto:, WhatsApp, Telegram, LINE and WeChat links, as text for the
    identifier finder (sellers often put contacts only in link targets)."""
    out = []
    # Relative to ``root``: for one post of a thread, only that post's links.
    for a in root.xpath(".//a[@href]")[:3000]:
        href = a.get("href", "")
        low = href.lower()
        if low.startswith(("tel:", "mailto:", "https://wa.me/", "http://wa.me/",
                           "https://api.whatsapp.com/", "https://t.me/", "http://t.me/",
                           "https://line.me/", "weixin:", "whatsapp:")):
            out.append(href)
    return "\n".join(out)


def count_prices(text: str) -> int:
    """How many price-like strings a text holds (many means an index page)."""
    return len(PRICE_TEXT.findall(text[:50_000]))


def text_price(text: str, url: str = "", language: str = ""
               ) -> tuple[float, str] | None:
    """A price written in running text ("Asking 4.500 € for the lot", "每斤价格2500元"):
    the first price right after an offer word, not after shipping or instalment words,
    and none when the text says there is no price before it."""
    for m in prices.find_prices(text[:20_000], url=url, language=language):
        before = text[max(0, m.start - 40):m.start]
        if not m.marked or _SHIP.search(before[-20:]) or _INSTALMENT.search(before[-20:]):
            continue
        if prices.NO_PRICE.search(text[:m.start]):
            return None
        if _PRICE_CUE.search(before):
            return m.amount, m.currency
    return None


def declares_no_price(root: etree._Element) -> bool:
    """True when the page's price element or price label says there is no price ("Price
    on request", "Giá: Liên hệ", "价格：私聊"), or a social post's preview does ("DM for
    price"): an offer without a number."""
    for meta in root.xpath("//meta[@property='og:description' or @name='description']"
                           "/@content")[:3]:
        if prices.NO_PRICE.search(str(meta)[:2000]):
            return True
    for el in root.xpath("//body//*[@class or @id]")[:5000]:
        if _PRICE_CLASS.search(_hint(el)) and not _skippable(el):
            text = text_of(el)[:120]
            if text and prices.NO_PRICE.search(text) and not prices.find_prices(text):
                return True
    return False


def has_price(el: etree._Element) -> bool:
    """True when the element's text shows a price (with its currency or multiplier)."""
    return bool(prices.find_prices(text_of(el)[:300]))
