"""WARC 1.1 files of everything fetched: request and response records with SHA-256
block and payload digests, one warcinfo record per file.

warcio digests with SHA-1 unless told otherwise; :class:`Sha256WARCWriter` makes it use
SHA-256. Records are written a transaction at a time (request + response, gzip member
per record) with a single append, so a crash can at worst leave a torn last record;
:func:`recover` trims such a tail from files a crashed run left open, and
seals them. A sealed file's SHA-256 goes into ``warc_files`` and the custody log.

Files are written in ``evidence/warc`` on the machine that fetches. With a shared blob
store (setting ``blob_store``: the database or S3), a file is also stored as a blob when
it is sealed, under the same SHA-256 its seal logs, before the seal commits: every
machine can then verify and replay it, and a sealed file is never only on one disk. A
file still open (or left open by a worker that died) is on its machine only until that
machine's next run seals it.
"""

from __future__ import annotations

import io
import json
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from wildtrace.blobstore import BlobStore, sha256_file
from wildtrace.preserve.custody import CustodyLog
from wildtrace.records import Exchange
from wildtrace.store import Store, utcnow

ROLL_BYTES = 1_000_000_000  # start a new file after ~1 GB, as crawlers customarily do
_HOP_HEADERS = {"transfer-encoding", "connection", "keep-alive"}


