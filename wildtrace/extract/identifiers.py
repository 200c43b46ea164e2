"""Contact identifiers in listing text: find them and normalise them.

Sellers move between platforms but keep their phone, WeChat or wallet, so these are
the strongest evidence for linking accounts. Every identifier is reduced to one
canonical string so that equal identifiers compare equal across listings:

* ``phone``, ``whatsapp``: E.164 (``+84912345678``), parsed with ``phonenumbers`` and a
  default region for numbers written without a country code;
* ``email``: lower case, with common obfuscations (``name [at] host [dot] com``) undone;
* ``wechat``, ``telegram``, ``line``, ``qq``: the handle, lower case, without ``@``;
* ``wallet``: ``chain:address`` for Bitcoin (``btc``), Ethereum/ERC-20 (``eth``) and
  TRON/TRC-20 USDT (``tron``); Base58Check addresses are checksum-verified;
* ``profile_url``: ``https://host/path`` without ``www.``, query, fragment or trailing
  slash, lower case for hosts whose paths are case-insensitive.

Text comes from criminals: input is truncated to :data:`MAX_TEXT` characters and every
pattern is linear (no nested quantifiers), so a crafted listing cannot stall a run.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit

import phonenumbers

from wildtrace.errors import InputError
from wildtrace.records import Identifier

MAX_TEXT = 100_000
KINDS = ("phone", "whatsapp", "email", "wechat", "telegram", "line", "qq", "wallet",
         "profile_url")

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58)}
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

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
_ETH = re.compile(r"(?<![0-9A-Za-z])(0x[0-9a-fA-F]{40})(?![0-9A-Za-z])")
_BTC_LEGACY = re.compile(r"(?<![0-9A-Za-z])([13][1-9A-HJ-NP-Za-km-z]{25,34})(?![0-9A-Za-z])")
_BTC_BECH32 = re.compile(r"(?<![0-9A-Za-z])(bc1[02-9ac-hj-np-z]{11,71})(?![0-9A-Za-z])",
                         re.IGNORECASE)
_TRON = re.compile(r"(?<![0-9A-Za-z])(T[1-9A-HJ-NP-Za-km-z]{33})(?![0-9A-Za-z])")
_URL = re.compile(r"(?:https?://)?(?:www\.)?((?:[a-z0-9-]{1,63}\.){1,4}[a-z]{2,12})"
                  r"(/[^\s<>\"'()\[\]{}]{1,300})", re.IGNORECASE)


def _b58check(address: str) -> bytes | None:
    """The payload of a Base58Check string, or None when the checksum fails."""
    n = 0
    for ch in address:
        idx = _B58_INDEX.get(ch)
        if idx is None:
            return None
        n = n * 58 + idx
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    raw = b"\x00" * (len(address) - len(address.lstrip("1"))) + raw
    if len(raw) < 5:
        return None
    payload, check = raw[:-4], raw[-4:]
    if hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] != check:
        return None
    return payload


def _bech32_ok(address: str) -> bool:
    """True when ``address`` has a valid bech32 or bech32m checksum."""
    a = address.lower()
    hrp, _, data = a.rpartition("1")
    if not hrp or len(data) < 6 or any(c not in _BECH32 for c in data):
        return False
    values = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    values += [_BECH32.index(c) for c in data]
    gen = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (top >> i) & 1 else 0
    return chk in (1, 0x2BC830A3)


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
    if kind in ("phone", "whatsapp"):
        return normalise_phone(v, region)
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
# No region's valid numbers are shorter than five digits (with the country code for
# international ones); separators are anything but letters and digits, plus the
# katakana prolonged-sound mark some Japanese listings use as a dash.
_PHONE_GATE = re.compile(r"\d(?:(?:[^\w]|[_ー]){0,6}\d){4}")
_EMAIL_GATE = re.compile(r"@|[\[({]\s*at\s*[\])}]", re.IGNORECASE)
_HANDLE_GATE = re.compile(r"we\s?chat|weixin|vx|wx|微信|威信|薇信|信|tele|tg|电报|飞机|\.me/|"
                          r"line|ไลน์|qq|扣扣", re.IGNORECASE)
_WALLET_GATE = re.compile(r"0x|bc1|[1-9A-HJ-NP-Za-km-z]{25}", re.IGNORECASE)


def _phones(text: str, region: str) -> list[tuple[int, str]]:
    if not _PHONE_GATE.search(text):
        return []
    found = []
    for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID,
                                             max_tries=200):
        found.append((m.start, phonenumbers.format_number(
            m.number, phonenumbers.PhoneNumberFormat.E164)))
    return found


def find_identifiers(text: str, region: str = "ZZ") -> list[Identifier]:
    """All contact identifiers in ``text``, normalised, in order of first appearance.

    ``region`` (ISO 3166 alpha-2, e.g. ``"VN"``) is the default country for phone numbers
    written without a country code; ``"ZZ"`` accepts only international numbers. A phone
    written right after a WhatsApp label is reported both as ``phone`` and ``whatsapp``.
    """
    text = text[:MAX_TEXT]
    hits: list[tuple[int, str, str]] = []
    for start, e164 in _phones(text, region):
        hits.append((start, "phone", e164))
        label = _WHATSAPP_LABEL.search(text, max(0, start - 24), start)
        if label:
            hits.append((start, "whatsapp", e164))
    low = text.lower()
    for m in _WHATSAPP_LINK.finditer(text) if ("wa.me" in low or "whatsapp" in low) else ():
        try:
            e164 = normalise_phone("+" + m.group(1))
        except InputError:
            continue
        hits += [(m.start(), "whatsapp", e164), (m.start(), "phone", e164)]
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
                hits.append((m.start(), "profile_url", normalise_url(m.group(0))))
    hits.sort(key=lambda h: h[0])
    seen: set[tuple[str, str]] = set()
    out: list[Identifier] = []
    for _, kind, value in hits:
        if (kind, value) not in seen:
            seen.add((kind, value))
            out.append(Identifier(kind, value))
    return out
