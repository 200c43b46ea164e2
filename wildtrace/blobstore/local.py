"""Blobs in a folder on this machine: the embedded default (setting ``blob_store`` empty).

A blob lives at ``evidence/blobs/ab/cd/<sha256>`` and is written once, atomically
(temporary file, fsync, rename) and made read-only: an evidentiary copy is never
modified. Working copies are made elsewhere.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from wildtrace.blobstore import CHUNK, BlobStore, check_digest, sha256_bytes, sha256_file
from wildtrace.errors import EvidenceError


class LocalBlobStore(BlobStore):
    """Blobs under ``root``, addressed by their SHA-256."""

    shared = False

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def where(self) -> str:
        """The folder the blobs are in."""
        return str(self.root)

    def path(self, sha256: str) -> Path:
        """Where the blob with this digest lives (whether or not it exists)."""
        check_digest(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes, *, durable: bool = True) -> str:
        """Store ``data`` once; returns its SHA-256. Storing it again is a no-op.

        ``durable=False`` skips the per-file fsync (a crawl writing hundreds of pages a
        second syncs in batches instead, see :meth:`sync`); the write is still atomic.
        """
        digest = sha256_bytes(data)
        target = self.path(digest)
        if not target.exists():
            self._write(target, lambda fh: fh.write(data), durable)
        return digest

    def _put_file(self, digest: str, path: Path, size: int) -> None:
        def copy(fh: BinaryIO) -> None:
            with path.open("rb") as src:
                shutil.copyfileobj(src, fh, CHUNK)
        self._write(self.path(digest), copy, durable=True)

    def _write(self, target: Path, fill: Callable[[BinaryIO], object],
               durable: bool) -> None:
        try:
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        except FileNotFoundError:
            # Fan-out folder not made yet: created on demand rather than checked on
            # every put (a crawl stores two blobs a page).
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fill(fh)
                fh.flush()
                if durable:
                    os.fsync(fh.fileno())
            os.chmod(tmp, 0o444)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, sha256: str) -> bytes:
        """The bytes of a blob; raises :class:`EvidenceError` if it is missing."""
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError:
            raise EvidenceError(f"evidence blob {sha256} is missing from {self.root}") from None

    def iter_bytes(self, sha256: str) -> Iterator[bytes]:
        """The blob's bytes, read a chunk at a time."""
        try:
            fh = self.path(sha256).open("rb")
        except FileNotFoundError:
            raise EvidenceError(f"evidence blob {sha256} is missing from {self.root}") from None
        return self._chunks(fh)

    @staticmethod
    def _chunks(fh: BinaryIO) -> Iterator[bytes]:
        with fh:
            while block := fh.read(CHUNK):
                yield block

    def size(self, sha256: str) -> int:
        """The blob's size in bytes."""
        try:
            return self.path(sha256).stat().st_size
        except FileNotFoundError:
            raise EvidenceError(f"evidence blob {sha256} is missing from {self.root}") from None

    def sync(self) -> None:
        """Flush blobs written with ``durable=False`` to disk (one system-wide sync)."""
        os.sync()

    def exists(self, sha256: str) -> bool:
        """True when the blob is stored."""
        return self.path(sha256).exists()

    def __iter__(self) -> Iterator[str]:
        if not self.root.exists():
            return
        for p in sorted(self.root.glob("??/??/*")):
            if not p.name.startswith(".tmp-"):
                yield p.name

    def verify(self, sha256: str) -> bool:
        """True when the stored bytes still hash to their name."""
        return sha256_file(self.path(sha256)) == sha256
