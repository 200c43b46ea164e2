"""Content-addressed, append-only storage of evidence bytes keyed by SHA-256.

:class:`BlobStore` is the interface every backend keeps; the setting ``blob_store``
chooses one (:func:`wildtrace.workspace.open_blobs`):

- empty: a folder on this machine, ``evidence/blobs/ab/cd/<sha256>``
  (:class:`~wildtrace.blobstore.local.LocalBlobStore`, the embedded default);
- ``postgres``: chunked rows in the workspace database
  (:class:`wildtrace.store.blob_chunks.DatabaseBlobStore`);
- ``s3://bucket/prefix``: S3-compatible object storage
  (:class:`~wildtrace.blobstore.s3.S3BlobStore`).

Every backend is content-addressed and append-only: a blob's name is the SHA-256 of its
bytes, storing it again is a no-op, and an existing name is never overwritten with other
bytes. Large blobs stream in chunks (:meth:`BlobStore.put_file`, :meth:`BlobStore.open`),
so memory stays bounded whatever their size; :meth:`BlobStore.verify` re-hashes the bytes
the backend holds. The two shared backends (``shared`` is True) hold evidence that any
machine of a team can read and verify.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from wildtrace.errors import EvidenceError

CHUNK = 1 << 20  # bytes read, hashed, sent or stored at a time when streaming
_HEX = frozenset("0123456789abcdef")


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path, chunk: int = CHUNK) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def check_digest(sha256: str) -> str:
    """``sha256`` when it is a lower-case hex SHA-256; else :class:`EvidenceError` (so a
    name from outside can never reach a path or a key as ``../``)."""
    if len(sha256) != 64 or not _HEX.issuperset(sha256):
        raise EvidenceError(f"not a SHA-256 digest: {sha256!r}")
    return sha256


class _ChunkReader(io.RawIOBase):
    """A read-only file over an iterator of byte chunks (a blob streamed from a
    backend), for readers that want a file such as warcio's ``ArchiveIterator``."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._left = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._left:
            nxt = next(self._chunks, None)
            if nxt is None:
                return 0
            self._left = nxt
        n = min(len(buffer), len(self._left))
        buffer[:n] = self._left[:n]
        self._left = self._left[n:]
        return n


class BlobStore(ABC):
    """Blobs addressed by their SHA-256, wherever a backend keeps them."""

    #: True when every machine of a team reads the same blobs (database, object storage)
    shared: bool = False

    @property
    @abstractmethod
    def where(self) -> str:
        """Where the blobs are, for messages (a folder, ``s3://…``, the database)."""

    @abstractmethod
    def put(self, data: bytes, *, durable: bool = True) -> str:
        """Store ``data`` once; returns its SHA-256. Storing it again is a no-op.

        ``durable=False`` lets a backend batch its syncs (see :meth:`sync`); the write
        is atomic either way."""

    @abstractmethod
    def _put_file(self, digest: str, path: Path, size: int) -> None:
        """Store the file ``path`` (``size`` bytes, already hashed to ``digest``) under
        ``digest``, streaming it; only called when the blob is not stored yet."""

    @abstractmethod
    def iter_bytes(self, sha256: str) -> Iterator[bytes]:
        """The blob's bytes in chunks of bounded size; :class:`EvidenceError` when it is
        missing."""

    @abstractmethod
    def exists(self, sha256: str) -> bool:
        """True when the blob is stored."""

    @abstractmethod
    def size(self, sha256: str) -> int:
        """The blob's size in bytes; :class:`EvidenceError` when it is missing."""

    @abstractmethod
    def __iter__(self) -> Iterator[str]:
        """The digests of every stored blob, in sorted order."""

    def put_file(self, path: Path) -> str:
        """Store a file, streamed (a WARC file of a gigabyte never sits in memory);
        returns its SHA-256."""
        digest = sha256_file(path)
        if not self.exists(digest):
            self._put_file(digest, path, path.stat().st_size)
        return digest

    def put_stream(self, stream: BinaryIO) -> str:
        """Store what ``stream`` yields, spooled to a temporary file while it is hashed
        (the name is only known at the end); returns its SHA-256."""
        with tempfile.NamedTemporaryFile(prefix="wildtrace-blob-") as tmp:
            shutil.copyfileobj(stream, tmp, CHUNK)
            tmp.flush()
            return self.put_file(Path(tmp.name))

    def get(self, sha256: str) -> bytes:
        """The bytes of a blob; raises :class:`EvidenceError` if it is missing."""
        return b"".join(self.iter_bytes(sha256))

    def open(self, sha256: str) -> BinaryIO:
        """A read-only, buffered file over the blob, streamed from the backend."""
        return io.BufferedReader(_ChunkReader(self.iter_bytes(sha256)), CHUNK)

    def verify(self, sha256: str) -> bool:
        """True when the stored bytes still hash to their name (re-read from the
        backend, in chunks)."""
        h = hashlib.sha256()
        for block in self.iter_bytes(sha256):
            h.update(block)
        return h.hexdigest() == sha256

    def sync(self) -> None:  # noqa: B027 - a no-op unless the backend batches syncs
        """Make blobs written with ``durable=False`` durable (a no-op where every put
        is durable when it returns)."""


from wildtrace.blobstore.local import LocalBlobStore  # noqa: E402 - needs BlobStore

__all__ = ["CHUNK", "BlobStore", "LocalBlobStore", "check_digest", "sha256_bytes",
           "sha256_file"]
