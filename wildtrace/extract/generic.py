"""Generic extraction, the last resort: main text and labelled values in any layout.

The main text is the block whose paragraphs carry the most text (a light version of
the readability idea: group text-bearing blocks by their parent, skip navigation, pick
the parent with the most text). Prices, quantities, sellers, locations and dates come
from labels written in the languages the trade uses, and from common URL shapes for
profile pages.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree

from wildtrace import money
from wildtrace.extract.html import lines_of, text_of

Found = dict[str, tuple[Any, str]]
_SKIP_TAGS = {"nav", "header", "footer", "aside", "form", "script", "style", "noscript",
              "select", "button", "template"}
_SKIP_HINT = re.compile(r"nav|menu|footer|header|sidebar|breadcrumb|cookie|banner|related|"
                        r"comment-form|share|social-links|pagination", re.IGNORECASE)
_BLOCKS = ("p", "div", "li", "td", "blockquote", "pre", "dd", "section", "article", "span")
_LABEL_END = r"\s*[:：]\s*"
_SELLER_LABELS = (r"seller|sold by|posted by|vendor|vendeur|vendedor|verkäufer|penjual|"
                  r"người bán|người đăng|卖家|賣家|发布者|發布者|店主|author")
_LOCATION_LABELS = (r"location|located in|ships from|lieu|localisation|ubicación|"
                    r"localização|standort|lokasi|địa chỉ|khu vực|nơi bán|地点|地點|所在地|"
                    r"发货地|位置")
_POSTED_LABELS = (r"posted|published|listed|date|publié|publicado|veröffentlicht|"
                  r"diposting|ngày đăng|đăng lúc|发布时间|發佈時間|发布于|日期")
_QTY = re.compile(
    r"(?:qty|quantity|quantité|cantidad|quantidade|menge|jumlah|số lượng|数量|數量)"
    r"\s*[:：]?\s*(\d{1,6})|(?<![\d.,])(\d{1,6})\s*(?:pcs|pieces|units|items|pairs|sets|"
    r"cái|con|chiếc|cặp|只|件|个|個|条|條|对|對|根)(?!\w)", re.IGNORECASE)
_PRICE_CLASS = re.compile(r"price|prix|precio|preco|preis|harga|gia\b|giá|jiage|amount",
                          re.IGNORECASE)
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
_PROFILE_PATH = re.compile(r"/(?:user|users|u|profile|profiles|member|members|seller|"
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


def parse_price_text(text: str, currency_hint: str = "") -> tuple[float | None, str]:
    """Amount and ISO currency from a price string, with k/triệu/万 multipliers."""
    amount, currency = money.parse_price(text, currency_hint)
    if amount is None:
        return None, currency
    low = text.lower()
    for word, factor in _MULTIPLIERS.items():
        if re.search(r"\d\s?" + re.escape(word) + r"(?!\w)", low):
            amount *= factor
            break
    if not currency and re.search(r"triệu|\btr\b", low):
        currency = "VND"
    if not currency and "juta" in low:
        currency = "IDR"
    return amount, currency


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
    m3 = _DMY_DATE.search(text)
    if m3:
        d, mo, y = int(m3.group(1)), int(m3.group(2)), int(m3.group(3))
        if 1 <= mo <= 12 and 1 <= d <= 31:
            return f"{y:04d}-{mo:02d}-{d:02d}"
    return ""


def normalise_date(value: str) -> str:
    """An ISO date (and time) from a date written in a common form, else the value."""
    return _date(value) or value.strip()[:40]


def price_candidates(root: etree._Element) -> list[str]:
    """Texts of elements whose class or id says they hold a price."""
    out = []
    for el in root.xpath("//*[@class or @id or @itemprop]")[:5000]:
        hint = f"{el.get('class', '')} {el.get('id', '')} {el.get('itemprop', '')}"
        if _PRICE_CLASS.search(hint) and not _skippable(el):
            t = text_of(el)
            if t and len(t) < 60 and re.search(r"\d", t):
                out.append(t)
    return out


def from_generic(root: etree._Element, url: str) -> Found:
    """Listing fields by generic rules."""
    found: Found = {}
    h1 = root.xpath("//h1")
    title = text_of(h1[0]) if h1 else ""
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
    whole = text_of(body_el) if body_el is not None else main_text
    lines = lines_of(body_el) if body_el is not None else []
    prices = price_candidates(root)
    if prices:
        found["price"] = (prices[0], "generic:price-element")
    else:
        m = PRICE_TEXT.search(main_text) or PRICE_TEXT.search(whole[:5000])
        if m:
            found["price"] = (m.group(0).strip(), "generic:price-text")
    q = _QTY.search(main_text)
    if q:
        found["quantity"] = (q.group(1) or q.group(2), "generic:quantity-text")
    seller = _labelled(lines, _SELLER_LABELS)
    if seller:
        found["seller"] = (seller, "generic:seller-label")
    for a in root.xpath("//a[@href]")[:2000]:
        href = a.get("href", "")
        full = urljoin(url, href)
        if urlsplit(full).netloc != urlsplit(url).netloc:
            continue
        m = _PROFILE_PATH.search(urlsplit(full).path)
        if m and not _skippable(a):
            name = text_of(a)
            found.setdefault("seller_url", (full, "generic:profile-link"))
            found.setdefault("seller_handle", (m.group(1).lstrip("@"), "generic:profile-link"))
            if name:
                found.setdefault("seller", (name[:200], "generic:profile-link"))
            break
    location = _labelled(lines, _LOCATION_LABELS)
    if location:
        found["location"] = (location, "generic:location-label")
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
        if d:
            found["posted"] = (d, "generic:posted-label")
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
    for a in root.xpath("//a[@href]")[:3000]:
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
