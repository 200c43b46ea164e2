"""The ``listings`` export: every listing with its latest assessment, JSON Lines or CSV.

The JSONL shape is part of the command-line contract (DESIGN.md): ``id``, ``url``,
``title``, ``description``, ``price``, ``currency``, ``seller``, ``location``,
``posted``, ``language``, ``identifiers``, ``taxa``, ``cites``, ``relevant``, ``score``,
``flags``, ``capture_sha256``; then ``payment_traces`` (the identifiers of the payment
kinds, also among ``identifiers``: where the money goes, for a financial-intelligence
request), ``product_form`` and ``seller_role`` (the value-chain position, ``""`` where
no cue placed the listing). CSV cells go through :mod:`safecsv`, so a criminal's
``=HYPERLINK(...)`` in a handle stays text in a spreadsheet.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from wildtrace.act.exports.safecsv import SafeDictWriter
from wildtrace.extract.payments import PAYMENT_KINDS

COLUMNS = ("id", "url", "title", "description", "price", "currency", "seller", "location",
           "posted", "language", "identifiers", "taxa", "cites", "relevant", "score", "flags",
           "capture_sha256", "source", "origin", "payment_traces", "product_form",
           "seller_role")


def listing_object(row: Mapping[str, Any]) -> dict[str, Any]:
    """The contract-shaped dict of one stored listing row with its latest assessment."""
    identifiers = json.loads(row["identifiers"] or "[]")
    return {
        "id": row["id"], "url": row["url"], "title": row["title"],
        "description": row["description"], "price": row["price"],
        "currency": row["currency"], "seller": row["seller"],
        "location": row["location"], "posted": row["posted"],
        "language": row["language"],
        "identifiers": identifiers,
        "taxa": [x for x in (row["taxa"] or "").split(";") if x],
        "cites": row["cites"] or "",
        "relevant": None if row["relevant"] is None else bool(row["relevant"]),
        "score": row["score"],
        "flags": [x for x in (row["flags"] or "").split(";") if x],
        "capture_sha256": row["capture_sha256"], "source": row["source"],
        "origin": row["origin"],
        "payment_traces": [i for i in identifiers if i.get("kind") in PAYMENT_KINDS],
        "product_form": row.get("product_form") or "",
        "seller_role": row.get("seller_role") or "",
    }


def _objects(rows: Iterable[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    return (listing_object(row) for row in rows)


def write_listings(rows: Iterable[Mapping[str, Any]], fmt: str, path: Path) -> int:
    """Write ``rows`` (``Store.iter_listings_with_assessment``) to ``path`` as ``jsonl``
    or ``csv``; returns the count."""
    n = 0
    # Written beside the target and renamed, so a reader never sees half a file.
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        if fmt == "jsonl":
            for obj in _objects(rows):
                fh.write(json.dumps(obj, ensure_ascii=False) + "\n")
                n += 1
        else:
            writer = SafeDictWriter(fh, COLUMNS)
            writer.writeheader()
            for obj in _objects(rows):
                for key in ("identifiers", "payment_traces"):
                    obj[key] = ";".join(f"{i['kind']}:{i['value']}" for i in obj[key])
                obj["taxa"] = ";".join(obj["taxa"])
                obj["flags"] = ";".join(obj["flags"])
                obj["relevant"] = "" if obj["relevant"] is None else int(obj["relevant"])
                writer.writerow(obj)
                n += 1
    tmp.replace(path)
    return n
