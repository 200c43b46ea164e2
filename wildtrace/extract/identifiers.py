"""Contact identifiers in listing text: find them and normalise them.

Sellers move between platforms but keep their phone, WeChat or wallet, so these are
the strongest evidence for linking accounts. Every identifier is reduced to one
canonical string so that equal identifiers compare equal across listings:

* ``phone``: E.164 (``+84912345678``), found by :mod:`wildtrace.extract.phones` the way
  people write them (national formats, any separator, spelled out, any digit script),
  the country of a national number inferred from the page;
* ``whatsapp``, ``zalo``, ``viber``, ``signal``: the same E.164 when the number follows
  the app's name (or its ``wa.me``/``zalo.me``/``viber://``/``signal.me`` link);
* ``kakaotalk``: the KakaoTalk ID, lower case (or the ``open.kakao.com`` room);
* payment traces (``iban``, ``bank_account``, ``paypal``, ``venmo``, ``cashapp``,
  ``alipay``, ``wechat_pay``, ``pix``, ``gcash``, ``upi`` and more ``wallet`` chains):
  see :mod:`wildtrace.extract.payments`;
* ``email``: lower case, with common obfuscations (``name [at] host [dot] com``) undone;
* ``wechat``, ``telegram``, ``line``, ``qq``: the handle, lower case, without ``@``;
* ``wallet``: ``chain:address`` for Bitcoin (``btc``), Ethereum/ERC-20 USDT (``eth``),
  TRON/TRC-20 USDT (``tron``), Litecoin, Monero and Dogecoin; checksums verified;
* ``profile_url``: ``https://host/path`` without ``www.``, query, fragment or trailing
  slash, lower case for hosts whose paths are case-insensitive.

Text comes from criminals: input is truncated to :data:`MAX_TEXT` characters and every
pattern is linear (no nested quantifiers), so a crafted listing cannot stall a run.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import phonenumbers

from wildtrace.errors import InputError
from wildtrace.extract.crypto import b58check_payload as _b58check
from wildtrace.extract.crypto import bech32_ok as _bech32_ok
from wildtrace.extract.payments import PAYMENT_KINDS, cnpj_ok, cpf_ok, find_payments, iban_ok
from wildtrace.extract.phones import find_phones, may_hold_phones, region_hints
from wildtrace.records import Identifier

MAX_TEXT = 100_000
MESSENGER_PHONES = ("whatsapp", "zalo", "viber", "signal")
KINDS = ("phone", *MESSENGER_PHONES, "email", "wechat", "telegram", "line", "qq",
         "kakaotalk", "profile_url", *PAYMENT_KINDS)

# Hosts whose first path segment names an account; paths there are case-insensitive.
_PROFILE_HOSTS = {
    "facebook.com", "m.facebook.com", "fb.com", "instagram.com", "twitter.com", "x.com",
    "tiktok.com", "vk.com", "weibo.com", "youtube.com", "pinterest.com", "reddit.com",
    "threads.net", "xiaohongshu.com", "zalo.me", "shopee.vn", "lazada.co.th",
}
_NOT_ACCOUNTS = {"share", "sharer", "sharer.php", "watch", "hashtag", "search", "explore",
                 "p", "reel", "reels", "groups", "events", "login", "home", "intent",
                 "photo.php", "story.php", "permalink.php", "i", "about", "help", "policies"}
_PROFILE_PHP = "profile.php"

# A label must be followed by "id", a colon or "=" (or, after a CJK label, a space):
# "line products" or "wechat available" in prose must not become handles.
_SEP = r"\s*(?:(?:id|号|號)\s*[:：=]?|[:：=])\s*"
_CJK_SEP = r"\s*(?:(?:id|号|號)\s*[:：=]?|[:：=])?\s*"
_START = r"(?<![A-Za-z0-9_])"
_EMAIL = re.compile(
    r"(?<![\w.+-])([A-Za-z0-9._%+-]{1,64})\s*(?:@|\[at\]|\(at\)|\{at\}|\s+at\s+)\s*"
    # A plain dot takes no spaces around it ("x@example.com. Posted" ends at "com");
    # only the spelled-out obfuscations may be spaced.
    r"([A-Za-z0-9-]{1,63}(?:(?:\.|\s*(?:\[dot\]|\(dot\))\s*|\s+dot\s+)[A-Za-z0-9-]{1,63}){1,4})",
    re.IGNORECASE)
_WECHAT = re.compile(
    r"(?:" + _START + r"(?:wechat|we\s?chat|weixin|vx|wx)" + _SEP
    + r"|(?:微信|威信|薇信|[vV]信)" + _CJK_SEP + r")"
    + r"([A-Za-z][-_A-Za-z0-9]{5,19})(?![-_A-Za-z0-9])", re.IGNORECASE)
_TELEGRAM = re.compile(
    r"(?:" + _START + r"(?:telegram|tele|tg)(?:" + _SEP + r"|\s+(?=@))@?"
    r"|(?:电报|飞机)" + _CJK_SEP + r"@?|(?:https?://)?(?:t|telegram)\.me/)"
    r"([A-Za-z][A-Za-z0-9_]{4,31})(?![A-Za-z0-9_])", re.IGNORECASE)
_LINE = re.compile(
    r"(?:" + _START + r"line(?:" + _SEP + r"|\s+(?=@))@?|(?:ไอดีไลน์|ไลน์)" + _CJK_SEP
    + r"@?|line\.me/ti/p/~?)"
    r"([A-Za-z0-9][-._A-Za-z0-9]{3,19})(?![-_A-Za-z0-9])", re.IGNORECASE)
_QQ = re.compile(r"(?:" + _START + r"qq(?:" + _SEP + r"|\s+)|扣扣" + _CJK_SEP + r")"
                 r"([1-9][0-9]{4,10})(?![0-9])", re.IGNORECASE)
_WHATSAPP_LINK = re.compile(r"(?:wa\.me/|whatsapp\.com/send\?phone=)\+?([0-9]{6,15})",
                            re.IGNORECASE)
_WHATSAPP_LABEL = re.compile(r"(?:whats\s?app|whatsapp|wa|ws|wsp|watsap)\b", re.IGNORECASE)
# The app a phone number is for, read just before it ("Zalo: 09...", "WA/Viber 08...")
# or right after it ("0912 345 678 (Zalo)").
_APP_LABELS = (
    ("whatsapp", re.compile(r"(?<![A-Za-z])(?:whats\s?app|wa|ws|wsp|watsap|wha)(?![A-Za-z])",
                            re.IGNORECASE)),
    ("zalo", re.compile(r"(?<![A-Za-z])(?:zalo|zl)(?![A-Za-z])", re.IGNORECASE)),
    ("viber", re.compile(r"(?<![A-Za-z])viber(?![A-Za-z])", re.IGNORECASE)),
    ("signal", re.compile(r"(?<![A-Za-z])signal(?![A-Za-z])", re.IGNORECASE)),
)
_APP_LINKS = re.compile(r"(?:zalo\.me/|viber://(?:chat|add)\?number=|signal\.me/#p/)"
                        r"(?:%2B|\+)?([0-9]{8,15})", re.IGNORECASE)
_KAKAO = re.compile(r"(?:(?<![A-Za-z])kakao\s?(?:talk)?(?:" + _SEP + r"|\s+)@?|카카오톡?"
                    + _CJK_SEP + r"|카톡" + _CJK_SEP + r"|open\.kakao\.com/o/)"
                    r"([A-Za-z0-9][-._A-Za-z0-9]{3,19})(?![-_A-Za-z0-9])", re.IGNORECASE)
_ETH = re.compile(r"(?<![0-9A-Za-z])(0x[0-9a-fA-F]{40})(?![0-9A-Za-z])")
_BTC_LEGACY = re.compile(r"(?<![0-9A-Za-z])([13][1-9A-HJ-NP-Za-km-z]{25,34})(?![0-9A-Za-z])")
_BTC_BECH32 = re.compile(r"(?<![0-9A-Za-z])(bc1[02-9ac-hj-np-z]{11,71})(?![0-9A-Za-z])",
                         re.IGNORECASE)
_TRON = re.compile(r"(?<![0-9A-Za-z])(T[1-9A-HJ-NP-Za-km-z]{33})(?![0-9A-Za-z])")
_URL = re.compile(r"(?:https?://)?(?:www\.)?((?:[a-z0-9-]{1,63}\.){1,4}[a-z]{2,12})"
                  r"(/[^\s<>\"'()\[\]{}]{1,300})", re.IGNORECASE)


def normalise_phone(value: str, region: str = "ZZ") -> str:
    """``value`` as E.164; raises :class:`InputError` when it is not a valid number."""
    try:
        num = phonenumbers.parse(value, None if value.strip().startswith("+") else region)
    except phonenumbers.NumberParseException as exc:
        raise InputError(f"not a phone number: {value[:40]!r} ({exc})",
                         hint="write it with a country code, e.g. +84 912 345 678") from exc
    if not phonenumbers.is_valid_number(num):
        raise InputError(f"not a valid phone number: {value[:40]!r}",
                         hint="check the digits and the country code")
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def normalise_url(value: str) -> str:
    """A profile URL reduced to ``https://host/path`` for comparison."""
    v = value.strip()
    # A scheme only at the start counts: "www.facebook.com/a://b" has none.
    if not re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", v):
        v = "https://" + v
    try:
        parts = urlsplit(v)
        parts.hostname  # noqa: B018 - raises for a host urllib cannot parse
    except ValueError:
        return v
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    path = parts.path.rstrip("/")
    if path.endswith("profile.php"):
        # Numeric Facebook profiles are named by their ``id`` query parameter.
        ids = re.findall(r"(?:^|&)id=([0-9]{1,30})", parts.query)
        if ids:
            return f"https://{host}{path}?id={ids[0]}"
    if host in _PROFILE_HOSTS or host in ("t.me", "line.me", "wa.me"):
        path = path.lower()
    return f"https://{host}{path}"


