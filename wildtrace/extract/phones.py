"""Phone numbers the way sellers write them, resolved to E.164.

Sellers of wildlife write their WhatsApp or Zalo number the national way ("0912 345 678",
"03 9699 1047", "646-389-3950"), split with any separator ("0912.345.678",
"081/234/5678", "0912 - 345 - 678"), partly or wholly in words ("646/389/39Five Zero",
"không chín một hai...", "零九一二..."), in other digit scripts (Thai ๐-๙, full-width,
Arabic-Indic, Devanagari) and often twice on one page. A number written without a
country code means nothing until its country is known, so the finder first asks the
page where it is (:func:`region_hints`): the caller's region, the location field, the
URL's country TLD or a city in its subdomain, the currency, the names of national
payment and messenger apps (GCash → PH, Zalo → VN, M-Pesa → KE), the country TLDs and
place names in the text, its script and its language. Each candidate number is then
tried in those countries and, failing them, in the trade's usual countries, and is kept
where it is a *valid* number (``phonenumbers``' metadata, offline); ties go to the
country with the strongest hint, then to the one whose own way of grouping the digits
matches how they were written ("03 9699 1047" is Australian grouping).

What is not a phone is turned away before any of that: digits glued to letters (SKUs,
IBANs, order numbers), after ``#``/``No.``/"order"/"SKU", next to a currency
(``1.200.000đ``), dates, and digits inside a URL path.

Input is truncated to :data:`MAX_TEXT`; all patterns are linear.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

from wildtrace.collect.countries import countries_in, country_of, region_of_host
from wildtrace.money import CURRENCY_REGION, currencies_in

MAX_TEXT = 100_000
MAX_GROUPS = 40  # digit groups in one run looked at (a run longer is a table of numbers)
# Candidate spans resolved per text: an advert holds a few numbers, a page of digit soup
# written to stall the finder stops here (as phonenumbers' own matcher has max_tries).
MAX_TRIES = 400

# Digits spelled out, by language. Every word maps to one digit; "double"/"triple" repeat
# the next one ("double five" = 55). Words are only read inside a run of seven or more
# digit tokens, so "satu ekor" or "một con" in prose is never a digit.
_WORDS: dict[str, str] = {}
_WORD_REGION: dict[str, str] = {}  # words only one digit language uses → its country
for _region, _digits in (
    # English
    ("", "zero one two three four five six seven eight nine"),
    # Vietnamese (with and without tone marks, as typed on phones)
    ("VN", "không một hai ba bốn năm sáu bảy tám chín"),
    ("VN", "khong mot hai ba bon nam sau bay tam chin"),
    # Indonesian / Malay
    ("ID", "nol satu dua tiga empat lima enam tujuh delapan sembilan"),
    ("MY", "kosong satu dua tiga empat lima enam tujuh lapan sembilan"),
    # Tagalog
    ("PH", "sero isa dalawa tatlo apat lima anim pito walo siyam"),
    # Spanish, Portuguese, French, German
    ("", "cero uno dos tres cuatro cinco seis siete ocho nueve"),
    ("BR", "zero um dois três quatro cinco seis sete oito nove"),
    ("FR", "zéro un deux trois quatre cinq six sept huit neuf"),
    ("DE", "null eins zwei drei vier fünf sechs sieben acht neun"),
    # Swahili
    ("KE", "sifuri moja mbili tatu nne tano sita saba nane tisa"),
    # Thai
    ("TH", "ศูนย์ หนึ่ง สอง สาม สี่ ห้า หก เจ็ด แปด เก้า"),
    # Korean (Sino-Korean, how numbers are read out)
    ("KR", "공 일 이 삼 사 오 육 칠 팔 구"),
):
    for _i, _w in enumerate(_digits.split()):
        _WORDS.setdefault(_w, str(_i))
        if _region:
            # A word two languages share ("lima", "satu") tells no single country.
            _WORD_REGION[_w] = _region if _WORD_REGION.get(_w, _region) == _region else ""
_WORDS.update({"oh": "0", "nought": "0", "siete": "7", "tres": "3", "três": "3",
               "dos": "2", "um": "1", "uma": "1"})
# CJK numerals, plain and the "financial" forms used to dodge filters; 幺 is "one" read
# out in phone numbers, 两 "two".
_CJK = dict(zip("零〇一二三四五六七八九", "00123456789", strict=True))
_CJK.update(dict(zip("壹贰叁肆伍陆柒捌玖", "123456789", strict=True)))
_CJK.update({"幺": "1", "两": "2", "貳": "2", "參": "3", "陸": "6"})
_REPEAT = {"double": 2, "triple": 3}

_LATIN_WORDS = sorted((w for w in _WORDS if w.isascii() or w[0].isalpha() and
                       not ("\u0e00" <= w[0] <= "\u0e7f" or "\uac00" <= w[0] <= "\ud7a3")),
                      key=len, reverse=True)
_SCRIPT_WORDS = sorted((w for w in _WORDS if w not in _LATIN_WORDS), key=len, reverse=True)
_TOKEN = re.compile(
    r"(?P<d>\d)"
    r"|(?P<c>[" + "".join(_CJK) + r"])"
    r"|(?<![^\W\d_])(?P<w>" + "|".join(map(re.escape, _LATIN_WORDS)) + r"|double|triple)"
    r"(?![^\W\d_])"
    r"|(?P<s>" + "|".join(map(re.escape, _SCRIPT_WORDS)) + r")",
    re.IGNORECASE)
# What may stand between two digits of one number: spaces and punctuation only.
_GAP = re.compile(r"[\s\-‐‑‒–—―−.·•/\\()\[\]_~|,ー*'\u00a0\u3000－．／（）　]{0,4}")
_GROUPED_GAP = re.compile(r"[\s\-‐‑‒–—―−.·•/\\()\[\]_~|ー\u00a0\u3000－．／（）　]")

_LABEL = re.compile(
    r"(?:tel|tél|phone|mobile|mob|cell|call|hp|sđt|sdt|đt|dt|điện thoại|gọi|zalo|viber|"
    r"whats\s?app|wa|wsp|ws|line|kakao|signal|telegram|contact|liên hệ|lh|hotline|"
    r"telp|hubungi|no\.?\s?hp|wa\.me|nomor|tawag|celular|cel|telefone|telefono|whatsapp|"
    r"电话|電話|手机|手機|联系|聯繫|微信|โทร|เบอร์|ติดต่อ|전화|연락처|携帯|gcash|momo|"
    r"m-?pesa|numéro|nummer|handy|llamar|ligar)",
    re.IGNORECASE)
_NOT_PHONE_BEFORE = re.compile(
    r"(?:#|№|\bno\.?|\bnr\.?|\bsku|\border|\bref|\binvoice|\bitem|\bid|\blot|\bcode|"
    r"\bserial|\bmã(?: sản phẩm| sp| đơn(?: hàng)?| tin| hàng)?|\bđơn hàng|\bproduct|"
    r"\bresi|\btracking|\bawb|\bkode(?: pos| barang)?|订单号?|商品编号|帖子编号|"
    r"รหัสสินค้า|\bstock|編號|编号|\biban|\bbic|\bswift|\bacc(?:oun)?t|\bstk|"
    r"\brekening|\bnorek|账号|帳號|\bbank|\bcard|\bzip|\bpostal|\bpostcode|\bcmnd|"
    r"\bcccd|\bcpf|\bcnpj|\bnik|\bktp|\bupc|\bean|\bisbn|\bmodel|\bweight|\bsize)"
    r"[\s:：.#-]{0,3}$", re.IGNORECASE)
# A currency written before an amount ("Rp 2.500.000", "$ 1,250"); those written after
# it (元, đ, บาท) are read by _CURRENCY_AFTER.
_CURRENCY_NEAR = re.compile(
    r"(?:[$€£¥₫₱₹₩฿₦₭៛]|\b(?:usd|vnd|eur|gbp|cny|rmb|thb|idr|rp|rm|myr|php|inr|rs|ngn|"
    r"ksh|kes|zar|brl|r|hkd|twd|nt|jpy|krw|lak|khr|mmk|kip|riel|kyat|aud|sgd|tsh|gh₵|"
    r"yuan|baht|dong|peso|naira|rupiah|ringgit|price|giá|harga|ราคา|价格|價格|prix|"
    r"preço|precio|bei)\b)[\s.:：]{0,2}$",
    re.IGNORECASE)
_CURRENCY_AFTER = re.compile(
    r"^\s?(?:[$€£¥₫₱₹₩฿₦₭៛]|đ(?![^\W\d_])|k\b|tr\b|triệu|nghìn|ngàn|juta|ribu|rb\b|万|萬|元|块|"
    r"円|บาท|(?:usd|vnd|eur|gbp|cny|rmb|thb|idr|myr|php|inr|ngn|kes|zar|brl|hkd|twd|"
    r"jpy|krw|lak|khr|mmk|aud|sgd|baht|dong|yuan|peso|naira|kip)\b)",
    re.IGNORECASE)
_DATE = re.compile(r"(?:\d{1,2}[./-]\d{1,2}[./-](?:19|20)\d{2}|(?:19|20)\d{2}[./-]"
                   r"\d{1,2}[./-]\d{1,2})")
# Dates and times inside running text, blanked out before numbers are read, so that
# "15.03.2024 12:30" does not give the digits of a phone.
_DATE_TIME = re.compile(r"(?<!\d)(?:\d{1,2}[./-]\d{1,2}[./-](?:19|20)\d{2}|(?:19|20)\d{2}"
                        r"[./-]\d{1,2}[./-]\d{1,2}|\d{1,2}:\d{2}(?::\d{2})?|(?:19|20)\d{2}\s?[-–/]\s?"
                        r"(?:19|20)\d{2})(?!\d)")

# Countries tried, after the page's own, for a number whose country the page does not
# tell: the trade's source, transit and consumer countries first.
FALLBACK = ("VN", "CN", "TH", "ID", "MY", "PH", "LA", "KH", "MM", "IN", "NG", "KE", "ZA",
            "TZ", "UG", "CM", "HK", "TW", "SG", "JP", "KR", "US", "GB", "AU", "BR", "MX",
            "DE", "FR", "IT", "ES", "NL", "AE", "PK", "BD", "LK", "NP", "RU", "CA", "NZ")

# Where adverts are mostly written in English (Latin-script text with no other hint).
ENGLISH_WRITING = ("US", "GB", "AU", "NZ", "IE", "NG", "GH", "KE", "UG", "ZA", "ZW", "ZM",
                   "IN", "PH", "SG", "MY")

# Apps and payment brands that belong to one country: a page naming them says where
# its seller is.
_BRANDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.IGNORECASE), c) for p, c in (
        (r"\bg-?cash\b|\bpaymaya\b|\bmaya\b|\bgotyme\b|\blazada\.com\.ph", "PH"),
        (r"\bzalo\b|\bmomo\b|\bvietcombank\b|\btechcombank\b|\bstk\b|\bchuyển khoản", "VN"),
        (r"\bpromptpay\b|\bพร้อมเพย์|\bkasikorn|\bscb\b", "TH"),
        (r"\bdana\b|\bovo\b|\bgopay\b|\bbca\b|\bmandiri\b|\brekening\b|\bwa\b.{0,4}\bdm\b",
         "ID"),
        (r"\btouch ?n ?go\b|\bmaybank\b|\bboost\b", "MY"),
        (r"\bm-?pesa\b|\bsafaricom\b", "KE"),
        (r"\bpix\b|\bnubank\b", "BR"),
        (r"\bupi\b|\bpaytm\b|\bphonepe\b|\b@ybl\b|\b@okaxis\b", "IN"),
        (r"\bkakao\s?talk\b|\bkakao\b|\btoss\b", "KR"),
        (r"\bopay\b|\bpalmpay\b|\bgtbank\b", "NG"),
        (r"\bwing\b.{0,10}\b(?:money|bank)\b|\baba bank\b|\babapay\b", "KH"),
        (r"\bkbzpay\b|\bwave ?money\b", "MM"),
        (r"\bbcel\b|\bonepay\b", "LA"),
        (r"\balipay\b|\b支付宝|\bwechat ?pay\b|微信支付|淘宝", "CN"),
        (r"\bpaynow\b|\bcarousell\.sg\b", "SG"),
        (r"\bpayid\b|\bgumtree\.com\.au\b", "AU"),
        (r"\bvenmo\b|\bcash ?app\b|\bzelle\b|\bcraigslist\b", "US"),
    ))
_TLD_IN_TEXT = re.compile(r"[a-z0-9-]\.(?:com?\.|net\.|org\.)?([a-z]{2})\b(?![.-]?[a-z0-9])",
                          re.IGNORECASE)
_SCRIPTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[ăơưđĂƠƯĐ]|[ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]"), "VN"),
    (re.compile(r"[\u0e00-\u0e7f]"), "TH"),
    (re.compile(r"[\u0e80-\u0eff]"), "LA"),
    (re.compile(r"[\u1780-\u17ff]"), "KH"),
    (re.compile(r"[\u1000-\u109f]"), "MM"),
    (re.compile(r"[\uac00-\ud7a3]"), "KR"),
    (re.compile(r"[\u0900-\u097f]"), "IN"),
    (re.compile(r"[\u3040-\u30ff]"), "JP"),
    (re.compile(r"[\u4e00-\u9fff]"), "CN"),
)
_LANG_REGION = {"vi": "VN", "zh": "CN", "th": "TH", "id": "ID", "ms": "MY", "ja": "JP",
                "ko": "KR", "lo": "LA", "km": "KH", "my": "MM", "tl": "PH", "fil": "PH",
                "sw": "KE", "pt": "BR", "hi": "IN", "de": "DE", "fr": "FR", "es": "ES",
                "it": "IT", "nl": "NL", "ru": "RU", "ar": "AE"}
# Weights of the kinds of hint: what the caller or the page's own fields say outweighs
# what is only seen somewhere in its text.
W_GIVEN, W_LOCATION, W_URL, W_CURRENCY, W_BRAND, W_TEXT, W_SCRIPT, W_LANGUAGE, W_LATIN = \
    10.0, 9.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0


@dataclass(frozen=True, slots=True)
class Phone:
    """One phone number found in text."""

    start: int  # offset of its first digit in the text
    end: int
    e164: str
    region: str  # the country the number belongs to
    written: str  # as it stood in the text


def _add(hints: dict[str, float], region: str, weight: float) -> None:
    region = region.upper()
    if len(region) == 2 and region != "ZZ" and region.isalpha():
        hints[region] = max(hints.get(region, 0.0), weight)


def region_hints(text: str = "", *, region: str = "", url: str = "", location: str = "",
                 language: str = "", currency: str = "") -> dict[str, float]:
    """Countries a page's national phone numbers may belong to, with how strongly the
    page points to each (see the module docstring for the order of trust)."""
    hints: dict[str, float] = {}
    _add(hints, region, W_GIVEN)
    if location:
        _add(hints, country_of(location=location), W_LOCATION)
    if url:
        _add(hints, country_of(url), W_URL)
        _add(hints, region_of_host(url), W_URL)
    if currency:
        _add(hints, CURRENCY_REGION.get(currency.upper(), ""), W_CURRENCY)
    head = text[:20_000] + "\n" + url[:2000]
    for code in currencies_in(head):
        # "$" is read as USD but is written for a dozen dollars: only named currencies.
        if code != "USD":
            _add(hints, CURRENCY_REGION.get(code, ""), W_TEXT)
    for pattern, country in _BRANDS:
        if pattern.search(head):
            _add(hints, country, W_BRAND)
    for m in _TLD_IN_TEXT.finditer(head):
        tld = m.group(1).lower()
        if tld not in ("co", "io", "me", "tv", "ai", "fm", "ly", "to", "cc", "ws", "js",
                       "md", "py", "sh", "so", "gg", "id" if m.group(0)[1:3] == "id" else ""):
            _add(hints, "GB" if tld == "uk" else tld.upper(), W_TEXT)
    for iso in countries_in(head[:5000]):
        _add(hints, iso, W_TEXT)
    for pattern, country in _SCRIPTS:
        if pattern.search(head):
            _add(hints, country, W_SCRIPT)
            break
    else:
        if re.search(r"[A-Za-z]{3}", head):
            # Text in Latin script only, no other hint: the countries whose adverts are
            # written in English are likelier than the rest ("646-389-3950" is North
            # American, "020 7946 0958" British, "0722 123 456" Kenyan). Weaker than
            # any hint the page gives, and the national grouping still decides between
            # them.
            for iso in ENGLISH_WRITING:
                _add(hints, iso, W_LATIN)
    if language:
        _add(hints, _LANG_REGION.get(language.split("-")[0].lower(), ""), W_LANGUAGE)
    return hints


def _digit_of(ch: str) -> str | None:
    if ch.isascii():
        return ch if ch.isdigit() else None
    try:
        return str(unicodedata.decimal(ch))
    except ValueError:
        return None


def _ascii_digits(text: str) -> str:
    """``text`` with every decimal digit of any script as an ASCII digit (same length)."""
    if text.isascii():
        return text
    return "".join(_digit_of(c) or c if not c.isascii() else c for c in text)


@dataclass(slots=True)
class _Run:
    """Consecutive digit tokens, grouped as they were written."""

    start: int
    end: int
    plus: bool
    groups: list[tuple[str, int, int]]  # (digits, start, end) per written group
    words: int  # how many tokens were spelled out


def _runs(text: str) -> Iterable[_Run]:
    """Runs of digit tokens separated only by gaps, in order."""
    run: _Run | None = None
    repeat = 1
    pos = 0
    last_kind = ""
    for m in _TOKEN.finditer(text):
        if run is not None:
            gap = text[pos:m.start()]
            if not _GAP.fullmatch(gap):
                yield run
                run = None
                repeat = 1
        kind = m.lastgroup
        tok = m.group(0)
        if kind == "d":
            digit = tok
        elif kind == "c":
            digit = _CJK[tok]
        else:
            low = tok.lower()
            if low in _REPEAT:
                repeat = _REPEAT[low]
                pos = m.end()
                if run is None:
                    run = _Run(m.start(), m.end(), False, [], 0)
                continue
            digit = _WORDS[low]
        digit *= repeat
        repeat = 1
        if run is None:
            before = text[max(0, m.start() - 3):m.start()]
            plus = bool(re.search(r"\+\s?\(?\s?$", before))
            run = _Run(m.start(), m.end(), plus, [(digit, m.start(), m.end())],
                       0 if kind == "d" else 1)
        else:
            gap = text[pos:m.start()]
            # Digits written together stay one group; so do spelled-out digits
            # (words need spaces between them, which are no grouping).
            grouped = run.groups and "," not in gap and ":" not in gap and (
                (kind == "d" and not _GROUPED_GAP.search(gap) and text[pos - 1:pos].isdigit())
                or (kind != "d" and not gap.strip()))
            if (kind == "s") != (last_kind == "s"):
                # Thai and Korean digit words are syllables of ordinary words too: they
                # count only among themselves, never glued to written digits.
                yield run
                run = _Run(m.start(), m.end(), False, [(digit, m.start(), m.end())], 1)
                last_kind, pos = kind or "", m.end()
                continue
            if grouped:
                d, s, _ = run.groups[-1]
                run.groups[-1] = (d + digit, s, m.end())
            else:
                run.groups.append((digit, m.start(), m.end()))
            run.words += kind != "d"
            run.end = m.end()
        pos = m.end()
        last_kind = kind or ""
    if run is not None:
        yield run


def _national_groups(num: phonenumbers.PhoneNumber) -> list[int]:
    national = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.NATIONAL)
    return [len(g) for g in re.findall(r"\d+", national)]


def _grouped_as(num: phonenumbers.PhoneNumber, shape: list[int]) -> bool:
    """True when digits written in groups of ``shape`` keep every break of the
    country's own national format ("0722 123 456" keeps Kenya's "0722 123456"; "0912 345
    678" does not keep South Africa's "091 234 5678")."""
    if len(shape) < 2:
        return False
    national = _national_groups(num)
    if sum(national) != sum(shape):
        return False

    def breaks(groups: list[int]) -> set[int]:
        out, at = set(), 0
        for g in groups[:-1]:
            at += g
            out.add(at)
        return out
    return breaks(national) <= breaks(shape)


