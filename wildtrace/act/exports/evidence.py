"""The ``evidence`` export: a WACZ 1.1 package of the workspace's evidence.

It holds the sealed WARC files, a CDXJ index, the pages list, and ``datapackage.json``
with the SHA-256 of every file, plus wildtrace's custody log and capture records so the
chain of custody travels with the archive, and the custody head (``custody/head.json``)
with every stored RFC 3161 token over it (``timestamps/<seq>.tsr``, listed in
``timestamps/tokens.json``) so a recipient can check when the evidence existed with
``openssl ts -verify`` (:mod:`wildtrace.preserve.handover`).

A machine of a team (a shared database and blob store) may export evidence it never
wrote: a sealed WARC file missing from its ``evidence/warc`` is read from its blob in
the shared store (checked against its sealed SHA-256 on the way), and the custody log
comes from the database, whole, rather than from this machine's mirror of it.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from wildtrace import __version__
from wildtrace.blobstore import BlobStore
from wildtrace.errors import EvidenceError
from wildtrace.preserve.handover import HandoverProof
from wildtrace.preserve.warc import iter_responses

WACZ_VERSION = "1.1.1"


@dataclass(frozen=True)
class EvidenceArchive:
    """What goes into the package: where the WARC files are and which are sealed, the
    capture records as stored, and the custody log as JSONL (a mirror file, or the
    database's log as bytes; None if absent).

    A sealed WARC file not in ``warc_dir`` is read from ``blobs`` under its sealed
    SHA-256 (``warc_sha256``), where the team's machines share sealed files."""

    title: str
    warc_dir: Path
    warc_names: tuple[str, ...]
    captures: tuple[Mapping[str, Any], ...]
    custody_log: Path | bytes | None
    proof: HandoverProof | None = None  # the custody head and its trusted timestamps
    warc_sha256: Mapping[str, str] = field(default_factory=dict)
    blobs: BlobStore | None = None


def surt(url: str) -> str:
    """Sort-friendly URI Reordering Transform key of ``url`` (``org,example)/path``)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    key = ",".join(reversed(host.split("."))) if not re.fullmatch(r"[\d.]+", host) else host
    if parts.port and parts.port not in (80, 443):
        key += f":{parts.port}"
    path = (parts.path or "/").lower()
    return f"{key}){path}" + (f"?{parts.query.lower()}" if parts.query else "")


def _stamp(warc_date: str) -> str:
    digits = re.sub(r"\D", "", warc_date or "")
    return (digits + "00000000000000")[:14]


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _fetch(archive: EvidenceArchive, name: str, spool: Path) -> Path:
    """The WARC file ``name``: this machine's copy, else its sealed blob copied into
    ``spool`` (and checked against the seal); EvidenceError when neither is there."""
    local = archive.warc_dir / name
    if local.exists():
        return local
    sha = archive.warc_sha256.get(name, "")
    if archive.blobs is None or not sha or not archive.blobs.exists(sha):
        where = f" nor in the blob store {archive.blobs.where}" if archive.blobs else ""
        raise EvidenceError(f"sealed WARC file {name} is not in {archive.warc_dir}{where}",
                            hint="export from the machine that wrote it, or set blob_store "
                                 "to the team's shared store; `wildtrace evidence verify` "
                                 "lists what is missing")
    copy = spool / name
    digest = hashlib.sha256()
    with archive.blobs.open(sha) as src, copy.open("wb") as dst:
        while block := src.read(1 << 20):
            digest.update(block)
            dst.write(block)
    if digest.hexdigest() != sha:
        raise EvidenceError(f"sealed WARC file {name}: its blob in {archive.blobs.where} "
                            f"no longer matches its sealed SHA-256 {sha[:12]}…",
                            hint="run `wildtrace evidence verify`")
    return copy


def _index(archive: EvidenceArchive, paths: Mapping[str, Path]) -> list[str]:
    cdx: list[str] = []
    for name in archive.warc_names:
        for item in iter_responses(paths[name]):
            fields = {"url": item["url"], "mime": item["mime"], "status": str(item["status"]),
                      "digest": item["digest"], "length": str(item["length"]),
                      "offset": str(item["offset"]), "filename": name}
            cdx.append(f"{surt(item['url'])} {_stamp(item['date'])} "
                       f"{json.dumps(fields, ensure_ascii=False)}")
    return sorted(cdx)


def _pages(captures: Sequence[Mapping[str, Any]]) -> list[str]:
    pages = [json.dumps({"format": "json-pages-1.0", "id": "pages",
                         "title": "Captured pages"})]
    for c in captures:
        if c["method"] == "import":
            continue
        pages.append(json.dumps({"id": f"capture-{c['id']}", "url": c["final_url"],
                                 "ts": c["started_at"], "status": c["status"]},
                                ensure_ascii=False))
    return pages


def write_evidence(archive: EvidenceArchive, fmt: str, path: Path) -> int:
    """Write the WACZ (``fmt`` is ``wacz``) to ``path``; returns how many WARC files it
    holds. EvidenceError when there is no sealed WARC file to export."""
    if not archive.warc_names:
        raise EvidenceError("no sealed WARC files to export",
                            hint="crawl or capture something first")
    spool = Path(tempfile.mkdtemp(prefix="wildtrace-wacz-"))
    try:
        paths = {n: _fetch(archive, n, spool) for n in archive.warc_names}
        return _write(archive, paths, path)
    finally:
        shutil.rmtree(spool, ignore_errors=True)


def _write(archive: EvidenceArchive, paths: Mapping[str, Path], path: Path) -> int:
    files: dict[str, bytes | Path] = {f"archive/{n}": p for n, p in paths.items()}
    files["indexes/index.cdxj"] = ("\n".join(_index(archive, paths)) + "\n").encode("utf-8")
    files["pages/pages.jsonl"] = ("\n".join(_pages(archive.captures)) + "\n").encode("utf-8")
    custody = archive.custody_log
    if isinstance(custody, bytes):
        if custody:
            files["wildtrace/custody.jsonl"] = custody
    elif custody is not None and custody.exists():
        files["wildtrace/custody.jsonl"] = custody
    if archive.proof is not None:
        files.update({f"wildtrace/{name}": data
                      for name, data in archive.proof.files().items()})
    files["wildtrace/captures.jsonl"] = ("".join(
        json.dumps(dict(c), ensure_ascii=False, default=str) + "\n"
        for c in archive.captures)).encode("utf-8")
    resources: list[dict[str, Any]] = []
    with zipfile.ZipFile(path, "w") as zf:
        for arcname, src in files.items():
            data = src.read_bytes() if isinstance(src, Path) else src
            # WARCs are already gzipped: store them so offsets stay seekable.
            compress = zipfile.ZIP_STORED if arcname.startswith("archive/") \
                else zipfile.ZIP_DEFLATED
            zf.writestr(arcname, data, compress_type=compress)
            resources.append({"name": arcname.rsplit("/", 1)[-1], "path": arcname,
                              "hash": _sha(data), "bytes": len(data)})
        package = {"profile": "data-package", "wacz_version": WACZ_VERSION,
                   "title": archive.title,
                   "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                   "software": f"wildtrace {__version__}", "mainPageURL": "",
                   "resources": resources}
        pkg = json.dumps(package, indent=2, ensure_ascii=False).encode("utf-8")
        zf.writestr("datapackage.json", pkg, compress_type=zipfile.ZIP_DEFLATED)
        digest = {"path": "datapackage.json", "hash": _sha(pkg)}
        zf.writestr("datapackage-digest.json", json.dumps(digest, indent=2),
                    compress_type=zipfile.ZIP_DEFLATED)
    return len(archive.warc_names)
