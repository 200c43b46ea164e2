"""Payment traces in listing text: where the money goes, normalised and checked.

A seller can open a new account every week but is paid into the same bank account,
e-wallet or address, and those are held in a real name by a bank that knows who it is:
a payment trace links listings as strongly as a phone number and is the detail an
investigator hands to a financial intelligence unit. Each trace is one
``(kind, canonical value)``; where the format has a checksum it is verified, so a typo
or a made-up number does not link two sellers:

* ``iban``: compact upper case, ISO 13616 mod-97 checked and of its country's length;
* ``bank_account``: ``bank:digits`` (``vietcombank:0071001234567``), only after an
  account label ("STK", "số tài khoản", "rekening", "account no", "账号", "เลขบัญชี") and
  with the bank's name when one is written next to it (``digits`` alone otherwise);
* ``paypal``: the paypal.me name or the e-mail written after "PayPal", lower case;
* ``venmo``, ``cashapp``: the handle (``$tag`` for Cash App), lower case;
* ``alipay``, ``wechat_pay``: the account written after the label (phone in E.164,
  e-mail or handle);
* ``pix``: ``cpf:``/``cnpj:`` with their check digits verified, ``email:``, ``phone:``
  (E.164) or ``key:`` (the random-key UUID);
* ``gcash``: the Philippine mobile number in E.164;
* ``upi``: ``name@psp`` where ``psp`` is a UPI handle;
* ``wallet``: ``chain:address`` for Litecoin (``ltc``, Base58Check or bech32), Monero
  (``xmr``, format and length: its checksum needs Keccak, which the standard library
  lacks), Dogecoin (``doge``); Bitcoin, Ethereum/ERC-20 and TRON/TRC-20 (USDT's two
  chains) are read by :mod:`wildtrace.extract.identifiers`.

All patterns are linear and the caller truncates the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

from wildtrace.extract.crypto import b58check_payload, bech32_ok

PAYMENT_KINDS = ("iban", "bank_account", "paypal", "venmo", "cashapp", "alipay",
                 "wechat_pay", "pix", "gcash", "upi", "wallet")

# ISO 13616 lengths of the IBANs of countries that issue them (the registry's table).
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
    "BH": 22, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28,
    "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24,
    "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SC": 31,
    "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "LY": 25, "SD": 18, "BI": 27,
    "DJ": 27, "RU": 33, "SO": 23, "NI": 28, "MN": 20, "FK": 18, "OM": 23, "YE": 30,
}
_IBAN = re.compile(r"(?<![A-Za-z0-9])([A-Z]{2}[0-9]{2}(?:[ \u00a0-]?[A-Z0-9]{1,4}){3,8})"
                   r"(?![A-Za-z0-9])")

# Banks of the trade's regions, by the names sellers write; the key is the canonical
# name used in ``bank:digits``.
BANKS: dict[str, tuple[str, ...]] = {
    "vietcombank": ("vietcombank", "vcb"), "techcombank": ("techcombank", "tcb"),
    "vietinbank": ("vietinbank",), "bidv": ("bidv",), "agribank": ("agribank",),
    "mbbank": ("mbbank", "mb bank"), "acb": ("acb",), "vpbank": ("vpbank",),
    "sacombank": ("sacombank",), "tpbank": ("tpbank",),
    "bca": ("bca", "bank central asia"), "bri": ("bri",), "bni": ("bni",),
    "mandiri": ("mandiri",), "maybank": ("maybank",), "cimb": ("cimb",),
    "public bank": ("public bank",), "kasikorn": ("kasikorn", "kbank", "กสิกร"),
    "scb": ("scb", "ไทยพาณิชย์"), "bangkok bank": ("bangkok bank", "กรุงเทพ"),
    "krungthai": ("krungthai", "กรุงไทย"), "bdo": ("bdo",), "bpi": ("bpi",),
    "metrobank": ("metrobank",), "icbc": ("icbc", "工商银行"),
    "bank of china": ("bank of china", "中国银行"), "ccb": ("ccb", "建设银行"),
    "abc": ("农业银行",), "cmb": ("招商银行",), "aba": ("aba bank", "aba"),
    "acleda": ("acleda",), "bcel": ("bcel",), "kbz": ("kbz",), "gtbank": ("gtbank", "gtb"),
    "access bank": ("access bank",), "first bank": ("first bank",), "zenith": ("zenith",),
    "uba": ("uba",), "equity": ("equity bank",), "kcb": ("kcb",),
    "standard bank": ("standard bank",), "fnb": ("fnb",), "absa": ("absa",),
    "capitec": ("capitec",), "sbi": ("sbi", "state bank of india"), "hdfc": ("hdfc",),
    "icici": ("icici",), "hsbc": ("hsbc",), "citibank": ("citibank", "citi"),
    "dbs": ("dbs",), "ocbc": ("ocbc",), "uob": ("uob",),
}
_BANK_RE = re.compile(r"(?<![A-Za-z])(" + "|".join(
    re.escape(a) for a in sorted((a for v in BANKS.values() for a in v), key=len,
                                 reverse=True)) + r")(?![A-Za-z])", re.IGNORECASE)
_BANK_OF = {a.lower(): k for k, v in BANKS.items() for a in v}
_ACCOUNT = re.compile(
    r"(?:(?<![A-Za-z])(?:stk|số tài khoản|so tai khoan|tài khoản|tk|rekening|no\.?\s?rek|"
    r"norek|account(?:\s?(?:number|no\.?|#))?|acct(?:\s?no\.?)?|a/c(?:\s?no\.?)?|"
    r"bank(?:\s?acc(?:oun)?t)?|conta)(?![A-Za-z])|账号|帳號|卡号|卡號|账户|帳戶|เลขบัญชี|บัญชี)"
    r"[^0-9\n]{0,40}?((?:\d[ \-.]?){6,20}\d)(?![0-9])", re.IGNORECASE)
_PAYPAL_ME = re.compile(r"paypal\.me/([A-Za-z0-9][A-Za-z0-9._-]{1,40})", re.IGNORECASE)
_EMAIL = r"([A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,4})"
_PAYPAL_MAIL = re.compile(r"(?<![A-Za-z])pay\s?pal(?:\s?(?:e-?mail|id|account))?"
                          r"[\s:：=\-(]{0,4}" + _EMAIL, re.IGNORECASE)
_VENMO = re.compile(r"(?:venmo\.com/(?:u/)?|(?<![A-Za-z])venmo[\s:：=]{0,3}@?)"
                    r"([A-Za-z0-9][A-Za-z0-9_-]{4,29})(?![A-Za-z0-9_-])", re.IGNORECASE)
# A cashtag is always written with its "$": after the label, or bare where Cash App is
# named nearby (checked by the caller); "Cash App accepted" names no account.
_CASHAPP = re.compile(r"(?:cash\.app/\$?|(?<![A-Za-z])cash\s?app[\s:：=]{0,3}\$|"
                      r"(?<![\w$])\$(?=[A-Za-z][A-Za-z0-9_]{2,19}\b(?!\s?\d)))"
                      r"([A-Za-z][A-Za-z0-9_-]{0,19})(?![A-Za-z0-9_-])", re.IGNORECASE)
_LABELLED = r"[\s:：=\-(]{0,4}(?:id|account|acc|号|號)?[\s:：=]{0,3}"
_ALIPAY = re.compile(r"(?:(?<![A-Za-z])alipay|支付宝|支付寶)" + _LABELLED +
                     r"(\+?[0-9][0-9 \-]{6,16}[0-9]|" + _EMAIL[1:-1] +
                     r"|[A-Za-z][A-Za-z0-9_.-]{4,30})", re.IGNORECASE)
_WECHAT_PAY = re.compile(r"(?:(?<![A-Za-z])we\s?chat\s?pay|微信支付)" + _LABELLED +
                         r"([A-Za-z][-_A-Za-z0-9]{5,19}|\+?[0-9][0-9 \-]{6,16}[0-9])",
                         re.IGNORECASE)
_PIX = re.compile(r"(?<![A-Za-z])pix(?:\s?(?:key|chave))?(?:\s?(?:cpf|cnpj|e-?mail|"
                  r"celular|telefone|aleat[óo]ria))?[\s:：=\-]{0,4}"
                  r"(" + _EMAIL[1:-1] + r"|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                  r"[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|\d{2}\.?\d{3}\.?\d{3}/?\d{4}-?\d{2}|"
                  r"\d{3}\.?\d{3}\.?\d{3}-?\d{2}|\+?\(?[0-9][0-9() \-]{8,17}[0-9])",
                  re.IGNORECASE)
_GCASH = re.compile(r"(?<![A-Za-z])g-?cash[\s:：=\-#]{0,4}(?:no\.?|number|num)?[\s:：]{0,2}"
                    r"(\+?[0-9][0-9 \-]{8,15}[0-9])", re.IGNORECASE)
# UPI handles of the payment apps and banks (NPCI's list, the common part).
UPI_PSPS = frozenset(
    "ybl ibl axl okaxis oksbi okhdfcbank okicici paytm upi apl yapl rapl sbi icici hdfc "
    "hdfcbank axisbank axis kotak pnb boi barodampay unionbank idfcbank indus jupiteraxis "
    "fbl freecharge airtel jio waaxis wahdfcbank wasbi waicici ptyes ptaxis pthdfc ptsbi "
    "timecosmos ikwik abfspay slice".split())
_UPI = re.compile(r"(?<![A-Za-z0-9._-])([A-Za-z0-9][A-Za-z0-9._-]{1,48})@([A-Za-z]{2,16})"
                  r"(?![A-Za-z0-9.-]*\.[A-Za-z])(?![A-Za-z0-9])")
_LTC = re.compile(r"(?<![0-9A-Za-z])([LM][1-9A-HJ-NP-Za-km-z]{25,34}|ltc1[02-9ac-hj-np-z]"
                  r"{8,87})(?![0-9A-Za-z])", re.IGNORECASE)
_DOGE = re.compile(r"(?<![0-9A-Za-z])(D[1-9A-HJ-NP-Za-km-z]{33})(?![0-9A-Za-z])")
_XMR = re.compile(r"(?<![0-9A-Za-z])([48][1-9A-HJ-NP-Za-km-z]{94})(?![0-9A-Za-z])")
_GATE = re.compile(r"[A-Z]{2}\d{2}|stk|tài khoản|tk|rek|acc|a/c|bank|conta|账|帳|卡|บัญชี|"
                   r"pay\s?pal|venmo|cash|alipay|支付|pix|g-?cash|@|\$|ltc1|[LMD48][1-9A-HJ-NP-"
                   r"Za-km-z]{25}", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Trace:
    """One payment trace: where it stood in the text, its kind and canonical value."""

    start: int
    end: int
    kind: str
    value: str


def iban_ok(value: str) -> bool:
    """True for an IBAN of its country's length whose mod-97 check holds."""
    v = re.sub(r"[\s\u00a0-]", "", value).upper()
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{8,30}", v):
        return False
    if IBAN_LENGTHS.get(v[:2]) not in (None, len(v)) or v[:2] not in IBAN_LENGTHS:
        return False
    digits = "".join(str(int(c, 36)) for c in v[4:] + v[:4])
    return int(digits) % 97 == 1


