"""What a listing is called on a screen: its title, else the start of its text.

Tweets, forum posts and most imported exports have a text and no title. Showing them as
"(no title)" hides the one thing an analyst scans a list by, so every face (the queue,
the listing page, a case, the HTML report, takedown sheets) calls :func:`display_title`
and shows the same words for the same listing. Stored titles are never rewritten: this is
a way of showing a listing, not a field of it, so exports keep ``title`` as it was found.
"""

from __future__ import annotations

import re

HEADING_CHARS = 120  # about one line of the queue at a laptop's width
NO_TEXT = "(no title or text)"
_SPACE = re.compile(r"\s+")
# Characters that draw nothing or reorder text (bidi overrides, zero-width marks): a
# seller's heading must not reverse or hide the words that follow it on the screen.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\x00-\x08"
                        "\x0b-\x1f\x7f]")


def _clean(text: str) -> str:
    return _SPACE.sub(" ", _INVISIBLE.sub("", text)).strip()


def shorten(text: str, limit: int = HEADING_CHARS) -> str:
    """``text`` on one line, cut at a word boundary near ``limit`` characters with ``…``."""
    text = _clean(text)
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    # Scripts written without spaces (Chinese, Thai, Japanese) are cut where they reach
    # the limit; a last space far back would leave half the line empty.
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…"


def display_title(title: str | None, description: str | None,
                  limit: int = HEADING_CHARS) -> str:
    """The heading a screen shows for a listing: the title, else the start of the
    description, shortened to ``limit`` characters; :data:`NO_TEXT` when both are empty."""
    for text in (title, description):
        if text and (short := shorten(text, limit)):
            return short
    return NO_TEXT
