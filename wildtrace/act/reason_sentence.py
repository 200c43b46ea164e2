"""Why a listing should come down, in one plain sentence a platform's reviewer reads.

The assess stage records its reasons as short machine-made lines (``+ product term``,
``- news``, ``code word: white gold``, ``legality: likely illegal: … [EU]``): the
signed lines are the model's evidence weights, useful to an analyst and meaningless to
anyone else. A takedown report and a case file say instead what the listing does, in
words: what it offers, how CITES lists it, what the legality rules concluded, and the
trade signals found in its text. Nothing here re-judges a listing; it only rewords what
assess stored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

NOT_ASSESSED = "Gathered into this case for review; wildtrace has not assessed it yet."
CITES_MEANING = {
    "I": "international commercial trade is prohibited",
    "II": "international trade needs an export permit",
    "III": "international trade needs an export permit or certificate of origin",
}
MAX_TAXA = 3
_JURISDICTION = re.compile(r"\[([^\]]{1,40})\]\s*$")


def _reasons(value: object) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value or "[]")
        except ValueError:
            return []
    return [str(v) for v in value] if isinstance(value, list) else []


def _words(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _after(line: str, prefix: str) -> str:
    return line[len(prefix):].strip().rstrip(".")


def _signal(line: str) -> str:
    """One stored reason line as a clause, or "" for the model's own evidence terms."""
    if line.startswith("legality: "):
        status = line.split(":", 2)[1].strip()
        where = _JURISDICTION.search(line)
        rules = f" under the {where.group(1)} rules" if where else ""
        return f"is judged {status}{rules}" if status else ""
    if line.startswith("code word: "):
        return f"uses the trade code words {_after(line, 'code word: ')}"
    if line.startswith("covert phrasing: "):
        return f"uses covert phrasing ({_after(line, 'covert phrasing: ')})"
    if line.startswith("scam signal: "):
        return f"shows signs of a scam ({_after(line, 'scam signal: ')})"
    if line.startswith("price far below market"):
        return "is priced far below the market" + line[len("price far below market"):]
    if line.startswith("same text posted by "):
        return "repeats text " + line[len("same text "):]
    return ""


def reason_sentence(assessment: Mapping[str, Any] | None) -> str:
    """One plain sentence saying why a listing was flagged, from its stored assessment
    (``taxa``, ``cites``, ``relevant``, ``reasons``); a fixed sentence when it has none."""
    if not assessment:
        return NOT_ASSESSED
    lines = _reasons(assessment.get("reasons"))
    taxa = [t.strip() for t in str(assessment.get("taxa") or "").split(";") if t.strip()]
    cites = str(assessment.get("cites") or "")
    offers = bool(assessment.get("relevant")) or "offers to sell" in lines
    if taxa:
        more = len(taxa) - MAX_TAXA
        named = _words([*taxa[:MAX_TAXA], *([f"{more} more taxa"] if more > 0 else [])])
        head = f"{'Offers' if offers else 'Mentions'} {named}"
    else:
        head = "Appears to offer wildlife" if offers else "Was flagged for review"
    if cites in CITES_MEANING:
        head += f", listed in CITES Appendix {cites} ({CITES_MEANING[cites]})"
    clauses = list(dict.fromkeys(c for c in map(_signal, lines) if c))
    if not clauses:
        return head + "."
    return f"{head}, and {_words(clauses)}." if "," in head else \
        f"{head} and {_words(clauses)}."
