"""Checksums of cryptocurrency address encodings: Base58Check and bech32/bech32m.

Shared by the identifier finder (Bitcoin, TRON) and the payment-trace finder (Litecoin,
Dogecoin): an address whose checksum fails is a typo or an invention, and linking two
sellers through it would be wrong.
"""

from __future__ import annotations

import hashlib

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(B58)}
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def b58check_payload(address: str) -> bytes | None:
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


def bech32_ok(address: str) -> bool:
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
