"""Evidence blobs in the workspace database (setting ``blob_store = "postgres"``).

Every machine of a team that shares the PostgreSQL workspace reads the same blobs, with
no file server beside it. A blob is its ``stored_blobs`` row (size, number of chunks)
plus its bytes in ``blob_chunks``, :data:`~wildtrace.blobstore.CHUNK` bytes a row
(``bytea``), all inserted in one transaction: a blob is whole or absent, never half
there. Rows are only ever inserted; the primary keys make a second writer of the same
blob fail instead of overwrite (it then finds the blob stored and returns). Reads stream
a chunk at a time, so a WARC file of a gigabyte is verified in bounded memory. On SQLite
the same tables hold the blobs inside ``wildtrace.db`` (useful in tests).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wildtrace.blobstore import CHUNK, BlobStore, check_digest, sha256_bytes
from wildtrace.errors import EvidenceError
from wildtrace.store.core import utcnow
from wildtrace.store.tables.preserve import blob_chunks, stored_blobs

_META = sa.select(stored_blobs.c.size, stored_blobs.c.chunks).where(
    stored_blobs.c.sha256 == sa.bindparam("s"))
_CHUNK_AT = sa.select(blob_chunks.c.data).where(
    blob_chunks.c.sha256 == sa.bindparam("s"), blob_chunks.c.n == sa.bindparam("n"))


class DatabaseBlobStore(BlobStore):
    """Blobs as chunked rows of the workspace database."""

    shared = True

    def __init__(self, engine: Engine, chunk: int = CHUNK) -> None:
        self.engine = engine
        self.chunk = chunk

    @property
    def where(self) -> str:
        """The database (its password masked)."""
        return "the workspace database " + self.engine.url.render_as_string(
            hide_password=True)

    def put(self, data: bytes, *, durable: bool = True) -> str:
        """Store ``data`` once; returns its SHA-256 (durable when it returns)."""
        digest = sha256_bytes(data)
        if not self.exists(digest):
            self._insert(digest, len(data),
                         (data[i:i + self.chunk] for i in range(0, max(len(data), 1),
                                                                self.chunk)), durable)
        return digest

    def _put_file(self, digest: str, path: Path, size: int) -> None:
        with path.open("rb") as fh:
            self._insert(digest, size, iter(lambda: fh.read(self.chunk), b""), True)

    def _insert(self, digest: str, size: int, chunks: Iterable[bytes],
                durable: bool) -> None:
        try:
            with self.engine.begin() as conn:
                if not durable and conn.dialect.name == "postgresql":
                    # A crawl's blobs commit without waiting for the disk: the capture
                    # rows naming them commit durably just after, and PostgreSQL's log
                    # is sequential, so that commit makes them durable too.
                    conn.execute(sa.text("SET LOCAL synchronous_commit TO OFF"))
                n = 0
                for n, block in enumerate(chunks, 1):
                    conn.execute(blob_chunks.insert(), {"sha256": digest, "n": n - 1,
                                                        "data": block})
                if n == 0:  # the empty blob still has its one (empty) chunk
                    conn.execute(blob_chunks.insert(), {"sha256": digest, "n": 0,
                                                        "data": b""})
                    n = 1
                conn.execute(stored_blobs.insert(), {"sha256": digest, "size": size,
                                                     "chunks": n, "stored_at": utcnow()})
        except sa.exc.IntegrityError:
            # Another machine stored the same blob at the same moment: the key says it
            # is the same bytes, and its transaction committed first.
            if not self.exists(digest):
                raise

    def _meta(self, sha256: str) -> tuple[int, int] | None:
        with self.engine.connect() as conn:
            row = conn.execute(_META, {"s": check_digest(sha256)}).first()
        return (int(row.size), int(row.chunks)) if row else None

    def iter_bytes(self, sha256: str) -> Iterator[bytes]:
        """The blob's chunks in order, one query each (memory bounded by a chunk)."""
        meta = self._meta(sha256)
        if meta is None:
            raise EvidenceError(f"evidence blob {sha256} is missing from {self.where}")
        return self._chunks(sha256, meta[1])

    def _chunks(self, sha256: str, count: int) -> Iterator[bytes]:
        for n in range(count):
            with self.engine.connect() as conn:
                data = conn.execute(_CHUNK_AT, {"s": sha256, "n": n}).scalar()
            if data is None:
                # A deleted chunk: the bytes read so far then hash to something else,
                # which verify reports; readers of the blob are told plainly.
                raise EvidenceError(f"evidence blob {sha256}: chunk {n} of {count} is "
                                    f"missing from {self.where}")
            yield bytes(data)

    def verify(self, sha256: str) -> bool:
        """True when the chunks still hash to the blob's name and add up to its size."""
        meta = self._meta(sha256)
        if meta is None:
            raise EvidenceError(f"evidence blob {sha256} is missing from {self.where}")
        h, size = hashlib.sha256(), 0
        try:
            for block in self._chunks(sha256, meta[1]):
                h.update(block)
                size += len(block)
        except EvidenceError:
            return False
        return h.hexdigest() == sha256 and size == meta[0]

    def exists(self, sha256: str) -> bool:
        """True when the blob is stored whole."""
        return self._meta(sha256) is not None

    def size(self, sha256: str) -> int:
        """The blob's size in bytes."""
        meta = self._meta(sha256)
        if meta is None:
            raise EvidenceError(f"evidence blob {sha256} is missing from {self.where}")
        return meta[0]

    def __iter__(self) -> Iterator[str]:
        last = ""
        while True:
            with self.engine.connect() as conn:
                rows = list(conn.execute(sa.select(stored_blobs.c.sha256).where(
                    stored_blobs.c.sha256 > last).order_by(stored_blobs.c.sha256)
                    .limit(5000)).scalars())
            if not rows:
                return
            yield from (str(r) for r in rows)
            last = str(rows[-1])
