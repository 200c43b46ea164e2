"""Decode and parse untrusted HTML: charsets that lie or are missing, malformed markup,
oversized documents.

Decoding order: a byte-order mark, then the HTTP ``charset``, then ``<meta charset>``,
then detection. A declared single-byte Latin charset on bytes that are valid UTF-8 with
non-ASCII characters is overruled (servers that say ISO-8859-1 by default and send UTF-8
are common on small shops); every decision is reported so the listing can say how its
text was read.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import lxml.html
from lxml import etree

MAX_HTML_BYTES = 5_000_000  # a listing page is far smaller; more is a trap or a dump
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""",
                           re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_.:-]+)", re.IGNORECASE)
_LATIN1ISH = {"iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252", "us-ascii",
              "ascii", "iso8859-1", "l1"}


@dataclass(frozen=True, slots=True)
class Decoded:
    """Text of a document and how its encoding was decided."""

    text: str
    encoding: str
    how: str  # bom, header, meta, header-overruled-utf8, detected, fallback


def _norm(name: str) -> str | None:
    try:
        return codecs.lookup(name.strip().strip("'\"")).name
    except LookupError:
        return None


def _valid_utf8_non_ascii(data: bytes) -> bool:
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode_html(body: bytes, content_type: str = "") -> Decoded:
    """Decode ``body`` (see module doc for the order of evidence)."""
    data = body[:MAX_HTML_BYTES]
    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                     (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return Decoded(data[len(bom):].decode(enc, errors="replace"), enc, "bom")
    declared: tuple[str, str] | None = None
    m = _HEADER_CHARSET.search(content_type or "")
    if m and _norm(m.group(1)):
        declared = (_norm(m.group(1)) or "", "header")
    else:
        m2 = _META_CHARSET.search(data[:4096])
        if m2 and _norm(m2.group(1).decode("ascii", "replace")):
            declared = (_norm(m2.group(1).decode("ascii", "replace")) or "", "meta")
    if declared:
        enc, how = declared
        if enc.replace("_", "-") in _LATIN1ISH and _valid_utf8_non_ascii(data):
            return Decoded(data.decode("utf-8"), "utf-8", f"{how}-overruled-utf8")
        try:
            return Decoded(data.decode(enc), enc, how)
        except UnicodeDecodeError:
            if _valid_utf8_non_ascii(data):
                return Decoded(data.decode("utf-8"), "utf-8", f"{how}-overruled-utf8")
            return Decoded(data.decode(enc, errors="replace"), enc, f"{how}-with-errors")
    try:
        return Decoded(data.decode("utf-8"), "utf-8", "detected")
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:200_000]).best()
        if best is not None and best.encoding:
            return Decoded(data.decode(best.encoding, errors="replace"), best.encoding,
                           "detected")
    except ImportError:  # pragma: no cover - charset-normalizer comes with the install
        pass
    return Decoded(data.decode("windows-1252", errors="replace"), "windows-1252", "fallback")


def parse_html(text: str) -> etree._Element:
    """An lxml tree of ``text`` (never raises on malformed markup)."""
    cleaned = text.replace("\x00", "")
    # lxml refuses str input that carries an XML encoding declaration.
    cleaned = re.sub(r"^\s*<\?xml[^>]*\?>", "", cleaned)
    if not cleaned.strip():
        cleaned = "<html><body></body></html>"
    try:
        root = lxml.html.document_fromstring(cleaned)
    except (etree.ParserError, ValueError):
        root = lxml.html.document_fromstring("<html><body></body></html>")
    return root


def text_of(el: etree._Element) -> str:
    """Visible text of an element, whitespace collapsed, scripts and styles skipped."""
    parts: list[str] = []
    for node in el.iter():
        if node.tag in ("script", "style", "noscript", "template") or not isinstance(
                node.tag, str):
            continue
        if node.text and node.tag not in ("script", "style"):
            parts.append(node.text)
        for child in node:
            if child.tail and child.tag not in ("script", "style", "noscript"):
                parts.append(child.tail)
    return " ".join(" ".join(parts).split())


_BLOCK_TAGS = frozenset({"address", "article", "aside", "blockquote", "br", "dd", "div",
                         "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
                         "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
                         "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr",
                         "ul", "span", "time", "a"})
_SKIP_TEXT = frozenset({"script", "style", "noscript", "template"})


def lines_of(el: etree._Element, limit: int = 200_000) -> list[str]:
    """Visible text split where blocks (and inline labels such as spans) begin and end:
    the unit in which "Seller: X" or "Location: Y" is written."""
    lines: list[str] = []
    current: list[str] = []
    size = 0

    def brk() -> None:
        if current:
            line = " ".join(" ".join(current).split())
            if line:
                lines.append(line)
            current.clear()

    # Iterative walk (hostile pages nest deeply enough to break recursion).
    stack: list[tuple[etree._Element, bool]] = [(el, False)]
    while stack and size < limit:
        node, leaving = stack.pop()
        tag = node.tag if isinstance(node.tag, str) else ""
        if leaving:
            if tag in _BLOCK_TAGS:
                brk()
            if node.tail:
                current.append(node.tail)
                size += len(node.tail)
            continue
        if tag in _SKIP_TEXT:
            if node.tail:
                current.append(node.tail)
            continue
        if tag in _BLOCK_TAGS:
            brk()
        stack.append((node, True))
        if tag and node.text:
            current.append(node.text)
            size += len(node.text)
        for child in reversed(list(node)):
            stack.append((child, False))
    brk()
    return lines
