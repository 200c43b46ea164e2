"""Evidence storage: captures, their artefacts, the custody log and the WARC files.

The preserve stage decides what evidence is (hashes, the custody chain, WARC files);
this module only keeps and finds it. Writes that must commit together (a capture, its
artefacts and the custody entry logging them) go through one :class:`EvidenceWriter`,
handed out by :meth:`EvidenceStore.transaction`. The crawl stores hundreds of captures a
second through it, so its statements are built once and executed with plain parameter
dicts, which keeps SQLAlchemy's compiled cache hot.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from wildtrace.records import Artefact, CustodyEntry
from wildtrace.store import tables as t
from wildtrace.store.tables.preserve import artefacts, captures, custody, warc_files

_CHUNK = 500  # values per IN (...) list, well under every database's parameter limit

_DUPLICATE = sa.select(captures.c.final_url).where(
    captures.c.body_sha256 == sa.bindparam("b"),
    captures.c.url_key != sa.bindparam("k")).limit(1)
_HEAD = sa.select(custody.c.seq, custody.c.entry_hash).order_by(custody.c.seq.desc()).limit(1)
# Held by the transaction that appends to the custody chain on PostgreSQL, so appenders
# on several machines queue for the head instead of forking or failing on it; released
# at commit. (The key is any constant unique to wildtrace: "wildtrac" in ASCII.)
_CHAIN_LOCK = sa.text("SELECT pg_advisory_xact_lock(8604529442133549411)")


@dataclass(frozen=True, slots=True)
class CaptureRow:
    """A capture record as stored: the hashed fields plus its id and its own hash."""

    id: int
    url_key: str
    requested_url: str
    final_url: str
    redirects: str  # JSON list of URLs
    status: int
    headers: str  # JSON [[name, value], ...]
    server_ip: str
    started_at: str
    ended_at: str
    body_sha256: str
    media_type: str
    warc_file: str
    warc_record_ids: str  # JSON list of record ids
    robots_url: str
    robots_sha256: str
    user_agent: str
    operator: str
    tools: str  # JSON {name: version}
    method: str
    record_sha256: str


@dataclass(frozen=True, slots=True)
class WarcFile:
    """A WARC file the workspace registered; sealed once it is finished and hashed."""

    name: str
    sha256: str
    size: int
    opened_at: datetime
    sealed_at: datetime | None
    note: str


@dataclass(frozen=True, slots=True)
class ArtefactRow:
    """An artefact row as verification reads it: its id, capture, kind and blob."""

    id: int
    capture_id: int
    kind: str
    sha256: str


@dataclass(frozen=True, slots=True)
class CapturedListing:
    """A listing extracted from a capture, as verification reads it: the fields its
    custody hash covers, the capture body it names and the capture id in its ``extra``
    (None when it has none)."""

    id: int
    capture_sha256: str
    capture_id: int | None
    fields: dict[str, Any]


def _custody_entry(row: Any) -> CustodyEntry:
    return CustodyEntry(row.seq, row.at, row.who, row.action, row.subject, row.sha256,
                        json.loads(row.detail or "{}"), row.prev_hash, row.entry_hash)


def _artefact(row: Any) -> Artefact:
    return Artefact(capture_id=row.capture_id, kind=row.kind, sha256=row.sha256,
                    media_type=row.media_type or "", created_at=row.created_at,
                    detail=json.loads(row.detail or "{}"),
                    evidentiary=bool(row.evidentiary))


def _detail(detail: Mapping[str, Any]) -> str:
    return json.dumps(dict(detail), sort_keys=True, ensure_ascii=False)


class EvidenceWriter:
    """The evidence writes of one transaction (see :meth:`EvidenceStore.transaction`)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._locked = False

    def custody_head(self) -> tuple[int, str] | None:
        """Sequence number and hash of the last custody entry, or None if there is none."""
        last = self._conn.execute(_HEAD).first()
        return (int(last.seq), str(last.entry_hash)) if last else None

    def locked_custody_head(self) -> tuple[int, str] | None:
        """The chain head with the chain held until this transaction ends (on
        PostgreSQL; SQLite has one writer at a time anyway): what a database shared by
        several machines appends after."""
        if not self._locked and self._conn.dialect.name == "postgresql":
            self._conn.execute(_CHAIN_LOCK)
            self._locked = True
        return self.custody_head()

    def add_custody(self, entry: CustodyEntry) -> None:
        """Append a custody entry. A second writer appending the same sequence number
        makes this fail rather than fork the chain (``seq`` is the primary key)."""
        self._conn.execute(custody.insert(), {
            "seq": entry.seq, "at": entry.at, "who": entry.who, "action": entry.action,
            "subject": entry.subject, "sha256": entry.sha256,
            "detail": _detail(entry.detail), "prev_hash": entry.prev_hash,
            "entry_hash": entry.entry_hash})

    def duplicate_of(self, body_sha256: str, url_key: str) -> str:
        """The final URL of a capture of the same body under another URL key, or ''."""
        return str(self._conn.execute(_DUPLICATE, {"b": body_sha256, "k": url_key}).scalar()
                   or "")

    def add_capture(self, record: Mapping[str, Any]) -> int:
        """Insert a capture record (every column but ``id``); returns its id."""
        key = self._conn.execute(captures.insert(), dict(record)).inserted_primary_key
        assert key is not None
        return int(key[0])

    def add_artefacts(self, items: Sequence[Artefact]) -> None:
        """Insert artefacts of captures."""
        if items:
            self._conn.execute(artefacts.insert(), [
                {"capture_id": a.capture_id, "kind": a.kind, "sha256": a.sha256,
                 "media_type": a.media_type, "evidentiary": a.evidentiary,
                 "created_at": a.created_at, "detail": _detail(a.detail)} for a in items])

    def seal_warc_file(self, name: str, sha256: str, size: int, sealed_at: datetime,
                       note: str) -> None:
        """Complete a WARC file's registration with its final hash and size."""
        self._conn.execute(warc_files.update().where(warc_files.c.name == name).values(
            sha256=sha256, size=size, sealed_at=sealed_at, note=note))


