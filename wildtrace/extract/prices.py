"""Prices as people write them, in any script: amount, ISO currency, and where in the text.

Real listings write "1.250.000 ₫", "฿3,500", "Rp 1,5 jt", "¥12,000", "5tr", "US $45.00",
"€ 1.234,56", "R$ 450,00", "HK$1,800", "85,000원", "12 500 ₽", "1.2万", ranges ("$10 –
$20": the low end, as schema.org's ``lowPrice``) and no price at all ("price on request",
"inbox for price", "Giá: Liên hệ", "私聊"). :func:`find_prices` finds every price-like
span of a text; :func:`parse_price` reads one string. A number without a currency or a
multiplier word is not a price here (it is a phone, a size or a year far more often):
callers that know an element holds a price (its class says so) pass ``bare=True``.

Separators: when both ``.`` and ``,`` appear the last one is the decimal mark if one or
two digits follow it; a single kind repeated is a thousands separator; a single one
followed by exactly three digits is a thousands separator ("1.250 €", "¥12,000"), by one
or two a decimal mark ("£38.50", "R$ 450,00"); with a multiplier word any separator is a
decimal mark ("1,5 jt", "2.5k"). Indian grouping ("1,25,000") reads as 125000.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_TEXT = 200_000

# Currency tokens (longest first where they overlap). ``$`` and ``¥`` are resolved by
# the page's region (see :func:`resolve_currency`).
_PREFIX: list[tuple[str, str]] = [
    (r"US\s?\$|USD", "USD"), (r"HK\s?\$|HKD", "HKD"), (r"NT\s?\$|NTD|TWD", "TWD"),
    (r"S\$|SGD", "SGD"), (r"AU?\s?\$|AUD", "AUD"), (r"CA?\s?\$|CAD", "CAD"),
    (r"NZ\s?\$|NZD", "NZD"), (r"R\$|BRL", "BRL"), (r"MX\s?\$|MXN", "MXN"), (r"RM|MYR", "MYR"),
    (r"Rp\.?|IDR", "IDR"), (r"Rs\.?|INR|₹", "INR"), (r"₫|VND|VNĐ", "VND"),
    (r"฿|THB", "THB"), (r"₱|PHP|Php", "PHP"), (r"RMB|CNY", "CNY"), (r"JPY", "JPY"),
    (r"₩|KRW", "KRW"), (r"€|EUR", "EUR"), (r"£|GBP", "GBP"), (r"₽|RUB", "RUB"),
    (r"₦|NGN", "NGN"), (r"KSh|KES", "KES"), (r"₭|LAK", "LAK"), (r"៛|KHR", "KHR"),
    (r"MMK", "MMK"), (r"₺|TRY", "TRY"), (r"CHF", "CHF"), (r"AED", "AED"),
    (r"ZAR", "ZAR"), (r"PLN", "PLN"), (r"¥|￥", "¥"), (r"\$", "$"),
]
_SUFFIX: list[tuple[str, str]] = [
    (r"₫|đ|vnđ|vnd|đồng|dong", "VND"), (r"บาท|฿|baht|thb", "THB"),
    (r"元|块|圆|人民币|rmb|cny", "CNY"), (r"円|jpy", "JPY"), (r"원|krw|₩", "KRW"),
    (r"€|eur|euros?", "EUR"), (r"руб\.?|₽|р\.|rub", "RUB"), (r"zł|pln", "PLN"),
    (r"kč|czk", "CZK"), (r"₺|tl|try", "TRY"), (r"kip|₭|lak", "LAK"),
    (r"riels?|៛|khr", "KHR"), (r"kyats?|ks|mmk", "MMK"), (r"usd|us\$|dollars?", "USD"),
    (r"ringgit|myr", "MYR"), (r"rupiah|idr", "IDR"), (r"pesos?|php", "PHP"),
    (r"£|gbp", "GBP"), (r"₹|inr|rupees?|rs\.?", "INR"), (r"₱", "PHP"), (r"kr|sek", "SEK"),
    (r"chf", "CHF"), (r"¥|￥", "¥"), (r"\$", "$"), (r"naira|ngn|₦", "NGN"),
]
# Multiplier words and the currency they imply when none is written.
_MULT: list[tuple[str, float, str]] = [
    (r"triệu|tr", 1e6, "VND"), (r"củ", 1e6, "VND"), (r"tỷ|tỉ", 1e9, "VND"),
    (r"nghìn|ngàn|ngh", 1e3, "VND"), (r"juta|jt", 1e6, "IDR"), (r"ribu|rb", 1e3, "IDR"),
    (r"万|萬", 1e4, ""), (r"千", 1e3, ""), (r"億|亿", 1e8, ""), (r"lakhs?", 1e5, "INR"),
    (r"crores?", 1e7, "INR"), (r"k|K", 1e3, ""), (r"million|mil|mn|m|M", 1e6, ""),
]
_NUM = r"\d{1,3}(?:[.,\u00a0\u202f' ]\d{2,3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d+)?"
_PRE = "|".join(p for p, _ in _PREFIX)
_SUF = "|".join(p for p, _ in _SUFFIX)
_MUL = "|".join(p for p, _, _ in _MULT)
# One amount: [prefix] number [multiplier [fraction digits]] [suffix].
_AMOUNT = (rf"(?P<preI>{_PRE})?\s?(?P<numI>{_NUM})(?:[.,][-–])?"
           rf"(?:\s?(?P<mulI>{_MUL})(?P<fracI>\d{{1,3}})?(?![A-Za-zÀ-ɏ]))?"
           rf"(?:\s?(?P<sufI>{_SUF})(?![A-Za-zÀ-ɏ]))?")
_PRICE = re.compile(
    r"(?<![A-Za-zÀ-ɏ0-9.,])" + _AMOUNT.replace("I>", "1>") +
    r"(?:\s?(?:-|–|—|~|〜|to|đến|ถึง|至|bis|à|a|hasta|até)\s?" + _AMOUNT.replace("I>", "2>")
    + r")?(?![A-Za-zÀ-ɏ0-9])",
    re.IGNORECASE)
_PRE_CODE = [(re.compile(rf"^(?:{p})$", re.IGNORECASE), c) for p, c in _PREFIX]
_SUF_CODE = [(re.compile(rf"^(?:{p})$", re.IGNORECASE), c) for p, c in _SUFFIX]
_MUL_CODE = [(re.compile(rf"^(?:{p})$"), f, c) for p, f, c in _MULT]
_MUL_CODE_I = [(re.compile(rf"^(?:{p})$", re.IGNORECASE), f, c) for p, f, c in _MULT]

NO_PRICE = re.compile(
    r"price on request|on request|call for price|ask for price|contact for price|"
    r"(?:inbox|pm|dm|message|msg|chat|ib) (?:for|me for|us for) (?:the )?prices?|"
    r"price:\s*(?:pm|dm|inbox|ask|call|tba|n/a)\b|liên hệ|thương lượng|hỏi giá|ib giá|"
    r"thỏa thuận|私聊|私信|面议|面議|議價|电议|電議|お問い合わせ|応相談|a combinar|a consultar|"
    r"sur demande|auf anfrage|preis vb$|nego via|harga:\s*(?:nego|pm|dm)|สอบถาม|문의|"
    r"договорн|по запросу|precio a convenir", re.IGNORECASE)

TLD_CURRENCY = {"jp": "JPY", "cn": "CNY", "tw": "TWD", "hk": "HKD", "sg": "SGD",
                "au": "AUD", "ca": "CAD", "nz": "NZD", "mx": "MXN", "vn": "VND",
                "th": "THB", "id": "IDR", "my": "MYR", "ph": "PHP", "kr": "KRW",
                "in": "INR", "ng": "NGN", "ke": "KES", "la": "LAK", "kh": "KHR",
                "mm": "MMK", "br": "BRL", "za": "ZAR", "uk": "GBP", "ru": "RUB"}
LANG_YEN = {"ja": "JPY", "zh": "CNY"}
# The currency of amounts a page writes without one ("45k", a bare number in a price
# element): its country domain's, else its language's where one currency dominates it.
LANG_CURRENCY = {"vi": "VND", "th": "THB", "id": "IDR", "ms": "MYR", "ja": "JPY",
                 "ko": "KRW", "zh": "CNY", "lo": "LAK", "km": "KHR", "my": "MMK",
                 "ru": "RUB", "tl": "PHP", "fil": "PHP"}
DOLLAR_REGION = {"au": "AUD", "ca": "CAD", "nz": "NZD", "sg": "SGD", "hk": "HKD",
                 "tw": "TWD", "mx": "MXN", "ar": "ARS", "cl": "CLP", "co": "COP",
                 "uy": "UYU", "do": "DOP", "jm": "JMD", "tt": "TTD", "bz": "BZD",
                 "na": "NAD", "fj": "FJD", "bs": "BSD", "gy": "GYD", "lr": "LRD"}


@dataclass(frozen=True, slots=True)
class PriceMatch:
    """One price found in a text."""

    amount: float
    currency: str  # ISO 4217, or "" when none was written or implied
    start: int
    end: int
    text: str
    marked: bool  # a currency or multiplier word was written (not a bare number)
    assumed: bool = False  # the currency is the page region's, none was written


def _number(raw: str, multiplied: bool) -> float | None:
    s = raw.replace("\u00a0", " ").replace("\u202f", " ").replace("'", " ")
    s = s.replace(" ", ",") if re.fullmatch(r"\d{1,3}(?: \d{3})+(?:[.,]\d{1,2})?", s) else \
        s.replace(" ", "")
    if multiplied:
        # "1,5 jt", "2.5k": one separator is a decimal mark.
        if s.count(",") + s.count(".") == 1:
            s = s.replace(",", ".")
            try:
                return float(s)
            except ValueError:
                return None
    dots, commas = s.count("."), s.count(",")
    if dots and commas:
        dec = "." if s.rfind(".") > s.rfind(",") else ","
        head, _, tail = s.rpartition(dec)
        if len(tail) in (1, 2):
            s = re.sub(r"[.,]", "", head) + "." + tail
        else:
            s = re.sub(r"[.,]", "", s)
    elif dots + commas:
        sep = "." if dots else ","
        parts = s.split(sep)
        if len(parts) > 2 or len(parts[-1]) == 3:
            s = s.replace(sep, "")
        else:
            s = s.replace(sep, ".")
    try:
        value = float(s)
    except ValueError:
        return None
    return value


def _code(table: list[tuple[re.Pattern[str], str]], token: str | None) -> str:
    if not token:
        return ""
    token = token.strip()
    return next((c for rx, c in table if rx.match(token)), "")


def _mult(token: str | None) -> tuple[float, str]:
    if not token:
        return 1.0, ""
    # Case matters for m/M and k/K only in that both mean the same; "M" alone is a size
    # in some texts, but following a number inside a price span it is a million.
    for rx, factor, cur in _MUL_CODE:
        if rx.match(token):
            return factor, cur
    for rx, factor, cur in _MUL_CODE_I:
        if rx.match(token):
            return factor, cur
    return 1.0, ""


def default_currency(url: str = "", language: str = "") -> str:
    """The currency of amounts written without one on this page (see LANG_CURRENCY)."""
    host = (urlsplit(url).hostname or "") if url.startswith(("http:", "https:")) else ""
    tld = host.rsplit(".", 1)[-1].lower() if "." in host else ""
    return TLD_CURRENCY.get(tld) or LANG_CURRENCY.get(language, "")


def resolve_currency(code: str, url: str = "", language: str = "") -> str:
    """``$`` and ``¥`` made ISO by the page's country domain and language."""
    tld = (urlsplit(url).hostname or "").rsplit(".", 1)[-1].lower() if url else ""
    if code == "¥":
        return {"jp": "JPY", "cn": "CNY"}.get(tld) or LANG_YEN.get(language, "CNY")
    if code == "$":
        return DOLLAR_REGION.get(tld, "USD")
    return code


