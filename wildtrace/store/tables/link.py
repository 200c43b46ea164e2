"""Tables of the link stage (queried by :mod:`wildtrace.store.link`).

Each resolution is a run (``runs.stage = 'link'``): its links (with evidence and
confidence) and the seller of every listing are stored under the run id, so a re-run
with better rules adds a version instead of overwriting the last one.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    Text,
)

from wildtrace.store.tables import metadata

seller_links = Table(
    "seller_links", metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False, index=True),
    Column("listing_a", Integer, nullable=False),
    Column("listing_b", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("evidence", Text, nullable=False, default=""),
    Column("confidence", Float, nullable=False),
    # A link's ends share a seller, and ``listing_a`` is the smaller: an incremental run
    # reads the links of the sellers it re-merges through this (migration 0015).
    Index("ix_seller_links_run_a", "run_id", "listing_a"),
)

seller_members = Table(
    "seller_members", metadata,
    Column("run_id", Integer, ForeignKey("runs.id"), primary_key=True),
    Column("listing_id", Integer, primary_key=True),
    Column("seller_id", Integer, nullable=False, index=True),
    Index("ix_seller_members_run_seller", "run_id", "seller_id"),  # migration 0008
)

# The link index (migration 0015): the state a full resolution ends in, kept up to date
# by incremental runs, so that new listings are resolved by looking up only what they
# touch. ``link_index_state`` names the run the index describes (one row).
link_keys = Table(
    "link_keys", metadata,
    Column("key", String(600), primary_key=True),  # account, handle, identifier, photo band
    Column("listing_id", Integer, nullable=False),  # its first holder
    Column("size", Integer, nullable=False, default=0),  # listings showing an identifier
    Column("aux", String(200), nullable=False, default=""),  # handle platform, photo hash
)

link_rows = Table(
    "link_rows", metadata,
    Column("listing_id", Integer, primary_key=True),
    Column("owner", Integer, nullable=False, index=True),  # seller before text links
    Column("known", Boolean, nullable=False),  # has an account or a strong identifier
    Column("ok", Boolean, nullable=False),  # text long enough to compare
    Column("shared", Integer, nullable=False, default=0),  # boilerplate bands it sits in
    # MinHash signature of a comparable text (NUM_PERM uint32, little-endian), so that
    # incremental runs never recompute it from the text (migration 0024).
    Column("sig", LargeBinary, nullable=True),
)

link_bands = Table(
    "link_bands", metadata,
    Column("band", SmallInteger, primary_key=True),
    Column("bkey", BigInteger, primary_key=True),
    Column("listing_id", Integer, primary_key=True),
    Column("close", Boolean, nullable=False),  # near-identical to the bucket's first row
    sqlite_with_rowid=False,
)

link_flagged = Table(
    "link_flagged", metadata,
    Column("band", SmallInteger, primary_key=True),
    Column("bkey", BigInteger, primary_key=True),
)

link_index_state = Table(
    "link_index_state", metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, nullable=False),
)