@lru_cache(maxsize=8192)
def _parse(digits: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        num = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(num):
        return None
    # E.164 allows 15 digits with the country code; the metadata of a few countries
    # (Germany's open numbering) accepts longer runs of digits, which are not phones.
    if len(str(num.country_code)) + len(str(num.national_number)) > 15:
        return None
    return num


_MOBILE = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def _resolve(digits: str, shape: list[int], plus: bool, hints: dict[str, float],
             labelled: bool) -> tuple[str, str, float] | None:
    """(E.164, country, how sure) of ``digits`` written in groups of ``shape``, or None.

    Sureness is the weight of the page's hint at the country, plus 1.5 when the digits
    are grouped the way that country writes them and 0.5 for a mobile number; a number
    written with its country code is sure (10)."""
    if plus or digits.startswith("00") and len(digits) > 9:
        num = _parse("+" + (digits[2:] if not plus and digits.startswith("00") else digits),
                     "ZZ")
        if num is None and plus:
            # "+84 0912 345 678", "+44 (0)20 ...": a trunk 0 kept after the code.
            for cc_len in (1, 2, 3):
                if digits[cc_len:cc_len + 1] == "0":
                    num = _parse("+" + digits[:cc_len] + digits[cc_len + 1:], "ZZ")
                    if num is not None:
                        break
        if num is None:
            return None
        return (phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164),
                phonenumbers.region_code_for_number(num) or "ZZ", 10.0)
    best: tuple[float, str, str, float] | None = None
    readings: set[str] = set()  # distinct E.164 readings over the countries tried
    scores: dict[str, float] = {}  # the best score of each reading
    # E.164 readings whose country groups digits as written, with that country's hint
    shaped: dict[str, float] = {}
    hinted = sorted(hints, key=lambda r: -hints[r])
    order = hinted + [r for r in FALLBACK if r not in hints]
    for rank, region in enumerate(order):
        if rank == len(hinted) and (
                best is not None and best[3] >= W_LANGUAGE
                or len(digits) < 9 or (not labelled and len(shape) <= 1)):
            # A country the page itself points to reads the number: the others need
            # not be tried (they could only win on grouping, which weighs less). Nor
            # are they for digits no unhinted reading could be kept for (below).
            break
        num = _parse(digits, region)
        if num is None:
            continue
        owner = phonenumbers.region_code_for_number(num) or region
        mobile = phonenumbers.number_type(num) in _MOBILE
        hint = max(hints.get(region, 0.0), hints.get(owner, 0.0))
        score = hint
        e164 = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
        if _grouped_as(num, shape):
            score += 1.5
            shaped[e164] = max(shaped.get(e164, 0.0), hint)
        readings.add(e164)
        if mobile:
            score += 0.5
        score -= rank * 0.001
        scores[e164] = max(scores.get(e164, score), score)
        if best is None or score > best[0]:
            best = (score, e164, owner, hint)
    if best is None:
        return None
    if len(digits) < 9 and best[3] <= W_LATIN:
        return None  # too short to be told from some other code without a hint
    if 0.0 < best[3] <= W_LATIN:
        # Only the page's language points here (English-writing countries): the
        # reading is kept when its digits are grouped the way that country writes them
        # and no other reading scores as well ("0722 123 456" is Kenyan; "0772 123456"
        # is Kenyan or Ugandan and is dropped). Adverts give mobiles, which breaks ties
        # between a mobile and a landline reading.
        rivals = [sc for e, sc in scores.items() if e != best[1]]
        # (scores differ by 0.001 a rank, only to order ties: a tie is within 0.1)
        if best[1] not in shaped or (rivals and max(rivals) > best[0] - 0.1):
            return None
    elif best[3] == 0.0:
        # The page says nothing of the number's country: it is kept only when one
        # reading is left, by validity alone or by the way its digits are grouped
        # ("646-389-3950" is North American; "0912 345 678" is Vietnamese or Taiwanese
        # and so is dropped).
        unique = len(readings) == 1 or (best[1] in shaped and len(shaped) == 1)
        if not unique or not (labelled or best[1] in shaped):
            return None
    return best[1], best[2], best[0]


