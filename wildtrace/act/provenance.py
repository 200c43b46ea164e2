"""Where each listing of a case came from, as a court or a platform asks it: when it was
captured (UTC), from which final URL and server address, with which User-Agent, by
which operator, into which WARC file and records, under which hashes, and which
custody entry and trusted timestamp token cover it.

The facts are read from the capture record the preserve stage hashed and logged (never
re-derived), so the case file and the evidence ZIP say exactly what custody says. A
listing imported from a table has no capture: it says so, with where it was imported
from, rather than leaving the questions blank.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from wildtrace.preserve.handover import HandoverProof, Token
from wildtrace.records import CustodyEntry
from wildtrace.store.evidence import CaptureRow


@dataclass(frozen=True, slots=True)
class CaptureFacts:
    """The capture record behind one listing, and the custody entry that logged it."""

    capture_id: int
    method: str  # crawl, capture, import, tip
    requested_url: str
    final_url: str
    redirects: tuple[str, ...]
    status: int
    server_ip: str
    started_at: str  # ISO 8601 UTC, as hashed into the record
    ended_at: str
    user_agent: str
    operator: str
    warc_file: str
    warc_record_ids: tuple[str, ...]
    body_sha256: str
    media_type: str
    record_sha256: str
    robots_url: str
    robots_sha256: str
    custody_seq: int | None = None
    custody_hash: str = ""
    custody_at: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The facts as JSON-ready values (the evidence ZIP's ``provenance``)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


def _list(text: str) -> tuple[str, ...]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return ()
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def capture_key(row: Mapping[str, Any], extra: Mapping[str, Any], body: str) -> str:
    """How :func:`facts_for` finds a listing's capture: by the capture id extraction
    recorded in ``extra`` when there is one, else by the capture body's hash."""
    cid = extra.get("capture_id")
    return f"id:{cid}" if isinstance(cid, int) and not isinstance(cid, bool) else body


def facts_for(capture: CaptureRow | None,
              custody: Iterable[CustodyEntry] = ()) -> CaptureFacts | None:
    """The facts of one capture record, with the custody entry that logged it (its
    ``captured`` entry, whose hash is the record's); None without a capture."""
    if capture is None:
        return None
    logged = next((e for e in custody if e.action == "captured"
                   and e.sha256 == capture.record_sha256), None)
    return CaptureFacts(
        capture_id=capture.id, method=capture.method, requested_url=capture.requested_url,
        final_url=capture.final_url, redirects=_list(capture.redirects),
        status=capture.status, server_ip=capture.server_ip,
        started_at=capture.started_at, ended_at=capture.ended_at,
        user_agent=capture.user_agent, operator=capture.operator,
        warc_file=capture.warc_file, warc_record_ids=_list(capture.warc_record_ids),
        body_sha256=capture.body_sha256, media_type=capture.media_type,
        record_sha256=capture.record_sha256, robots_url=capture.robots_url,
        robots_sha256=capture.robots_sha256,
        custody_seq=logged.seq if logged else None,
        custody_hash=logged.entry_hash if logged else "",
        custody_at=logged.at if logged else "")


def covering_token(proof: HandoverProof | None, seq: int | None) -> Token | None:
    """The earliest stored RFC 3161 token over custody entry ``seq`` or a later one
    (the log is a hash chain, so it proves the entry existed by its time); None when
    no token covers it yet."""
    if proof is None or seq is None:
        return None
    later = [t for t in proof.tokens if t.row.custody_seq >= seq]
    return min(later, key=lambda t: t.row.custody_seq) if later else None


def token_dict(token: Token | None) -> dict[str, Any] | None:
    """A token as the ZIP's per-listing provenance names it (its file in the ZIP)."""
    if token is None:
        return None
    return {"file": token.name, "custody_seq": token.row.custody_seq,
            "custody_head": token.row.custody_head, "gen_time": token.row.gen_time,
            "tsa_url": token.row.tsa_url, "token_sha256": token.row.token_sha256}


def not_captured(row: Mapping[str, Any]) -> str:
    """Why a listing has no capture facts, in words."""
    origin = str(row.get("origin") or "")
    return ("not captured by wildtrace: imported" + (f" from {origin}" if origin else "")
            + "; its source file is the evidence of record")


def first_of(values: Sequence[str]) -> str:
    """The first non-empty value (the capture body a listing names, else its tip's)."""
    return next((v for v in values if v), "")