class EvidenceStore:
    """Queries of the preserve stage's tables (the blob index is :mod:`.blob_index`'s)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def shared(self) -> bool:
        """True when the evidence tables are on a database server that several machines
        may share (not the workspace's own SQLite file)."""
        return str(self.engine.dialect.name) != "sqlite"

    @contextmanager
    def transaction(self) -> Iterator[EvidenceWriter]:
        """A writer whose writes all commit when the block ends, or none if it raises."""
        with self.engine.begin() as conn:
            yield EvidenceWriter(conn)

    # -- WARC files -------------------------------------------------------------------
    def open_warc_file(self, name: str, opened_at: datetime) -> None:
        """Register a WARC file being started (sealed later by the writer)."""
        with self.engine.begin() as conn:
            conn.execute(warc_files.insert().values(name=name, opened_at=opened_at, size=0))

    def unsealed_warc_files(self) -> list[str]:
        """Names of WARC files opened and never sealed (a run is going on, or crashed)."""
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(warc_files.c.name).where(
                warc_files.c.sealed_at.is_(None))).scalars())

    def warc_files(self) -> list[WarcFile]:
        """Every registered WARC file."""
        with self.engine.connect() as conn:
            return [WarcFile(r.name, r.sha256, int(r.size), r.opened_at, r.sealed_at, r.note)
                    for r in conn.execute(sa.select(warc_files))]

    def sealed_warc_names(self) -> list[str]:
        """Names of the sealed WARC files, sorted."""
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(warc_files.c.name).where(
                warc_files.c.sealed_at.is_not(None)).order_by(warc_files.c.name)).scalars())

    # -- captures and artefacts -------------------------------------------------------
    def iter_captures(self, batch: int = 1000) -> Iterator[CaptureRow]:
        """Every capture record, in id order."""
        last = 0
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(sa.select(captures).where(captures.c.id > last)
                                    .order_by(captures.c.id).limit(batch)).all()
            if not rows:
                return
            for r in rows:
                yield CaptureRow(**r._mapping)
            last = int(rows[-1].id)

    def iter_artefacts(self, batch: int = 1000) -> Iterator[Artefact]:
        """Every artefact, in the order they were stored."""
        last = 0
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(sa.select(artefacts).where(artefacts.c.id > last)
                                    .order_by(artefacts.c.id).limit(batch)).all()
            if not rows:
                return
            yield from (_artefact(r) for r in rows)
            last = int(rows[-1].id)

    def iter_artefact_rows(self, batch: int = 5000) -> Iterator[ArtefactRow]:
        """Every artefact row (id, capture, kind, blob), in id order."""
        q = sa.select(artefacts.c.id, artefacts.c.capture_id, artefacts.c.kind,
                      artefacts.c.sha256)
        last = 0
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(q.where(artefacts.c.id > last)
                                    .order_by(artefacts.c.id).limit(batch)).all()
            if not rows:
                return
            yield from (ArtefactRow(int(r.id), int(r.capture_id), str(r.kind),
                                    str(r.sha256)) for r in rows)
            last = int(rows[-1].id)

    def iter_captured_listings(self, fields: Sequence[str],
                               batch: int = 2000) -> Iterator[CapturedListing]:
        """Every listing that names a capture (``capture_sha256`` set), in id order,
        with the columns ``fields``; listings imported from tables have no capture and
        are left out."""
        cols = [t.listings.c[f] for f in fields]
        q = sa.select(t.listings.c.id, t.listings.c.capture_sha256, t.listings.c.extra,
                      *cols).where(t.listings.c.capture_sha256 != "")
        last = 0
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(q.where(t.listings.c.id > last)
                                    .order_by(t.listings.c.id).limit(batch)).all()
            if not rows:
                return
            for r in rows:
                m = r._mapping
                try:
                    cid = json.loads(m["extra"] or "{}").get("capture_id")
                except (ValueError, AttributeError):
                    cid = None
                yield CapturedListing(int(m["id"]), str(m["capture_sha256"]),
                                      cid if isinstance(cid, int) else None,
                                      {f: m[f] for f in fields})
            last = int(rows[-1].id)

    def captures_with_body(self, body_sha256: str) -> list[int]:
        """Ids of the captures whose body is ``body_sha256``, oldest first."""
        with self.engine.connect() as conn:
            return [int(i) for i in conn.execute(sa.select(captures.c.id).where(
                captures.c.body_sha256 == body_sha256).order_by(captures.c.id)).scalars()]

    def captured_keys(self) -> set[str]:
        """URL keys of every page captured so far."""
        with self.engine.connect() as conn:
            return set(conn.execute(sa.select(captures.c.url_key).distinct()).scalars())

    def url_keys_by_body(self, body_sha256s: Iterable[str]) -> dict[str, set[str]]:
        """For each of these body hashes that was captured, the URL keys it was captured
        under."""
        wanted = sorted(set(body_sha256s))
        out: dict[str, set[str]] = {}
        with self.engine.connect() as conn:
            for i in range(0, len(wanted), _CHUNK):
                for sha, key in conn.execute(
                        sa.select(captures.c.body_sha256, captures.c.url_key).where(
                            captures.c.body_sha256.in_(wanted[i:i + _CHUNK]))):
                    out.setdefault(sha, set()).add(key)
        return out

    def artefacts_for(self, body_sha256: str) -> list[Artefact]:
        """The artefacts of the newest capture whose body is ``body_sha256`` (its body,
        robots.txt copy, screenshots, rendered DOM), in the order they were stored."""
        if not body_sha256:
            return []
        newest = sa.select(sa.func.max(captures.c.id)).where(
            captures.c.body_sha256 == body_sha256).scalar_subquery()
        with self.engine.connect() as conn:
            return [_artefact(r) for r in conn.execute(
                sa.select(artefacts).where(artefacts.c.capture_id == newest)
                .order_by(artefacts.c.id))]

    # -- custody ----------------------------------------------------------------------
    def custody_entries(self, after: int = 0) -> list[CustodyEntry]:
        """Custody entries after sequence number ``after``, in sequence order."""
        q = sa.select(custody).order_by(custody.c.seq)
        if after:
            q = q.where(custody.c.seq > after)
        with self.engine.connect() as conn:
            return [_custody_entry(r) for r in conn.execute(q)]

    def iter_custody(self, batch: int = 5000) -> Iterator[CustodyEntry]:
        """Every custody entry in sequence order, read ``batch`` at a time (a workspace
        of millions of entries is walked without holding them all)."""
        last = -1
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(sa.select(custody).where(custody.c.seq > last)
                                    .order_by(custody.c.seq).limit(batch)).all()
            if not rows:
                return
            yield from (_custody_entry(r) for r in rows)
            last = int(rows[-1].seq)

    def custody_of(self, sha256s: Sequence[str], capture_body: str = "",
                   limit: int = 200) -> list[CustodyEntry]:
        """Custody entries about these blobs, or about the captures whose body is
        ``capture_body`` (their records and their later artefacts), oldest first."""
        with self.engine.connect() as conn:
            caps = conn.execute(sa.select(captures.c.id, captures.c.record_sha256).where(
                captures.c.body_sha256 == capture_body)).all() if capture_body else []
            keys = [*sha256s, *[str(c.record_sha256) for c in caps]]
            subjects = [f"capture/{c.id}" for c in caps]
            if not keys and not subjects:
                return []
            return [_custody_entry(r) for r in conn.execute(
                sa.select(custody).where(sa.or_(custody.c.sha256.in_(keys or [""]),
                                                custody.c.subject.in_(subjects or [""])))
                .order_by(custody.c.seq).limit(limit))]