def _one(m: re.Match[str], i: int) -> tuple[float | None, str, bool]:
    num = m.group(f"num{i}")
    if num is None:
        return None, "", False
    factor, implied = _mult(m.group(f"mul{i}"))
    frac = m.group(f"frac{i}")
    value = _number(num, factor != 1.0)
    if value is None:
        return None, "", False
    if frac and factor != 1.0:
        # "5tr5" is 5.5 million, "2tr500" 2.5 million.
        value += float("0." + frac)
    cur = _code(_PRE_CODE, m.group(f"pre{i}")) or _code(_SUF_CODE, m.group(f"suf{i}"))
    marked = bool(cur) or factor != 1.0
    return value * factor, cur or implied, marked


def find_prices(text: str, *, url: str = "", language: str = "", bare: bool = False
                ) -> list[PriceMatch]:
    """Every price-like span of ``text`` (see module doc); bare numbers only if ``bare``."""
    out: list[PriceMatch] = []
    for m in _PRICE.finditer(text[:MAX_TEXT]):
        amount, cur, marked = _one(m, 1)
        if amount is None:
            continue
        second, cur2, marked2 = _one(m, 2)
        if second is not None and not cur and cur2:
            cur, marked = cur2, True
            if m.group("mul2") and not m.group("mul1"):
                # "1-2 triệu": the multiplier belongs to both ends.
                amount *= _mult(m.group("mul2"))[0]
        if not marked and not bare:
            continue
        if text[m.end():m.end() + 2].lstrip()[:1] in ("%", "％"):
            continue  # "16% OFF", a discount
        if not marked and re.fullmatch(r"(?:19|20)\d\d|0\d{3,}.*", m.group("num1")):
            continue  # a year, or a phone number's start
        if amount <= 0 or amount > 1e13:
            continue
        if second is not None and second < amount:
            second = None
        code = resolve_currency(cur, url, language) if cur else default_currency(url, language)
        out.append(PriceMatch(amount, code, m.start(), m.end(), m.group(0).strip(), marked,
                              assumed=not cur))
    return out


def parse_price(text: str, currency_hint: str = "", *, url: str = "", language: str = "",
                bare: bool = True) -> tuple[float | None, str]:
    """The first price in ``text`` and its currency (``currency_hint`` when the text
    names none); ``(None, hint)`` when the text says there is no price or has none."""
    text = " ".join(str(text).split())[:2000]
    hint = (currency_hint or "").strip().upper()[:3]
    found = find_prices(text, url=url, language=language, bare=bare)
    if not found:
        return None, hint
    first = next((f for f in found if f.marked), found[0])
    if not first.marked and NO_PRICE.search(text):
        return None, hint
    # A currency given with the amount (structured data's priceCurrency) beats the one
    # assumed from the page's region.
    return first.amount, (hint or first.currency) if first.assumed else first.currency
