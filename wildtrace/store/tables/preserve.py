"""Tables of the preserve stage: captures, their artefacts, WARC files and the custody log.

Created by migration ``0002_evidence``; these definitions mirror it for queries. All
four are append-only in use: rows are added, and only ``warc_files`` rows are completed
once (their hash when the file is sealed).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from wildtrace.store.tables import metadata

captures = Table(
    "captures", metadata,
    Column("id", Integer, primary_key=True),
    Column("url_key", String(64), nullable=False, index=True),
    Column("requested_url", Text, nullable=False),
    Column("final_url", Text, nullable=False),
    Column("redirects", Text, nullable=False, default="[]"),  # JSON list of URLs
    Column("status", Integer, nullable=False),
    Column("headers", Text, nullable=False, default="[]"),  # JSON [[name, value], ...]
    Column("server_ip", String(64), nullable=False, default=""),
    Column("started_at", String(40), nullable=False),  # ISO 8601 UTC, hashed as text
    Column("ended_at", String(40), nullable=False),
    Column("body_sha256", String(64), nullable=False, index=True),
    Column("media_type", String(200), nullable=False, default=""),
    Column("warc_file", Text, nullable=False, default=""),
    Column("warc_record_ids", Text, nullable=False, default="[]"),
    Column("robots_url", Text, nullable=False, default=""),
    Column("robots_sha256", String(64), nullable=False, default=""),
    Column("user_agent", Text, nullable=False, default=""),
    Column("operator", Text, nullable=False, default=""),
    Column("tools", Text, nullable=False, default="{}"),  # JSON {name: version}
    Column("method", String(16), nullable=False, default="crawl"),  # crawl, capture, import
    Column("record_sha256", String(64), nullable=False, default=""),  # hash of this record
)

artefacts = Table(
    "artefacts", metadata,
    Column("id", Integer, primary_key=True),
    Column("capture_id", Integer, ForeignKey("captures.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),  # body, robots, screenshot, dom
    Column("sha256", String(64), nullable=False),
    Column("media_type", String(200), nullable=False, default=""),
    Column("evidentiary", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("detail", Text, nullable=False, default="{}"),
)

warc_files = Table(
    "warc_files", metadata,
    Column("name", String(255), primary_key=True),
    Column("sha256", String(64), nullable=False, default=""),
    Column("size", Integer, nullable=False, default=0),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("sealed_at", DateTime(timezone=True)),
    Column("note", Text, nullable=False, default=""),
)

custody = Table(
    "custody", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", String(40), nullable=False),  # ISO 8601 UTC, part of the hashed entry
    Column("who", Text, nullable=False),
    Column("action", String(40), nullable=False),
    Column("subject", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("detail", Text, nullable=False, default="{}"),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
)

# RFC 3161 timestamp tokens over the custody head (migration 0012_timestamps): which
# entry the token covers, its hash, and what the token says (the token itself is a blob).
timestamps = Table(
    "timestamps", metadata,
    Column("id", Integer, primary_key=True),
    Column("custody_seq", Integer, nullable=False),
    Column("custody_head", String(64), nullable=False),
    Column("tsa_url", Text, nullable=False),
    Column("token_sha256", String(64), nullable=False),
    Column("gen_time", String(40), nullable=False),  # ISO 8601 UTC, from the token
    Column("serial", String(60), nullable=False),  # up to 160 bits, kept as decimal text
    Column("policy", String(200), nullable=False, default=""),
    Column("requested_at", DateTime(timezone=True), nullable=False),
)

# Evidence blobs kept in the workspace database (setting blob_store = "postgres";
# migration 0014_blob_chunks): one stored_blobs row per blob, written in the same
# transaction as its chunks, so a blob is either whole or absent.
stored_blobs = Table(
    "stored_blobs", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("chunks", Integer, nullable=False),
    Column("stored_at", DateTime(timezone=True), nullable=False),
)

blob_chunks = Table(
    "blob_chunks", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("n", Integer, primary_key=True, autoincrement=False),  # 0, 1, … in order
    Column("data", LargeBinary, nullable=False),  # bytea on PostgreSQL, at most 1 MiB
)