def normalise(kind: str, value: str, region: str = "ZZ") -> str:
    """The canonical form of identifier ``value`` of ``kind`` (see module docstring).

    Raises :class:`InputError` for an unknown kind or a value that is not valid for it.
    """
    v = value.strip()
    if kind in ("phone", *MESSENGER_PHONES, "gcash"):
        return normalise_phone(v, "PH" if kind == "gcash" else region)
    if kind == "kakaotalk":
        handle = v.lstrip("@").lower()
        if not re.fullmatch(r"[a-z0-9][-._a-z0-9]{3,19}", handle):
            raise InputError(f"not a KakaoTalk id: {v[:40]!r}")
        return handle
    if kind == "iban":
        compact = re.sub(r"[\s-]", "", v).upper()
        if not iban_ok(compact):
            raise InputError(f"not a valid IBAN: {v[:40]!r}",
                             hint="an IBAN's length and mod-97 check digits must hold")
        return compact
    if kind == "pix":
        digits = re.sub(r"\D", "", v)
        if len(digits) == 11 and cpf_ok(digits):
            return "cpf:" + digits
        if len(digits) == 14 and cnpj_ok(digits):
            return "cnpj:" + digits
        if "@" in v:
            return "email:" + v.lower()
        raise InputError(f"not a Pix key this tool can check: {v[:40]!r}",
                         hint="a CPF, CNPJ or e-mail")
    if kind in ("bank_account", "paypal", "venmo", "cashapp", "alipay", "wechat_pay", "upi"):
        if not v or len(v) > 120 or any(c.isspace() for c in v.strip()):
            raise InputError(f"not a {kind} value: {v[:40]!r}")
        return v.lower()
    if kind == "email":
        m = _EMAIL.fullmatch(v)
        if not m:
            raise InputError(f"not an email address: {v[:60]!r}")
        domain = re.sub(r"\s*(?:\[dot\]|\(dot\)|\s+dot\s+)\s*|\s*\.\s*", ".", m.group(2),
                        flags=re.IGNORECASE)
        return f"{m.group(1)}@{domain}".lower()
    if kind in ("wechat", "telegram", "line"):
        handle = v.lstrip("@~").lower()
        if not re.fullmatch(r"[a-z0-9][-._a-z0-9]{2,31}", handle):
            raise InputError(f"not a {kind} id: {v[:40]!r}")
        return handle
    if kind == "qq":
        if not re.fullmatch(r"[1-9][0-9]{4,10}", v):
            raise InputError(f"not a QQ number: {v[:40]!r}")
        return v
    if kind == "wallet":
        return _normalise_wallet(v)
    if kind == "profile_url":
        return normalise_url(v)
    raise InputError(f"unknown identifier kind {kind!r}", hint="kinds: " + ", ".join(KINDS))


