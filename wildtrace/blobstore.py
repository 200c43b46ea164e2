"""Content-addressed, append-only storage of bytes keyed by SHA-256.

A blob lives at ``evidence/blobs/ab/cd/<sha256>`` and is written once, atomically
(temporary file, fsync, rename) and made read-only: an evidentiary copy is never
modified. Working copies are made elsewhere.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from wildtrace.errors import EvidenceError


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


class BlobStore:
    """Blobs under ``root``, addressed by their SHA-256."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        """Where the blob with this digest lives (whether or not it exists)."""
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise EvidenceError(f"not a SHA-256 digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes, *, durable: bool = True) -> str:
        """Store ``data`` once; returns its SHA-256. Storing it again is a no-op.

        ``durable=False`` skips the per-file fsync (a crawl writing hundreds of pages a
        second syncs in batches instead, see :meth:`sync`); the write is still atomic.
        """
        digest = sha256_bytes(data)
        target = self.path(digest)
        if target.exists():
            return digest
        try:
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        except FileNotFoundError:
            # Fan-out folder not made yet: created on demand rather than checked on
            # every put (a crawl stores two blobs a page).
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                if durable:
                    os.fsync(fh.fileno())
            os.chmod(tmp, 0o444)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, sha256: str) -> bytes:
        """The bytes of a blob; raises :class:`EvidenceError` if it is missing."""
        target = self.path(sha256)
        try:
            return target.read_bytes()
        except FileNotFoundError:
            raise EvidenceError(f"evidence blob {sha256} is missing from {self.root}") from None

    @staticmethod
    def sync() -> None:
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
