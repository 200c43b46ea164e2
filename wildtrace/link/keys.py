"""The streaming half of seller resolution: accounts, handles, identifiers and photos.

Listings are read in id order and each is linked to the *first* listing seen with the
same account, distinctive handle, contact identifier or photo band. What those rules
depend on is therefore only the listings seen before, held in a :class:`KeyState`: the
first holder of every key, how many listings showed each identifier (a group over
``MAX_GROUP`` is a platform's own number and stops linking) and the first photo hash of
every photo-band holder. The full resolver builds that state from nothing; the
incremental one (:mod:`wildtrace.link.incremental`) loads the part of it that new
listings ask about from the stored link index and runs the very same :func:`scan`, so
the links it finds for new listings are the ones a full run would find.

Keys are strings (``a``ccount, ``h``andle, ``i``dentifier, ``p``hoto band, joined by
``\\x1f``) because they are stored as such in ``link_keys``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from wildtrace.records import Identifier

# Where the money goes: an account a bank or e-wallet opened after checking who holds it
# (IBAN, bank account, GCash, Pix, UPI, PayPal) ties listings more strongly than a phone
# (SIMs are cheap and shared), and a checksummed IBAN or Pix CPF/CNPJ cannot be a typo
# that happens to match another seller's; payment-app handles anyone opens in seconds
# (Venmo, Cash App) weigh as messenger handles.
PAYMENT_KINDS = {"iban": 0.98, "pix": 0.97, "bank_account": 0.96, "gcash": 0.96,
                 "upi": 0.96, "paypal": 0.96, "alipay": 0.95, "wechat_pay": 0.95,
                 "wallet": 0.95, "venmo": 0.9, "cashapp": 0.9}
STRONG_KINDS = {"phone": 0.95, "whatsapp": 0.95, "email": 0.95, **PAYMENT_KINDS,
                "zalo": 0.95, "viber": 0.95, "signal": 0.95, "kakaotalk": 0.9,
                "profile_url": 0.95, "wechat": 0.9, "telegram": 0.9, "line": 0.9, "qq": 0.9,
                # A kept photo's key (copies within the photo index's radius share it).
                "photo": 0.85}
ACCOUNT_CONFIDENCE = 0.99
IMAGE_CONFIDENCE = 0.85
HANDLE_CONFIDENCE = 0.6
MAX_GROUP = 5000  # an identifier on more listings than this is a platform's own number
IMAGE_BITS = 4  # photo hashes within this many bits are the same picture
_GENERIC_HANDLES = {"admin", "seller", "shop", "store", "user", "anonymous", "guest",
                    "private", "unknown", "n/a", "none"}
SEP = "\x1f"

# add(a, b, kind, evidence, confidence): one link found between positions a < b.
AddLink = Callable[[int, int, str, str, float], None]


@dataclass
class KeyState:
    """What the streaming rules remember of the listings seen so far.

    ``first`` maps a key to its first holder; ``size`` counts the listings that showed
    each identifier key; ``platform`` is the platform of each handle's first holder;
    ``image_of`` the first photo hash of each photo-band holder. ``touched`` collects
    the keys changed since the state was loaded (what an incremental run writes back).
    """

    first: dict[str, int] = field(default_factory=dict)
    size: dict[str, int] = field(default_factory=dict)
    platform: dict[str, str] = field(default_factory=dict)
    image_of: dict[int, int] = field(default_factory=dict)
    touched: set[str] = field(default_factory=set)
    track: bool = False  # record touched keys (off for full runs: every key is written)

    def set_first(self, key: str, pos: int) -> None:
        """Make ``pos`` the first holder of ``key``."""
        self.first[key] = pos
        if self.track:
            self.touched.add(key)


def normalise_account(name: str) -> str:
    """Account names compared case- and spacing-insensitively."""
    return re.sub(r"[\s._\-]+", "", name.strip().lower())[:200]


def account_key(platform: str, account: str) -> str:
    """Key of an account (normalised) on a platform."""
    return f"a{SEP}{platform}{SEP}{account}"


def identifier_key(ident: Identifier) -> str:
    """Key of a contact identifier."""
    return f"i{SEP}{ident.kind}{SEP}{ident.value}"


def photo_key(band: int, h: int) -> str:
    """Key of one 16-bit band of a photo hash."""
    return f"p{SEP}{band}{SEP}{(h >> (16 * band)) & 0xFFFF}"


def keys_of(platform: str, account: str, identifiers: tuple[Identifier, ...],
            image_hashes: tuple[int, ...]) -> list[str]:
    """Every key a listing's scan looks up (what an incremental run loads first)."""
    acct = normalise_account(account)
    out = []
    if acct:
        out.append(account_key(platform, acct))
        out.append(f"h{SEP}{acct}")
    out.extend(identifier_key(i) for i in identifiers if i.kind in STRONG_KINDS)
    out.extend(photo_key(b, h) for h in image_hashes for b in range(4))
    return out


def scan(pos: int, platform: str, account_name: str, identifiers: tuple[Identifier, ...],
         image_hashes: tuple[int, ...], state: KeyState, add: AddLink) -> bool:
    """Link one listing (at ``pos``, after every position in ``state``) to the first
    holders of its keys; returns whether it is *known* (has an account or a strong
    identifier), which decides whether its seller counts as an owner of boilerplate."""
    account = normalise_account(account_name)
    if account:
        key = account_key(platform, account)
        if key in state.first:
            add(state.first[key], pos, "account", f"{platform}: {account_name}",
                ACCOUNT_CONFIDENCE)
        else:
            state.set_first(key, pos)
        if len(account) >= 6 and account not in _GENERIC_HANDLES:
            hkey = f"h{SEP}{account}"
            seen = state.first.get(hkey)
            if seen is None:
                state.set_first(hkey, pos)
                state.platform[hkey] = platform
            elif state.platform[hkey] != platform:
                add(seen, pos, "handle", f"same name {account_name!r} on "
                    f"{state.platform[hkey]} and {platform}", HANDLE_CONFIDENCE)
    for ident in identifiers:
        conf = STRONG_KINDS.get(ident.kind)
        if conf is None:
            continue
        key = identifier_key(ident)
        size = state.size.get(key, 0) + 1
        state.size[key] = size
        if state.track:
            state.touched.add(key)
        if size > MAX_GROUP:
            continue
        if key in state.first:
            add(state.first[key], pos, "identifier", f"{ident.kind}: {ident.value}", conf)
        else:
            state.set_first(key, pos)
    for h in image_hashes:
        # Pigeonhole: within 3 differing bits, one of four 16-bit bands is equal;
        # the exact distance is checked against the band's first holder.
        for band in range(4):
            bkey = photo_key(band, h)
            other = state.first.get(bkey)
            if other is None:
                state.set_first(bkey, pos)
            elif other != pos and _image_close(other, h, state.image_of):
                add(other, pos, "image", f"photo hash {h:016x}", IMAGE_CONFIDENCE)
                break
        state.image_of.setdefault(pos, h)
    return bool(account) or any(i.kind in STRONG_KINDS for i in identifiers)


def _image_close(other: int, h: int, table: dict[int, int]) -> bool:
    held = table.get(other)
    return held is not None and bin(held ^ h).count("1") <= IMAGE_BITS