def _international(digits: str, hints: dict[str, float]) -> tuple[str, str, float] | None:
    """A number written with its country code but without ``+`` ("84 912 345 678")."""
    num = _parse("+" + digits, "ZZ")
    if num is None:
        return None
    owner = phonenumbers.region_code_for_number(num) or "ZZ"
    if owner not in hints and owner not in FALLBACK[:20]:
        return None
    return (phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164), owner,
            hints.get(owner, 0.0) + 1.0)


def _rejected(text: str, start: int, end: int, run: _Run, whole: bool = False) -> bool:
    """True when the digits at ``text[start:end]`` are clearly not a phone number;
    with ``whole``, only what rules out every number of the run (its start is glued to
    letters, follows an order-number or account label, or is a price)."""
    before = text[max(0, start - 16):start]
    after = text[end:end + 12]
    prev = text[start - 1:start]
    if prev and (prev.isascii() and prev.isalpha()) and run.words == 0:
        word = re.search(r"[A-Za-zĐđ]+$", before)
        if not (word and _LABEL.fullmatch(word.group(0))):
            return True
    if prev in ("/", "=", "?", "&", "#", "@", "$") or prev.isdigit():
        return True
    if whole:
        return bool(_NOT_PHONE_BEFORE.search(before) and not _LABEL.search(before[-10:])
                    or _CURRENCY_NEAR.search(text[max(0, start - 10):start]))
    nxt = text[end:end + 1]
    if nxt.isascii() and nxt.isalpha() and run.words == 0 and not _LABEL.match(after):
        return True
    if nxt in ("@", "%") or after.startswith(("/-", ".-")):
        return True
    if _NOT_PHONE_BEFORE.search(before) and not _LABEL.search(before[-10:]):
        return True
    if _CURRENCY_NEAR.search(text[max(0, start - 10):start]) or _CURRENCY_AFTER.match(after):
        return True
    span = text[start:end]
    return bool(_DATE.fullmatch(span.strip()))


