"""Content-addressed blob store."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from wildtrace.blobstore import BlobStore
from wildtrace.errors import EvidenceError


def test_put_is_content_addressed_and_read_only(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    digest = store.put(b"evidence")
    assert digest == hashlib.sha256(b"evidence").hexdigest()
    assert store.put(b"evidence") == digest
    assert store.get(digest) == b"evidence"
    assert list(store) == [digest]
    assert not os.access(store.path(digest), os.W_OK) or os.geteuid() == 0
    assert oct(store.path(digest).stat().st_mode & 0o777) == "0o444"


def test_verify_detects_a_flipped_byte(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    digest = store.put(b"A" * 100)
    assert store.verify(digest)
    path = store.path(digest)
    path.chmod(0o644)
    data = bytearray(path.read_bytes())
    data[50] ^= 1
    path.write_bytes(bytes(data))
    assert not store.verify(digest)


def test_bad_digest_and_missing_blob(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    with pytest.raises(EvidenceError, match="not a SHA-256"):
        store.path("../../etc/passwd")
    with pytest.raises(EvidenceError, match="missing"):
        store.get("0" * 64)