def _normalise_wallet(value: str) -> str:
    v = value.split(":", 1)[1] if ":" in value else value
    if _ETH.fullmatch(v):
        return "eth:" + v.lower()
    if v.lower().startswith("bc1") and _bech32_ok(v):
        return "btc:" + v.lower()
    payload = _b58check(v)
    if payload is not None:
        if v[0] in "13" and payload[0] in (0x00, 0x05):
            return "btc:" + v
        if v[0] == "T" and payload[0] == 0x41:
            return "tron:" + v
    raise InputError(f"not a recognised wallet address: {value[:64]!r}",
                     hint="Bitcoin, Ethereum/ERC-20 and TRON/TRC-20 addresses are known")


# Cheap tests that let a page skip a costly matcher when it cannot match. Each is looser
# than what it guards: a page passing it is scanned in full, one failing it has no hit.
# (Phones have theirs in wildtrace.extract.phones.may_hold_phones.)
_EMAIL_GATE = re.compile(r"@|[\[({]\s*at\s*[\])}]", re.IGNORECASE)
_HANDLE_GATE = re.compile(r"we\s?chat|weixin|vx|wx|微信|威信|薇信|信|tele|tg|电报|飞机|\.me/|"
                          r"line|ไลน์|qq|扣扣", re.IGNORECASE)
_WALLET_GATE = re.compile(r"0x|bc1|[1-9A-HJ-NP-Za-km-z]{25}", re.IGNORECASE)


