"""Trusted-timestamp storage: one row per RFC 3161 token over the custody head.

The preserve stage (:mod:`wildtrace.preserve.timestamp`) asks the TSA, checks the reply
and decides what it proves; this module only keeps the rows and finds them. The token
bytes are an evidence blob; a row names it by SHA-256.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wildtrace.store.blob_index import index_blob
from wildtrace.store.core import utcnow
from wildtrace.store.tables.preserve import timestamps


@dataclass(frozen=True, slots=True)
class TimestampRow:
    """One stored token: which custody entry (and its hash) it covers, which TSA signed
    it, the token's blob, and the generation time and serial number the token carries."""

    id: int
    custody_seq: int
    custody_head: str
    tsa_url: str
    token_sha256: str
    gen_time: str  # ISO 8601 UTC as the token says it
    serial: str  # decimal
    policy: str  # the TSA policy OID, dotted
    requested_at: datetime


class TimestampStore:
    """The ``timestamps`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, *, custody_seq: int, custody_head: str, tsa_url: str, token_sha256: str,
            token_size: int, media_type: str, gen_time: str, serial: str,
            policy: str) -> TimestampRow:
        """Keep a token's row (and index its blob) in one transaction; returns the row."""
        now = utcnow()
        values = {"custody_seq": custody_seq, "custody_head": custody_head,
                  "tsa_url": tsa_url, "token_sha256": token_sha256, "gen_time": gen_time,
                  "serial": serial, "policy": policy, "requested_at": now}
        with self.engine.begin() as conn:
            index_blob(conn, token_sha256, token_size, media_type)
            key = conn.execute(timestamps.insert().values(**values)).inserted_primary_key
        assert key is not None
        return TimestampRow(id=int(key[0]), custody_seq=custody_seq,
                            custody_head=custody_head, tsa_url=tsa_url,
                            token_sha256=token_sha256, gen_time=gen_time, serial=serial,
                            policy=policy, requested_at=now)

    def all(self) -> list[TimestampRow]:
        """Every stored token, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(timestamps).order_by(timestamps.c.id)).all()
        return [TimestampRow(id=int(r.id), custody_seq=int(r.custody_seq),
                             custody_head=str(r.custody_head), tsa_url=str(r.tsa_url),
                             token_sha256=str(r.token_sha256), gen_time=str(r.gen_time),
                             serial=str(r.serial), policy=str(r.policy or ""),
                             requested_at=r.requested_at) for r in rows]


__all__ = ["TimestampRow", "TimestampStore"]
