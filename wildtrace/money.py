"""Parse prices and currencies written in many conventions and languages.

Shared by import and extraction: ``"US $1,299.00"`` → ``(1299.0, "USD")``,
``"12,50 €"`` → ``(12.5, "EUR")``, ``"¥3000元"`` → ``(3000.0, "CNY")``.
"""

from __future__ import annotations

import re

# Longest keys first when matching, so "US$" wins over "$".
SYMBOLS: dict[str, str] = {
    "us$": "USD", "usd": "USD", "$us": "USD", "dollars": "USD", "dollar": "USD",
    "c$": "CAD", "ca$": "CAD", "cad": "CAD", "a$": "AUD", "au$": "AUD", "aud": "AUD",
    "nz$": "NZD", "nzd": "NZD", "hk$": "HKD", "hkd": "HKD", "s$": "SGD", "sgd": "SGD",
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "£": "GBP", "gbp": "GBP", "pounds": "GBP", "pound": "GBP",
    "¥": "CNY", "rmb": "CNY", "cny": "CNY", "元": "CNY", "人民币": "CNY", "块": "CNY",
    "jpy": "JPY", "円": "JPY", "yen": "JPY",
    "₫": "VND", "vnd": "VND", "đ": "VND", "dong": "VND", "đồng": "VND",
    "฿": "THB", "thb": "THB", "baht": "THB", "บาท": "THB",
    "rp": "IDR", "idr": "IDR", "rupiah": "IDR", "rm": "MYR", "myr": "MYR", "ringgit": "MYR",
    "₱": "PHP", "php": "PHP", "peso": "PHP", "₹": "INR", "inr": "INR", "rs": "INR",
    "₩": "KRW", "krw": "KRW", "won": "KRW", "chf": "CHF", "fr.": "CHF",
    "kr": "SEK", "sek": "SEK", "nok": "NOK", "dkk": "DKK", "zł": "PLN", "pln": "PLN",
    "r$": "BRL", "brl": "BRL", "zar": "ZAR", "ksh": "KES", "kes": "KES", "ngn": "NGN",
    "₦": "NGN", "₽": "RUB", "rub": "RUB", "руб": "RUB", "aed": "AED", "mxn": "MXN",
    "$": "USD",
}
SYMBOLS.update({
    "₭": "LAK", "lak": "LAK", "kip": "LAK", "ກີບ": "LAK", "៛": "KHR", "khr": "KHR",
    "riel": "KHR", "រៀល": "KHR", "mmk": "MMK", "kyat": "MMK", "ကျပ်": "MMK",
    "nt$": "TWD", "twd": "TWD", "台币": "TWD", "台幣": "TWD", "新台币": "TWD",
    "naira": "NGN", "cedi": "GHS", "ghs": "GHS", "₵": "GHS", "tzs": "TZS", "tsh": "TZS",
    "ugx": "UGX", "pkr": "PKR", "lkr": "LKR", "bdt": "BDT", "৳": "BDT", "npr": "NPR",
    "qar": "QAR", "₺": "TRY", "ils": "ILS", "₪": "ILS",
    "₴": "UAH", "uah": "UAH", "czk": "CZK", "huf": "HUF", "isk": "ISK",
    "bgn": "BGN", "₸": "KZT", "kzt": "KZT", "clp": "CLP",
    "egp": "EGP", "xof": "XOF", "xaf": "XAF", "etb": "ETB",
    "mzn": "MZN", "zmw": "ZMW", "bwp": "BWP", "aoa": "AOA", "mga": "MGA",
    "₮": "MNT", "mnt": "MNT", "bnd": "BND", "mop": "MOP", "港币": "HKD", "港幣": "HKD",
    "日元": "JPY", "韩元": "KRW", "美元": "USD", "美金": "USD", "欧元": "EUR", "泰铢": "THB",
    "越南盾": "VND", "₲": "PYG",
})
# The country a price in each currency most likely comes from: the hint at the country
# of a phone number written without its country code (one table for every stage).
# Currencies spent across many countries (EUR, USD, XOF, XAF) say nothing and are absent.
CURRENCY_REGION: dict[str, str] = {
    "VND": "VN", "LAK": "LA", "KHR": "KH", "MMK": "MM", "THB": "TH", "IDR": "ID",
    "MYR": "MY", "PHP": "PH", "SGD": "SG", "BND": "BN", "CNY": "CN", "HKD": "HK",
    "MOP": "MO", "TWD": "TW", "JPY": "JP", "KRW": "KR", "MNT": "MN", "INR": "IN",
    "PKR": "PK", "BDT": "BD", "LKR": "LK", "NPR": "NP", "NGN": "NG", "GHS": "GH",
    "KES": "KE", "TZS": "TZ", "UGX": "UG", "ETB": "ET", "ZAR": "ZA", "MZN": "MZ",
    "ZMW": "ZM", "BWP": "BW", "NAD": "NA", "AOA": "AO", "MGA": "MG", "EGP": "EG",
    "MAD": "MA", "BRL": "BR", "MXN": "MX", "COP": "CO", "CLP": "CL", "PEN": "PE",
    "ARS": "AR", "PYG": "PY", "GBP": "GB", "AUD": "AU", "NZD": "NZ", "CAD": "CA",
    "CHF": "CH", "SEK": "SE", "NOK": "NO", "DKK": "DK", "PLN": "PL", "CZK": "CZ",
    "HUF": "HU", "RON": "RO", "BGN": "BG", "ISK": "IS", "RUB": "RU", "UAH": "UA",
    "TRY": "TR", "ILS": "IL", "AED": "AE", "SAR": "SA", "QAR": "QA", "KZT": "KZ",
}
# Codes that are also common words ("try", "mad", "pen") are recognised only as a
# currency field of their own, never inside text.
ISO_CODES = frozenset(SYMBOLS.values()) | frozenset(CURRENCY_REGION) | {"USD", "EUR"}
_SYMBOL_RE = re.compile(
    "|".join(re.escape(k) for k in sorted(SYMBOLS, key=len, reverse=True)), re.IGNORECASE)
