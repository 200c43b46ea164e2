"""The page every wildtrace report is laid out on: a contents list, capped tables and
values that wrap, so a report stays a readable page at a million listings.

The old report printed 500 flagged rows with long tracking URLs that could not wrap: on
23,000 listings it rendered 216,046 px tall and 4,460 px wide. Here every table shows at
most a set number of rows and says how many it left out and which export holds them
all; cells break anywhere once a word is longer than the column (URLs, hashes, base64),
and long values are shortened with the whole value kept in the cell's tooltip.

Everything that reaches the page passes through :func:`html.escape` (listing text is
written by criminals); the page runs no script and loads nothing (its CSP says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

from wildtrace import numbers

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;color:#1d2327;
padding:0 1rem;overflow-wrap:anywhere}
h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #ccd;padding-bottom:.2rem}
table{border-collapse:collapse;width:100%;table-layout:fixed}
th,td{border-bottom:1px solid #e3e6ea;padding:.3rem .5rem;text-align:left;vertical-align:top;
overflow-wrap:anywhere;word-break:break-word}th{background:#f3f5f7}
.num{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;gap:1rem;flex-wrap:wrap}
.card{border:1px solid #d9dde1;border-radius:6px;padding:.7rem 1rem;
min-width:9rem}.card b{display:block;font-size:1.5rem}.app-I{color:#b00020;font-weight:bold}
.app-II{color:#a05a00;font-weight:bold}.app-III{color:#3b5b00}.flag{display:inline-block;background:#eef;
border-radius:3px;padding:0 .3rem;margin:0 .2rem .2rem 0;font-size:.85em}.muted{color:#667}
.bar{background:#5b7db1;height:.8rem;display:inline-block;max-width:100%}
nav.toc{border:1px solid #d9dde1;border-radius:6px;padding:.5rem 1rem;background:#fafbfc}
nav.toc ol{margin:.2rem 0;padding-left:1.4rem}nav.toc li{margin:.1rem 0}
.more{background:#fff8e1;border-left:3px solid #edae49;padding:.4rem .7rem}
code{overflow-wrap:anywhere}svg,img{max-width:100%;height:auto}
figure{margin:1rem 0}.why{font-size:.85em;color:#334;line-height:1.3}
figcaption{font-size:.9em;color:#445}
"""
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:")


@dataclass(frozen=True)
class Section:
    """One section of a report: its anchor, heading, HTML body and sub-sections."""

    anchor: str
    title: str
    body: str
    children: Sequence[Section] = field(default_factory=tuple)


def text(value: object) -> str:
    """``value`` as escaped text (``None`` as empty)."""
    return escape("" if value is None else str(value))


def short(value: str, limit: int) -> str:
    """``value`` on one line and at most ``limit`` characters (``…`` where cut)."""
    value = " ".join(value.split())
    return value if len(value) <= limit else value[:limit - 1] + "…"


def long_value(value: str, limit: int) -> str:
    """A value that may be very long (a URL, an origin), shortened for the page, with
    the whole value in its tooltip."""
    shown = short(value, limit)
    if shown == value:
        return text(value)
    return f'<span title="{escape(value, quote=True)}">{text(shown)}</span>'


def more_note(shown: int, total: int, what: str, where: str) -> str:
    """The pointer under a capped table: how many rows are left out and where all of
    them are (``where`` is trusted HTML naming a command or export)."""
    if total <= shown:
        return ""
    return (f'<p class="more">Showing {numbers.count(shown)} of {numbers.count(total)} '
            f"{escape(what)}; all of them: {where}.</p>")


def table(head: Sequence[tuple[str, bool]], rows: Sequence[Sequence[str]], *,
          widths: Sequence[str] = ()) -> str:
    """A table from already-escaped cells; ``head`` is ``(name, numeric)`` per column
    and ``widths`` optional CSS widths (fixed layout keeps long cells in their column)."""
    cols = "".join(f'<col style="width:{w}">' for w in widths)
    ths = "".join(f'<th class="num">{escape(h)}</th>' if num else f"<th>{escape(h)}</th>"
                  for h, num in head)
    body = "".join("<tr>" + "".join(
        f'<td class="num">{c}</td>' if head[i][1] else f"<td>{c}</td>"
        for i, c in enumerate(r)) + "</tr>" for r in rows)
    colgroup = f"<colgroup>{cols}</colgroup>" if cols else ""
    return f"<table>{colgroup}<tr>{ths}</tr>{body}</table>"


def _contents(sections: Sequence[Section]) -> str:
    def items(level: Sequence[Section]) -> str:
        out = []
        for s in level:
            sub = f"<ol>{items(s.children)}</ol>" if s.children else ""
            out.append(f'<li><a href="#{escape(s.anchor)}">{escape(s.title)}</a>{sub}</li>')
        return "".join(out)

    return f'<nav class="toc" aria-label="Contents"><b>Contents</b><ol>{items(sections)}</ol></nav>'


def _sections(level: Sequence[Section], depth: int = 2) -> list[str]:
    out = []
    for s in level:
        out.append(f'<section id="{escape(s.anchor)}"><h{depth}>{escape(s.title)}</h{depth}>')
        out.append(s.body)
        out += _sections(s.children, min(depth + 1, 6))
        out.append("</section>")
    return out


def page(title: str, intro: str, sections: Sequence[Section]) -> str:
    """The whole HTML document: heading, ``intro`` (trusted HTML), the contents list and
    the sections in order."""
    return "\n".join([
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>", intro, _contents(sections), *_sections(sections),
        "</body></html>"])