def cpf_ok(value: str) -> bool:
    """True for a Brazilian CPF (11 digits) whose two check digits hold."""
    d = [int(c) for c in re.sub(r"\D", "", value)]
    if len(d) != 11 or len(set(d)) == 1:
        return False
    for n in (9, 10):
        s = sum(d[i] * (n + 1 - i) for i in range(n))
        if (s * 10 % 11) % 10 != d[n]:
            return False
    return True


def cnpj_ok(value: str) -> bool:
    """True for a Brazilian CNPJ (14 digits) whose two check digits hold."""
    d = [int(c) for c in re.sub(r"\D", "", value)]
    if len(d) != 14 or len(set(d)) == 1:
        return False
    for n in (12, 13):
        weights = list(range(n - 7, 1, -1)) + list(range(9, 1, -1))
        s = sum(a * b for a, b in zip(d[:n], weights, strict=True))
        check = 0 if s % 11 < 2 else 11 - s % 11
        if check != d[n]:
            return False
    return True


def _phone(value: str, region: str) -> str | None:
    try:
        num = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(num):
        return None
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def _account(value: str) -> str:
    v = value.strip()
    if "@" in v:
        return v.lower()
    if v[:1] in "+0123456789":
        e164 = _phone(v, "CN")
        return e164 or re.sub(r"\D", "", v)
    return v.lower()