_NUMBER_RE = re.compile(r"\d[\d.,'\s\u00a0]*")


def parse_amount(text: str) -> float | None:
    """The first number in ``text``, reading ``1.299,50`` and ``1,299.50`` alike."""
    m = _NUMBER_RE.search(text)
    if not m:
        return None
    raw = re.sub(r"[\s\u00a0']", "", m.group(0)).rstrip(".,")
    if "," in raw and "." in raw:
        if raw.rfind(",") > raw.rfind("."):
            raw = raw.replace(".", "").replace(",", ".")
        else:
            raw = raw.replace(",", "")
    elif "," in raw:
        head, _, tail = raw.rpartition(",")
        raw = f"{head.replace(',', '')}.{tail}" if len(tail) != 3 else raw.replace(",", "")
    elif raw.count(".") > 1 or (raw.count(".") == 1 and len(raw.rpartition(".")[2]) == 3
                                and len(raw) > 4 and raw[0] != "0"):
        raw = raw.replace(".", "")
    try:
        value = float(raw)
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return value


def currency_of(text: str) -> str:
    """ISO 4217 code named or symbolised in ``text``, or ``""``."""
    stripped = text.strip()
    if len(stripped) == 3 and stripped.upper() in ISO_CODES:
        return stripped.upper()
    for m in _SYMBOL_RE.finditer(text):
        token = m.group(0).lower()
        # Alphabetic codes must stand alone: "rs" inside "horse" is not rupees.
        if token[0].isalpha() and token.isascii():
            before = text[m.start() - 1] if m.start() > 0 else " "
            after = text[m.end()] if m.end() < len(text) else " "
            if before.isalpha() or after.isalpha():
                continue
        return SYMBOLS[token]
    return ""


def parse_price(text: str, currency_hint: str = "") -> tuple[float | None, str]:
    """``(amount, ISO currency)`` from a price string; either may be missing."""
    if not text:
        return None, currency_hint.upper() if currency_hint else ""
    amount = parse_amount(text)
    cur = currency_of(currency_hint) if currency_hint else ""
    return amount, cur or currency_of(text)


def currencies_in(text: str) -> list[str]:
    """ISO codes of every currency symbolised or named in ``text``, in order of first
    appearance, each once (same word rules as :func:`currency_of`)."""
    found: list[str] = []
    for m in _SYMBOL_RE.finditer(text):
        token = m.group(0).lower()
        if token[0].isalpha() and token.isascii():
            before = text[m.start() - 1] if m.start() > 0 else " "
            after = text[m.end()] if m.end() < len(text) else " "
            if before.isalpha() or after.isalpha():
                continue
        code = SYMBOLS[token]
        if code not in found:
            found.append(code)
    return found