def find_identifiers(text: str, region: str = "ZZ", *, url: str = "", location: str = "",
                     language: str = "", currency: str = "") -> list[Identifier]:
    """All contact identifiers and payment traces in ``text``, normalised, in order of
    first appearance, each (kind, value) once.

    ``region`` (ISO 3166 alpha-2, e.g. ``"VN"``) is the country the caller knows the
    page is in; ``url``, ``location``, ``language`` and ``currency`` are the page's own
    hints. With none of them (``"ZZ"``) the text alone is read for where it is (see
    :func:`wildtrace.extract.phones.region_hints`), and a national number whose country
    it does not tell is kept only when it is unambiguous. A phone written next to a
    WhatsApp, Zalo, Viber or Signal label is reported both as ``phone`` and as that app.
    """
    text = text[:MAX_TEXT]
    hits: list[tuple[int, str, str]] = []
    traces = find_payments(text)
    for t in traces:
        hits.append((t.start, t.kind, t.value))
    skip = [(t.start, t.end) for t in traces if t.kind in ("iban", "bank_account")]
    phones = find_phones(text, hints=region_hints(
        text, region="" if region == "ZZ" else region, url=url, location=location,
        language=language, currency=currency), skip=skip) if may_hold_phones(text) else []
    prev_end = 0
    for p in phones:
        hits.append((p.start, "phone", p.e164))
        # A label belongs to the numbers after it up to the next number: "Zalo: 0912...,
        # Viber 0987..." makes the second a Viber number only.
        before = text[max(prev_end, p.start - 28):p.start]
        after = text[p.end:p.end + 10]
        prev_end = p.end
        for kind, label in _APP_LABELS:
            if label.search(before) or label.match(after.lstrip(" ([/-")):
                hits.append((p.start, kind, p.e164))
    low = text.lower()
    for m in _WHATSAPP_LINK.finditer(text) if ("wa.me" in low or "whatsapp" in low) else ():
        try:
            e164 = normalise_phone("+" + m.group(1))
        except InputError:
            continue
        hits += [(m.start(), "whatsapp", e164), (m.start(), "phone", e164)]
    for m in _APP_LINKS.finditer(text) if ("zalo.me" in low or "viber:" in low
                                          or "signal.me" in low) else ():
        app = "zalo" if "zalo" in m.group(0).lower() else \
            "viber" if "viber" in m.group(0).lower() else "signal"
        digits = m.group(1)
        try:
            e164 = normalise_phone("+" + digits) if not digits.startswith("0") else \
                normalise_phone(digits, "VN" if app == "zalo" else region)
        except InputError:
            continue
        hits += [(m.start(), app, e164), (m.start(), "phone", e164)]
    for m in _EMAIL.finditer(text) if _EMAIL_GATE.search(text) else ():
        if m.group(0).count("@") == 0 and not re.search(r"\[at\]|\(at\)|\{at\}", m.group(0),
                                                        re.IGNORECASE):
            continue  # "x at y dot z" in prose is too ambiguous without brackets
        try:
            hits.append((m.start(), "email", normalise("email", m.group(0))))
        except InputError:
            continue
    handles = (("wechat", _WECHAT), ("telegram", _TELEGRAM), ("line", _LINE), ("qq", _QQ))
    for kind, pattern in handles if _HANDLE_GATE.search(text) else ():
        for m in pattern.finditer(text):
            hits.append((m.start(1), kind, m.group(1).lower()))
    if "kakao" in low or "카" in text:
        for m in _KAKAO.finditer(text):
            hits.append((m.start(1), "kakaotalk", m.group(1).lower()))
    wallets = (_ETH, _BTC_LEGACY, _BTC_BECH32, _TRON)
    for pattern in wallets if _WALLET_GATE.search(text) else ():
        for m in pattern.finditer(text):
            try:
                hits.append((m.start(), "wallet", _normalise_wallet(m.group(1))))
            except InputError:
                continue
    for m in _URL.finditer(text) if "/" in text else ():
        host = m.group(1).lower()
        if host in _PROFILE_HOSTS:
            segment = m.group(2).strip("/").split("/")[0].split("?")[0].lower()
            if segment == _PROFILE_PHP and "id=" not in m.group(2):
                continue
            if segment and segment.lstrip("@") not in _NOT_ACCOUNTS:
                # "zalo.me/849..., or" ends at the word: trailing punctuation is prose.
                url = m.group(0).rstrip(".,;:!?")
                hits.append((m.start(), "profile_url", normalise_url(url)))
    hits.sort(key=lambda h: h[0])
    seen: set[tuple[str, str]] = set()
    out: list[Identifier] = []
    for _, kind, value in hits:
        if (kind, value) not in seen:
            seen.add((kind, value))
            out.append(Identifier(kind, value))
    return out
