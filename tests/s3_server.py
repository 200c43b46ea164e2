"""An S3-compatible server on 127.0.0.1 for the tests: moto's server mode
(``pip install 'moto[server]'``, from PyPI), started once per test session.

Tests that need it take the ``s3_bucket`` fixture: a new, empty bucket and the endpoint
to reach it, with dummy AWS credentials in the environment (moto accepts any). They skip
with the reason when moto or boto3 is not installed or the server does not start.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class S3Bucket:
    """A bucket on the test server."""

    endpoint: str
    name: str

    def client(self) -> object:
        """A boto3 client of the test server (for tampering with objects directly)."""
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """The endpoint URL of a moto S3 server running for the whole session."""
    pytest.importorskip("boto3", reason="boto3 not installed (pip install 'wildtrace[scale]')")
    exe = shutil.which("moto_server") or str(Path(sys.executable).with_name("moto_server"))
    if not Path(exe).exists():
        pytest.skip("moto's S3 server not installed (pip install 'moto[server]')")
    port = _free_port()
    proc = subprocess.Popen([exe, "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.skip("moto_server exited at start-up")
                time.sleep(0.1)
        else:
            pytest.skip("moto_server did not start listening within 10 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def s3_bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> S3Bucket:
    """A new, empty bucket on the test server; AWS credentials set for it."""
    for key, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY",
                                                           "testing"),
                       ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    bucket = S3Bucket(s3_endpoint, "wt-" + uuid.uuid4().hex[:12])
    bucket.client().create_bucket(Bucket=bucket.name)  # type: ignore[attr-defined]
    return bucket
