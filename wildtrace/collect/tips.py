"""Citizen tips: validate what a stranger submits, and capture the page they point at.

Everything here is hostile until checked: the URL must be http(s) and short, the
description is trimmed of control characters and bounded, and a screenshot must really
be a PNG or JPEG by its magic bytes (the declared content type is ignored), within a
size limit. The page itself is fetched only through :mod:`wildtrace.collect.netguard`,
so a tip cannot make the server reach an internal address.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from wildtrace.errors import InputError
from wildtrace.records import TipDraft

MAX_URL = 2048
MAX_DESCRIPTION = 5000
MAX_SCREENSHOT = 5_000_000
LANGUAGES = ("en", "fr", "es", "zh", "vi")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"


def sniff_image(data: bytes) -> str:
    """``image/png`` or ``image/jpeg`` from the magic bytes; InputError otherwise."""
    if data.startswith(PNG_MAGIC) and data[12:16] == b"IHDR":
        return "image/png"
    if data.startswith(JPEG_MAGIC) and len(data) > 4:
        return "image/jpeg"
    raise InputError("the screenshot is not a PNG or JPEG image",
                     hint="attach a .png or .jpg file")


def clean_text(text: str, limit: int) -> str:
    """Drop control and format characters (keeping newlines and tabs), then bound it."""
    kept = [c for c in text if c in "\n\t" or unicodedata.category(c)[0] != "C"]
    return "".join(kept).strip()[:limit]


def validate_url(url: str) -> str:
    """A tip URL: http(s), with a host, no credentials, at most ``MAX_URL`` characters."""
    url = url.strip()
    if not url:
        raise InputError("the link is missing", hint="paste the address of the post")
    if len(url) > MAX_URL:
        raise InputError(f"the link is longer than {MAX_URL} characters")
    if any(c.isspace() or unicodedata.category(c)[0] == "C" for c in url):
        raise InputError("the link contains spaces or control characters")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InputError("the link must start with http:// or https:// and name a site")
    if parts.username or parts.password:
        raise InputError("the link must not contain a user name or password")
    return url


def validate_tip(url: str, description: str, language: str = "",
                 screenshot: bytes | None = None) -> TipDraft:
    """Check a submitted tip; raises InputError naming the first problem."""
    lang = language if language in LANGUAGES else ""
    shot = screenshot or b""
    media = ""
    if shot:
        if len(shot) > MAX_SCREENSHOT:
            raise InputError(f"the screenshot is larger than {MAX_SCREENSHOT // 1_000_000} MB")
        media = sniff_image(shot)
    if len(description) > MAX_DESCRIPTION * 4:
        raise InputError(f"the description is longer than {MAX_DESCRIPTION} characters")
    return TipDraft(url=validate_url(url), description=clean_text(description, MAX_DESCRIPTION),
                    language=lang, screenshot=shot, screenshot_type=media)