class Sha256WARCWriter(WARCWriter):  # type: ignore[misc]
    """warcio's writer, digesting blocks and payloads with SHA-256."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


def _resp_headers(ex: Exchange) -> list[tuple[str, str]]:
    # The body was de-chunked by the HTTP client: keep the original framing headers under
    # another name so replay tools do not try to de-chunk it again.
    out = []
    for k, v in ex.response_headers:
        out.append((f"X-Archive-Orig-{k}", v) if k.lower() in _HOP_HEADERS else (k, v))
    return out


class WarcRecorder:
    """Writes exchanges into ``evidence/warc/*.warc.gz`` and seals the files."""

    def __init__(self, directory: Path, store: Store, custody: CustodyLog,
                 info: dict[str, str], roll_bytes: int = ROLL_BYTES,
                 blobs: BlobStore | None = None) -> None:
        self.directory = directory
        self.store = store
        self.custody = custody
        self.blobs = blobs  # a shared store receives each sealed file
        self.info = info
        self.roll_bytes = roll_bytes
        self._fh: io.BufferedWriter | None = None
        self._writer: Sha256WARCWriter | None = None
        self.name = ""
        self.records = 0
        # Buffered mode (crawls): records are compressed as they come and written to the
        # file in one go by :meth:`flush`, which the page worker calls before it commits
        # captures that name them. The reactor thread then makes no file system calls,
        # each of which would make it wait for the GIL behind the worker.
        self.buffered = False
        self._pending: list[bytes] = []
        self._pos = 0  # bytes in the open file, buffered ones included
        self._lock = threading.RLock()

    # -- files ------------------------------------------------------------------------
    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%d%H%M%S%f")
        self.name = f"wildtrace-{stamp}-{os.getpid()}.warc.gz"
        self.store.evidence.open_warc_file(self.name, utcnow())
        self._fh = (self.directory / self.name).open("xb")
        self._pos = 0
        self._writer = Sha256WARCWriter(self._fh, gzip=True, warc_version="1.1")
        info = self._writer.create_warcinfo_record(self.name, dict(self.info))
        self._write([info])

    def _write(self, records: list[Any]) -> None:
        assert self._fh is not None and self._writer is not None
        buf = io.BytesIO()
        writer = Sha256WARCWriter(buf, gzip=True, warc_version="1.1")
        for rec in records:
            writer.write_record(rec)
        data = buf.getvalue()
        with self._lock:
            self._pos += len(data)
            if self.buffered:
                self._pending.append(data)
                return
            self._fh.write(data)
            self._fh.flush()

    def flush(self) -> None:
        """Write buffered records to the file (before any capture naming them commits)."""
        with self._lock:
            if self._fh is None or not self._pending:
                return
            data, self._pending = b"".join(self._pending), []
            self._fh.write(data)
            self._fh.flush()

    def record(self, ex: Exchange, record_id: str = "") -> str:
        """Write one exchange (request + response); returns the response record's id.

        ``record_id`` (``<urn:uuid:…>``) is used for the response record when given: a
        crawler in another process names records before they are written.
        """
        with self._lock:
            if self._fh is None:
                self._open()
            elif self._pos > self.roll_bytes:
                self.seal()
                self._open()
        assert self._writer is not None
        w = self._writer
        parts = urlsplit(ex.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        resp = w.create_warc_record(
            ex.url, "response", payload=io.BytesIO(ex.body), length=len(ex.body),
            http_headers=StatusAndHeaders(f"{ex.status} {ex.reason}".strip(),
                                          _resp_headers(ex), protocol=ex.protocol),
            warc_headers_dict={"WARC-Date": ex.started,
                               **({"WARC-Record-ID": record_id} if record_id else {}),
                               **({"WARC-IP-Address": ex.server_ip} if ex.server_ip else {})})
        resp_id = resp.rec_headers.get_header("WARC-Record-ID")
        req = w.create_warc_record(
            ex.url, "request", payload=io.BytesIO(b""), length=0,
            http_headers=StatusAndHeaders(f"{ex.method} {target} HTTP/1.1",
                                          list(ex.request_headers), is_http_request=True),
            warc_headers_dict={"WARC-Date": ex.started, "WARC-Concurrent-To": resp_id})
        self._write([req, resp])
        self.records += 2
        return str(resp_id)

    def resource(self, uri: str, data: bytes, media_type: str, concurrent_to: str = "",
                 date: str = "") -> str:
        """Write a ``resource`` record (a browser crawl's screenshot, as
        ``urn:screenshot:URL``, the way web archiving tools keep them so a WACZ player
        shows it); returns its record id."""
        return self._single(uri, "resource", data, media_type, concurrent_to, date)

    def metadata(self, url: str, fields: dict[str, Any], refers_to: str = "",
                 date: str = "") -> str:
        """Write a ``metadata`` record about ``url`` (how the page was collected: by
        the browser, logged in as whom, what it refused) as ``application/json``;
        returns its record id."""
        data = json.dumps(fields, sort_keys=True, ensure_ascii=False).encode("utf-8")
        return self._single(url, "metadata", data, "application/json", refers_to, date)

    def _single(self, uri: str, kind: str, data: bytes, media_type: str, related: str,
                date: str) -> str:
        with self._lock:
            if self._fh is None:
                self._open()
            elif self._pos > self.roll_bytes:
                self.seal()
                self._open()
        assert self._writer is not None
        headers = {**({"WARC-Date": date} if date else {}),
                   **({"WARC-Concurrent-To" if kind == "resource" else "WARC-Refers-To":
                       related} if related else {})}
        rec = self._writer.create_warc_record(uri, kind, payload=io.BytesIO(data),
                                              length=len(data),
                                              warc_content_type=media_type,
                                              warc_headers_dict=headers)
        self._write([rec])
        self.records += 1
        return str(rec.rec_headers.get_header("WARC-Record-ID"))

    def sync(self) -> None:
        """fsync the open file (batched durability; see BlobStore.sync)."""
        with self._lock:
            self.flush()
            if self._fh is not None:
                os.fsync(self._fh.fileno())

    def seal(self, note: str = "") -> str:
        """Close the open file, hash it, and log it; returns its name ('' if none)."""
        with self._lock:
            if self._fh is None:
                return ""
            self.flush()
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            self._fh = None
            self._writer = None
            name, self.name = self.name, ""
        seal_file(self.directory, name, self.store, self.custody, note, self.blobs)
        return name


def seal_file(directory: Path, name: str, store: Store, custody: CustodyLog,
              note: str = "", blobs: BlobStore | None = None) -> str:
    """Record a finished WARC file's SHA-256 and size, and log it in custody; with a
    shared ``blobs`` store, store the file there first (streamed)."""
    path = directory / name
    os.chmod(path, 0o444)
    digest = blobs.put_file(path) if blobs is not None and blobs.shared else \
        sha256_file(path)
    size = path.stat().st_size
    try:
        with custody.lock, store.evidence.transaction() as tx:
            tx.seal_warc_file(name, digest, size, utcnow(), note)
            custody.append(tx, "warc_sealed", f"warc/{name}", digest,
                           {"size": size, **({"note": note} if note else {})})
    except BaseException:
        custody.forget()
        raise
    custody.sync_mirror(durable=True)
    return digest


def complete_length(path: Path) -> int:
    """Bytes of ``path`` up to the end of its last complete record."""
    end = 0
    try:
        with path.open("rb") as fh:
            it = ArchiveIterator(fh, check_digests=False)
            for record in it:
                record.content_stream().read()
                it.read_to_end(record)
                end = it.get_record_offset() + it.get_record_length()
    except Exception:  # noqa: BLE001 - a torn gzip member raises zlib/EOF/parse errors
        pass
    return end


def recover(directory: Path, store: Store, custody: CustodyLog,
            blobs: BlobStore | None = None) -> list[str]:
    """Seal WARC files a crashed run left open, trimming a torn last record."""
    fixed = []
    for name in store.evidence.unsealed_warc_files():
        path = directory / name
        if not path.exists():
            continue  # open on another machine sharing the database: its own to seal
        size = path.stat().st_size
        good = complete_length(path)
        note = "sealed after an interrupted run"
        if good < size:
            with path.open("r+b") as fh:
                fh.truncate(good)
            note += f"; torn last record trimmed ({size - good} bytes)"
        seal_file(directory, name, store, custody, note, blobs)
        fixed.append(name)
    return fixed


def warcinfo(software: str, operator: str, robots: str, user_agent: str,
             extra: dict[str, str] | None = None) -> dict[str, str]:
    """The warcinfo fields of a wildtrace WARC."""
    return {"software": software, "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
                          "warc-format/warc-1.1/",
            "operator": operator, "robots": robots, "http-header-user-agent": user_agent,
            "hostname": socket.gethostname(), **(extra or {})}


def iter_responses(path: Path) -> Iterator[dict[str, Any]]:
    """Response and resource records (screenshots) of a WARC file with offsets: what a
    CDXJ index needs."""
    with path.open("rb") as fh:
        it = ArchiveIterator(fh)
        for record in it:
            if record.rec_type not in ("response", "resource"):
                record.content_stream().read()
                continue
            headers = record.http_headers if record.rec_type == "response" else None
            mime = (headers.get_header("Content-Type") or "") if headers else \
                (record.rec_headers.get_header("Content-Type") or "") \
                if record.rec_type == "resource" else ""
            item = {
                "url": record.rec_headers.get_header("WARC-Target-URI"),
                "date": record.rec_headers.get_header("WARC-Date"),
                "digest": record.rec_headers.get_header("WARC-Payload-Digest")
                or record.rec_headers.get_header("WARC-Block-Digest"),
                "status": headers.get_statuscode() if headers else
                ("200" if record.rec_type == "resource" else ""),
                "mime": mime.split(";")[0],
            }
            record.content_stream().read()
            it.read_to_end(record)
            item["offset"] = it.get_record_offset()
            item["length"] = it.get_record_length()
            yield item


def describe(d: dict[str, Any]) -> str:
    """A compact JSON rendering (for notes and logs)."""
    return json.dumps(d, sort_keys=True, ensure_ascii=False)