def _wallet(address: str) -> str | None:
    low = address.lower()
    if low.startswith("ltc1"):
        return "ltc:" + low if bech32_ok(low) else None
    payload = b58check_payload(address)
    if payload is None:
        return None
    if address[0] in "LM" and payload[0] in (0x30, 0x32):
        return "ltc:" + address
    if address[0] == "D" and payload[0] == 0x1E:
        return "doge:" + address
    return None


def find_payments(text: str) -> list[Trace]:
    """Every payment trace in ``text`` (see the module docstring), in order."""
    if not _GATE.search(text):
        return []
    out: list[Trace] = []
    for m in _IBAN.finditer(text):
        if iban_ok(m.group(1)):
            out.append(Trace(m.start(1), m.end(1), "iban",
                             re.sub(r"[\s\u00a0-]", "", m.group(1)).upper()))
    ibans = [(t.start, t.end) for t in out]
    for m in _ACCOUNT.finditer(text):
        if any(s <= m.start(1) < e for s, e in ibans):
            continue
        digits = re.sub(r"\D", "", m.group(1))
        window = text[max(0, m.start() - 40):m.end(1) + 40]
        bank = _BANK_RE.search(window)
        value = f"{_BANK_OF[bank.group(1).lower()]}:{digits}" if bank else digits
        out.append(Trace(m.start(1), m.end(1), "bank_account", value))
    for m in _PAYPAL_ME.finditer(text):
        out.append(Trace(m.start(), m.end(), "paypal", m.group(1).lower().rstrip(".")))
    for m in _PAYPAL_MAIL.finditer(text):
        out.append(Trace(m.start(1), m.end(1), "paypal", m.group(1).lower().rstrip(".")))
    for m in _VENMO.finditer(text):
        out.append(Trace(m.start(1), m.end(1), "venmo", m.group(1).lower()))
    for m in _CASHAPP.finditer(text):
        label = m.group(0)[:-len(m.group(1))].lower()
        if label == "$" and not re.search(r"cash\s?app", text[max(0, m.start() - 60):
                                                             m.start()], re.IGNORECASE):
            continue  # a bare "$word" is a cashtag only where Cash App is named
        out.append(Trace(m.start(1), m.end(1), "cashapp", "$" + m.group(1).lower()))
    for m in _ALIPAY.finditer(text):
        out.append(Trace(m.start(1), m.end(1), "alipay", _account(m.group(1))))
    for m in _WECHAT_PAY.finditer(text):
        out.append(Trace(m.start(1), m.end(1), "wechat_pay", _account(m.group(1))))
    for m in _PIX.finditer(text):
        key = _pix_key(m.group(1))
        if key:
            out.append(Trace(m.start(1), m.end(1), "pix", key))
    for m in _GCASH.finditer(text):
        e164 = _phone(m.group(1), "PH")
        if e164 and e164.startswith("+63"):
            out.append(Trace(m.start(1), m.end(1), "gcash", e164))
    for m in _UPI.finditer(text) if "@" in text else ():
        if m.group(2).lower() in UPI_PSPS:
            out.append(Trace(m.start(), m.end(), "upi",
                             f"{m.group(1).lower()}@{m.group(2).lower()}"))
    for pattern in (_LTC, _DOGE):
        for m in pattern.finditer(text):
            wallet = _wallet(m.group(1))
            if wallet:
                out.append(Trace(m.start(1), m.end(1), "wallet", wallet))
    for m in _XMR.finditer(text):
        if b58_decodable(m.group(1)):
            out.append(Trace(m.start(1), m.end(1), "wallet", "xmr:" + m.group(1)))
    out.sort(key=lambda t: t.start)
    return out


def b58_decodable(address: str) -> bool:
    """True when a Monero address decodes in its 8-character Base58 blocks (11 full
    blocks and a 7-character tail, each within range): a format check, not a checksum."""
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    if len(address) != 95:
        return False
    blocks = [address[i:i + 8] for i in range(0, 88, 8)] + [address[88:]]
    for block in blocks:
        n = 0
        for ch in block:
            n = n * 58 + alphabet.index(ch)
        if n >= 1 << (64 if len(block) == 8 else 40):
            return False
    return True


def _pix_key(raw: str) -> str | None:
    v = raw.strip()
    if "@" in v:
        return "email:" + v.lower()
    if re.fullmatch(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}", v):
        return "key:" + v.lower()
    digits = re.sub(r"\D", "", v)
    if len(digits) == 14 and cnpj_ok(digits):
        return "cnpj:" + digits
    if len(digits) == 11 and cpf_ok(digits) and not v.startswith(("+", "(")):
        return "cpf:" + digits
    e164 = _phone(v, "BR")
    if e164 and e164.startswith("+55"):
        return "phone:" + e164
    return None
