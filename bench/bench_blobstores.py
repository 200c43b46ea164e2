"""Blob-store backends side by side: the local folder (the baseline), chunked rows in
PostgreSQL, and S3 (moto's server on 127.0.0.1), in one run on the same bytes.

For each backend: storing N page-sized blobs (20 KB, as a crawl stores bodies), listing
and re-hashing them all (what ``evidence verify`` does), and streaming one large file
(a WARC file) in and back out with the peak of Python memory traced. Usage::

    .venv/bin/python bench/bench_blobstores.py --n 2000 --big-mib 64

PostgreSQL at 127.0.0.1:5432 (database ``test`` reachable, trust auth) and
``moto_server`` on the PATH or beside the interpreter; a backend whose server is absent is
skipped with the reason.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from wildtrace.blobstore import BlobStore, LocalBlobStore
from wildtrace.store import Store


@contextmanager
def _postgres() -> Iterator[BlobStore]:
    import psycopg

    name = "wt_bench_" + uuid.uuid4().hex[:8]
    admin = "host=127.0.0.1 port=5432 user=postgres dbname=test"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    store = Store.open(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")
    try:
        yield store.blob_chunks
    finally:
        store.close()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def _s3() -> Iterator[BlobStore]:
    import boto3

    from wildtrace.blobstore.s3 import S3BlobStore

    exe = shutil.which("moto_server") or str(Path(sys.executable).with_name("moto_server"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([exe, "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
        url = f"http://127.0.0.1:{port}"
        boto3.client("s3", endpoint_url=url, region_name="us-east-1").create_bucket(
            Bucket="bench")
        yield S3BlobStore("bench", "ws", endpoint_url=url)
    finally:
        proc.terminate()
        proc.wait(10)


def _measure(store: BlobStore, blobs: list[bytes], big: Path) -> dict[str, float]:
    t = time.perf_counter()
    for data in blobs:
        store.put(data, durable=False)
    store.sync()
    put_s = time.perf_counter() - t
    t = time.perf_counter()
    names = list(store)
    assert all(store.verify(sha) for sha in names) and len(names) == len(blobs)
    verify_s = time.perf_counter() - t
    mib = big.stat().st_size / (1 << 20)
    tracemalloc.start()
    t = time.perf_counter()
    digest = store.put_file(big)
    big_put_s = time.perf_counter() - t
    t = time.perf_counter()
    h = hashlib.sha256()
    with store.open(digest) as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    assert h.hexdigest() == digest
    big_read_s = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"put_per_s": len(blobs) / put_s, "verify_per_s": len(blobs) / verify_s,
            "big_put_mib_s": mib / big_put_s, "big_read_mib_s": mib / big_read_s,
            "peak_mib": peak / (1 << 20)}


def main() -> None:
    """Run every backend on the same blobs and print one table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=2000, help="page-sized blobs per backend")
    ap.add_argument("--big-mib", type=int, default=64, help="size of the large file")
    args = ap.parse_args()
    blobs = [os.urandom(20_000) for _ in range(args.n)]
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.warc.gz"
        with big.open("wb") as fh:
            for _ in range(args.big_mib):
                fh.write(os.urandom(1 << 20))

        @contextmanager
        def local() -> Iterator[BlobStore]:
            yield LocalBlobStore(Path(tmp) / "blobs")

        backends: list[tuple[str, Callable[[], object]]] = [
            ("local folder (baseline)", local), ("postgres (chunked bytea)", _postgres),
            ("s3 (moto_server)", _s3)]
        print(f"{args.n} blobs of 20,000 bytes; one file of {args.big_mib} MiB")
        print("| backend | puts/s | verify/s (list + re-hash) | large put MiB/s | "
              "large read MiB/s | peak Python MiB (large) |")
        print("|---|---:|---:|---:|---:|---:|")
        for label, opener in backends:
            try:
                with opener() as store:  # type: ignore[attr-defined]
                    r = _measure(store, blobs, big)
            except Exception as exc:  # noqa: BLE001 - a missing server skips the row
                print(f"| {label} | skipped: {type(exc).__name__}: {exc} |")
                continue
            print(f"| {label} | {r['put_per_s']:,.0f} | {r['verify_per_s']:,.0f} | "
                  f"{r['big_put_mib_s']:,.1f} | {r['big_read_mib_s']:,.1f} | "
                  f"{r['peak_mib']:,.1f} |")


if __name__ == "__main__":
    main()