# No region's valid numbers are shorter than five digits (with the country code for
# international ones); separators are anything but letters and digits, plus the
# katakana prolonged-sound mark some Japanese listings use as a dash.
_DIGIT_GATE = re.compile(r"\d(?:(?:[^\w]|[_ー]){0,6}\d){4}")


def may_hold_phones(text: str) -> bool:
    """A cheap test that lets a text with no phone skip the finder (and the page's
    hints): five digits of any script close together, or seven spelled-out digits."""
    if _DIGIT_GATE.search(text[:MAX_TEXT]):
        return True
    n = 0
    for m in _TOKEN.finditer(text[:MAX_TEXT]):
        if m.lastgroup != "d":
            n += 1
            if n >= 7:
                return True
    return False


def find_phones(text: str, *, region: str = "", url: str = "", location: str = "",
                language: str = "", currency: str = "",
                hints: dict[str, float] | None = None,
                skip: Iterable[tuple[int, int]] = ()) -> list[Phone]:
    """Every phone number in ``text``, once each, in order of first appearance.

    The page's context (``region``, ``url``, ``location``, ``language``, ``currency``,
    or precomputed ``hints``) decides the country of numbers written without a country
    code. Spans in ``skip`` (an IBAN or bank account found first) are not read.
    """
    text = text[:MAX_TEXT]
    if hints is None:
        hints = region_hints(text, region=region, url=url, location=location,
                             language=language, currency=currency)
    blocked = sorted(skip)
    norm = _DATE_TIME.sub(lambda m: "¦" * len(m.group(0)), _ascii_digits(text))
    out: list[Phone] = []
    seen: set[str] = set()
    tries = 0
    for run in _runs(norm):
        if tries >= MAX_TRIES:
            break
        if any(s < run.end and run.start < e for s, e in blocked):
            continue
        total = sum(len(g[0]) for g in run.groups)
        if total < 7 or (run.words and total - run.words < 0):
            continue
        if run.words and len(run.groups) < 7 and total < 7:
            continue
        labelled = bool(_LABEL.search(norm[max(0, run.start - 40):run.start]))
        run_hints = hints
        if run.words:
            # Digits spelled in Indonesian or Vietnamese say where the writer is.
            spoken = {_WORD_REGION.get(m.group(0).lower(), "")
                      for m in _TOKEN.finditer(norm, run.start, run.end) if m.lastgroup in
                      ("w", "s")} - {""}
            if len(spoken) == 1:
                run_hints = dict(hints)
                _add(run_hints, spoken.pop(), W_SCRIPT)
        if _rejected(norm, run.start, run.groups[-1][2], run, whole=True):
            continue
        groups = run.groups[:MAX_GROUPS]
        i = 0
        while i < len(groups):
            # The longest span from group i that is a number the page points to wins;
            # failing one, the longest that is a number at all.
            found = None
            for j in range(len(groups), i, -1):
                digits = "".join(g[0] for g in groups[i:j])
                if len(digits) < 7 or len(digits) > 17:
                    continue
                start, end = groups[i][1], groups[j - 1][2]
                if _rejected(norm, start, end, run):
                    continue
                plus = run.plus and i == 0
                shape = [len(g[0]) for g in groups[i:j]]
                tries += 1
                if tries > MAX_TRIES:
                    break
                res = _resolve(digits, shape, plus, run_hints, labelled)
                if res is None and not plus and not digits.startswith("0"):
                    res = _international(digits, run_hints)
                if res is None:
                    continue
                if found is None or (found[3][2] < 1.0 <= res[2]):
                    found = (j, start, end, res)
                if res[2] >= 1.0:
                    break
            if found is None:
                i += 1
                continue
            j, start, end, (e164, owner, _) = found
            if e164 not in seen:
                seen.add(e164)
                out.append(Phone(start, end, e164, owner, text[start:end]))
            i = j
    return out
