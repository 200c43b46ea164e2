"""Content-addressed blob stores: the local folder, the database (SQLite here, and
PostgreSQL when it runs) and S3 (moto's server on 127.0.0.1) keep one contract:
content-addressed, append-only, streamed, re-hashed by ``verify``."""

from __future__ import annotations

import hashlib
import os
import sys
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from s3_server import S3Bucket, s3_bucket, s3_endpoint  # noqa: F401 - fixtures

from wildtrace.blobstore import BlobStore
from wildtrace.blobstore import LocalBlobStore as LocalStore
from wildtrace.config import load
from wildtrace.errors import ConfigError, EvidenceError, MissingExtraError
from wildtrace.store import Store
from wildtrace.store.blob_chunks import DatabaseBlobStore
from wildtrace.workspace import open_workspace


def test_put_is_content_addressed_and_read_only(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    digest = store.put(b"evidence")
    assert digest == hashlib.sha256(b"evidence").hexdigest()
    assert store.put(b"evidence") == digest
    assert store.get(digest) == b"evidence"
    assert list(store) == [digest]
    assert not os.access(store.path(digest), os.W_OK) or os.geteuid() == 0
    assert oct(store.path(digest).stat().st_mode & 0o777) == "0o444"


def test_verify_detects_a_flipped_byte(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    digest = store.put(b"A" * 100)
    assert store.verify(digest)
    path = store.path(digest)
    path.chmod(0o644)
    data = bytearray(path.read_bytes())
    data[50] ^= 1
    path.write_bytes(bytes(data))
    assert not store.verify(digest)


def test_bad_digest_and_missing_blob(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    with pytest.raises(EvidenceError, match="not a SHA-256"):
        store.path("../../etc/passwd")
    with pytest.raises(EvidenceError, match="missing"):
        store.get("0" * 64)


# -- every backend -------------------------------------------------------------------

def _tamper_local(store: Any, sha: str) -> None:
    path = store.path(sha)
    path.chmod(0o644)
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))


def _tamper_database(store: Any, sha: str) -> None:
    with store.engine.begin() as conn:  # what someone with the database password can do
        conn.execute(sa.text("UPDATE blob_chunks SET data = :d WHERE sha256 = :s AND n = 0"),
                     {"d": b"forged", "s": sha})


@pytest.fixture(params=["local", "sqlite", "postgres", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[BlobStore,
                                                                               Any]]:
    """(store, tamper) for each backend; tamper(store, sha) changes a stored blob behind
    the store's back."""
    kind = request.param
    if kind == "local":
        yield LocalStore(tmp_path / "blobs"), _tamper_local
    elif kind in ("sqlite", "postgres"):
        url = (f"sqlite:///{tmp_path / 'db.sqlite'}" if kind == "sqlite"
               else request.getfixturevalue("pg_url"))
        store = Store.open(url)
        yield DatabaseBlobStore(store.engine, chunk=1000), _tamper_database
        store.close()
    else:
        from wildtrace.blobstore.s3 import S3BlobStore

        bucket: S3Bucket = request.getfixturevalue("s3_bucket")
        s3 = S3BlobStore(bucket.name, "team/evidence", endpoint_url=bucket.endpoint)

        def tamper(store: Any, sha: str) -> None:  # unconditional put: an admin's doing
            bucket.client().put_object(Bucket=bucket.name,  # type: ignore[attr-defined]
                                       Key=store.key(sha), Body=b"forged")
        yield s3, tamper


def test_contract(backend: tuple[BlobStore, Any], tmp_path: Path) -> None:
    store, tamper = backend
    data = os.urandom(4321)  # several 1000-byte chunks in the database backend
    digest = store.put(data)
    assert digest == hashlib.sha256(data).hexdigest()
    assert store.put(data) == digest  # idempotent
    empty = store.put(b"")
    assert store.get(digest) == data and store.get(empty) == b""
    assert store.exists(digest) and store.size(digest) == 4321 and store.size(empty) == 0
    assert store.open(digest).read() == data
    assert list(store) == sorted([digest, empty])
    assert store.verify(digest) and store.verify(empty)
    with pytest.raises(EvidenceError, match="missing"):
        store.get("f" * 64)
    assert not store.exists("f" * 64)
    with pytest.raises(EvidenceError, match="not a SHA-256"):
        store.exists("../" * 21 + "x")
    tamper(store, digest)
    assert not store.verify(digest)
    assert store.put(data) == digest and not store.verify(digest)  # never overwritten


def test_large_files_stream(backend: tuple[BlobStore, Any], tmp_path: Path) -> None:
    store, _ = backend
    big = tmp_path / "big.warc.gz"
    with big.open("wb") as fh:  # over one S3 part (8 MiB): a multipart upload
        for _ in range(9):
            fh.write(os.urandom(1 << 20))
    digest = store.put_file(big)
    assert digest == hashlib.sha256(big.read_bytes()).hexdigest()
    assert store.size(digest) == 9 << 20 and store.verify(digest)
    h = hashlib.sha256()
    with store.open(digest) as fh:
        while block := fh.read(300_000):
            h.update(block)
    assert h.hexdigest() == digest
    with big.open("rb") as fh:
        assert store.put_stream(fh) == digest


def test_streaming_memory_is_bounded(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}")
    try:
        blobs = DatabaseBlobStore(store.engine)
        big = tmp_path / "big"
        with big.open("wb") as fh:
            for _ in range(32):
                fh.write(os.urandom(1 << 20))
        tracemalloc.start()
        digest = blobs.put_file(big)
        assert blobs.verify(digest)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 8 << 20, f"{peak} bytes held for a 32 MiB blob"
    finally:
        store.close()


def test_database_store_races_are_harmless(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}")
    try:
        blobs = DatabaseBlobStore(store.engine)
        digest = blobs.put(b"same bytes from two machines")
        # The second machine checked before the first committed, then inserts too.
        blobs._insert(digest, 28, iter([b"same bytes from two machines"]), True)
        assert list(blobs) == [digest] and blobs.verify(digest)
    finally:
        store.close()


def test_s3_refuses_to_overwrite(s3_bucket: S3Bucket) -> None:  # noqa: F811
    from wildtrace.blobstore.s3 import S3BlobStore

    s3 = S3BlobStore(s3_bucket.name, "", endpoint_url=s3_bucket.endpoint)
    digest = s3.put(b"original")
    s3._put_object(digest, b"other bytes, same name")  # the race a check cannot close
    assert s3.get(digest) == b"original"


def test_s3_errors_say_what_to_do(s3_bucket: S3Bucket) -> None:  # noqa: F811
    from wildtrace.blobstore.s3 import S3BlobStore

    gone = S3BlobStore("no-such-bucket-here", "", endpoint_url=s3_bucket.endpoint)
    with pytest.raises(EvidenceError, match="aws s3 mb s3://no-such-bucket-here"):
        gone.put(b"x")


def test_workspace_picks_the_backend(tmp_path: Path, s3_bucket: S3Bucket) -> None:  # noqa: F811
    ws = open_workspace(tmp_path / "a", overrides={"blob_store": "postgres"})
    assert isinstance(ws.blobs, DatabaseBlobStore) and ws.blobs.shared
    ws.close()
    ws = open_workspace(tmp_path / "b", overrides={
        "blob_store": f"s3://{s3_bucket.name}/wt", "s3_endpoint_url": s3_bucket.endpoint})
    assert ws.blobs.shared and ws.blobs.where.startswith(f"s3://{s3_bucket.name}/wt/")
    ws.close()
    ws = open_workspace(tmp_path / "c")
    assert isinstance(ws.blobs, LocalStore) and not ws.blobs.shared
    ws.close()


@pytest.mark.parametrize(("value", "message"), [
    ("s3://AKIA:secret@bucket/x", "no credentials"),
    ("s3://B_ad/x", "not an S3 bucket name"),
    ("ftp://host/x", "expected empty"),
])
def test_blob_store_setting_is_checked(value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load(overrides={"blob_store": value})
    with pytest.raises(ConfigError, match="no credentials"):
        load(overrides={"s3_endpoint_url": "http://key:secret@127.0.0.1:9000"})


def test_missing_boto3_names_the_extra(tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)
    with pytest.raises(MissingExtraError, match=r"pip install 'wildtrace\[scale\]'"):
        open_workspace(tmp_path / "ws", overrides={"blob_store": "s3://bucket/x"})
