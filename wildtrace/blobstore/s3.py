"""Blobs in S3-compatible object storage (setting ``blob_store = "s3://bucket/prefix"``).

A blob is the object ``<prefix>ab/cd/<sha256>``. Credentials come from the standard AWS
environment (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_PROFILE``, an
instance role…), never from the workspace; ``s3_endpoint_url`` points at a server other
than AWS (MinIO, Ceph, Garage, moto). Writes are append-only at the server: every put
carries ``If-None-Match: *``, so an existing object is never replaced (a second writer
of the same blob gets 412 and the blob is already there), and ``x-amz-checksum-sha256``,
so the server refuses bytes that were damaged on the way. Files larger than
:data:`PART` go up as a multipart upload, one part in memory at a time.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from wildtrace.blobstore import CHUNK, BlobStore, check_digest, sha256_bytes
from wildtrace.errors import EvidenceError
from wildtrace.extras import require

PART = 8 << 20  # multipart part size (S3's minimum is 5 MiB)
T = TypeVar("T")


def _b64(hexdigest: str) -> str:
    return base64.b64encode(bytes.fromhex(hexdigest)).decode("ascii")


def _code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


class S3BlobStore(BlobStore):
    """Blobs as objects in one bucket under one key prefix."""

    shared = True

    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str = "",
                 client: Any = None) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.endpoint_url = endpoint_url
        if client is None:
            boto3 = require("boto3", "scale", "the S3 blob store (blob_store = s3://…)")
            from botocore.config import Config

            region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
            client = boto3.client("s3", endpoint_url=endpoint_url or None,
                                  region_name=region or "us-east-1",
                                  config=Config(retries={"max_attempts": 5,
                                                         "mode": "standard"}))
        self.client = client

    @property
    def where(self) -> str:
        """The bucket and prefix (and the endpoint when it is not AWS)."""
        at = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"s3://{self.bucket}/{self.prefix}{at}"

    def key(self, sha256: str) -> str:
        """The object key of a blob."""
        check_digest(sha256)
        return f"{self.prefix}{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def _call(self, what: str, fn: Callable[..., T], **kwargs: Any) -> T:
        """One S3 request, its failures turned into one clear line."""
        try:
            return fn(Bucket=self.bucket, **kwargs)
        except Exception as exc:  # noqa: BLE001 - botocore raises many kinds
            code = _code(exc)
            if code in ("PreconditionFailed", "NoSuchKey", "404", "NotFound"):
                raise
            hint = {"NoSuchBucket": f"create the bucket first (aws s3 mb s3://{self.bucket})",
                    "InvalidAccessKeyId": "check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY",
                    "SignatureDoesNotMatch": "check AWS_SECRET_ACCESS_KEY",
                    "AccessDenied": "the credentials may not read or write this bucket"
                    }.get(code, "check s3_endpoint_url and the AWS_* credentials in the "
                                "environment")
            raise EvidenceError(f"S3 blob store {self.where}: {what} failed: "
                                f"{type(exc).__name__}: {exc}"[:400], hint=hint) from exc

    def _missing(self, sha256: str) -> EvidenceError:
        return EvidenceError(f"evidence blob {sha256} is missing from {self.where}")

    def put(self, data: bytes, *, durable: bool = True) -> str:
        """Store ``data`` once (a conditional put); returns its SHA-256."""
        digest = sha256_bytes(data)
        if not self.exists(digest):
            self._put_object(digest, data)
        return digest

    def _put_object(self, digest: str, body: Any) -> None:
        try:
            self._call(f"storing {digest}", self.client.put_object, Key=self.key(digest),
                       Body=body, IfNoneMatch="*", ChecksumSHA256=_b64(digest))
        except Exception as exc:
            if _code(exc) != "PreconditionFailed":
                raise
            # Another machine stored the same blob between our check and our put.

    def _put_file(self, digest: str, path: Path, size: int) -> None:
        if size <= PART:
            with path.open("rb") as fh:
                self._put_object(digest, fh.read())
            return
        key = self.key(digest)
        upload = self._call("starting a multipart upload", self.client.create_multipart_upload,
                            Key=key, ChecksumAlgorithm="SHA256")["UploadId"]
        parts = []
        try:
            with path.open("rb") as fh:
                n = 0
                while block := fh.read(PART):
                    n += 1
                    sent = self._call(f"uploading part {n} of {digest}",
                                      self.client.upload_part, Key=key, UploadId=upload,
                                      PartNumber=n, Body=block,
                                      ChecksumSHA256=_b64(sha256_bytes(block)))
                    parts.append({"PartNumber": n, "ETag": sent["ETag"],
                                  "ChecksumSHA256": sent.get("ChecksumSHA256",
                                                             _b64(sha256_bytes(block)))})
            self._call(f"completing the upload of {digest}",
                       self.client.complete_multipart_upload, Key=key, UploadId=upload,
                       MultipartUpload={"Parts": parts}, IfNoneMatch="*")
        except Exception as exc:
            try:
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=key,
                                                   UploadId=upload)
            except Exception:  # noqa: BLE001 - the abort is best effort
                pass
            if _code(exc) != "PreconditionFailed":
                raise

    def iter_bytes(self, sha256: str) -> Iterator[bytes]:
        """The object's body, streamed in chunks."""
        try:
            body = self._call(f"reading {sha256}", self.client.get_object,
                              Key=self.key(sha256))["Body"]
        except Exception as exc:
            if _code(exc) in ("NoSuchKey", "404", "NotFound"):
                raise self._missing(sha256) from None
            raise
        return self._chunks(body)

    @staticmethod
    def _chunks(body: Any) -> Iterator[bytes]:
        try:
            yield from body.iter_chunks(CHUNK)
        finally:
            body.close()

    def _head(self, sha256: str) -> dict[str, Any] | None:
        try:
            return dict(self._call(f"looking up {sha256}", self.client.head_object,
                                   Key=self.key(sha256)))
        except Exception as exc:
            if _code(exc) in ("NoSuchKey", "404", "NotFound"):
                return None
            raise

    def exists(self, sha256: str) -> bool:
        """True when the object is stored."""
        return self._head(sha256) is not None

    def size(self, sha256: str) -> int:
        """The object's size in bytes."""
        head = self._head(sha256)
        if head is None:
            raise self._missing(sha256)
        return int(head["ContentLength"])

    def __iter__(self) -> Iterator[str]:
        # Keys sort as their digests do: the fan-out folders are the digest's first bytes.
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix)
        try:
            for page in pages:
                for item in page.get("Contents", ()):
                    name = str(item["Key"]).rpartition("/")[2]
                    try:
                        if self.key(name) == item["Key"]:
                            yield name
                    except EvidenceError:
                        continue  # not a blob (a stray object under the prefix)
        except Exception as exc:
            if isinstance(exc, EvidenceError):
                raise
            raise EvidenceError(f"S3 blob store {self.where}: listing failed: "
                                f"{type(exc).__name__}: {exc}"[:400]) from exc
