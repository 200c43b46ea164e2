"""The evidence ZIP of a case: listings, their provenance, evidence files and a manifest.

The archive holds ``case.json``; one ``listings/<id>.json`` per listing with its fields,
its assessment, the plain reason it was flagged, and its **provenance**: capture time
(UTC), final URL, server IP, User-Agent, operator, WARC file and record ids, body and
record hashes, the custody entry that logged the capture and the RFC 3161 token that
covers it (or, for an imported listing, that it was not captured); the evidence blobs
under ``evidence/<sha256>.<ext>`` exactly as stored, each named with the extension of
its media type so it opens in the right program (``.html``, ``.png``, ``.txt`` for a
robots.txt copy…); the sealed WARC files the captures were written to, under
``warc/`` (when given); the case file PDF when given; and ``MANIFEST-SHA256.txt`` in
``sha256sum`` format so anyone can check it with standard tools (``sha256sum -c``).
Blobs are streamed from the append-only store, never altered.

Given a :class:`~wildtrace.preserve.handover.HandoverProof`, it also holds the custody
head (``custody/head.json``), the custody entries of its evidence and every token
covering them (``timestamps/<seq>.tsr``, listed in ``timestamps/tokens.json``), all in
the manifest, so a recipient can run ``openssl ts -verify`` on each.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from wildtrace.act.material import CaseListing, CaseMaterial, EvidenceItem
from wildtrace.act.provenance import covering_token, not_captured, token_dict
from wildtrace.blobstore import BlobStore
from wildtrace.preserve.handover import HandoverProof

MANIFEST = "MANIFEST-SHA256.txt"
EXTENSIONS = {
    "text/html": ".html", "application/xhtml+xml": ".xhtml", "text/plain": ".txt",
    "text/csv": ".csv", "application/json": ".json", "application/ld+json": ".json",
    "application/xml": ".xml", "text/xml": ".xml", "image/png": ".png",
    "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp",
    "image/svg+xml": ".svg", "application/pdf": ".pdf", "application/warc": ".warc",
    "application/gzip": ".gz", "application/zip": ".zip", "video/mp4": ".mp4",
    "application/timestamp-reply": ".tsr", "application/x-jsonlines": ".jsonl",
}
# What the bytes say when the stored media type says nothing useful.
_MAGIC = ((b"\x89PNG", ".png"), (b"\xff\xd8\xff", ".jpg"), (b"GIF8", ".gif"),
          (b"%PDF-", ".pdf"), (b"WARC/", ".warc"), (b"PK\x03\x04", ".zip"))


def extension(media_type: str, data: bytes, role: str = "") -> str:
    """The file extension for evidence of this media type (its bytes decide when the
    type is unknown); a gzip-compressed WARC is ``.warc.gz``; ``.bin`` when nothing
    is known."""
    media = media_type.split(";")[0].strip().lower()
    if data[:2] == b"\x1f\x8b":
        return ".warc.gz" if role == "warc" or "warc" in media else ".gz"
    if media in EXTENSIONS:
        return EXTENSIONS[media]
    for magic, ext in _MAGIC:
        if data.startswith(magic):
            return ext
    if role == "warc":
        return ".warc"
    if media.startswith("text/"):
        return ".txt"
    return ".bin"


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _listing_json(item: CaseListing, files: Mapping[str, str],
                  proof: HandoverProof | None) -> dict[str, Any]:
    row = {k: _plain(v) for k, v in item.row.items()}
    for key in ("extra", "identifiers"):
        if isinstance(row.get(key), str):
            try:
                row[key] = json.loads(row[key])
            except ValueError:
                pass
    a = item.assessment
    cap = item.capture
    provenance: dict[str, Any]
    if cap is None:
        provenance = {"captured": False, "note": not_captured(item.row)}
    else:
        provenance = {"captured": True, **cap.as_dict(),
                      "warc_path": f"warc/{cap.warc_file}"
                      if f"warc/{cap.warc_file}" in files.values() else "",
                      "timestamp_token": token_dict(covering_token(proof, cap.custody_seq))}
    return {"listing": row,
            "reason": item.reason,
            "assessment": {k: _plain(v) for k, v in a.items()} if a else None,
            "provenance": provenance,
            "custody": [{"seq": e.seq, "at": e.at, "who": e.who, "action": e.action,
                         "subject": e.subject, "sha256": e.sha256,
                         "entry_hash": e.entry_hash} for e in item.custody],
            "evidence": [{"sha256": e.sha256, "role": e.role, "media_type": e.media_type,
                          "size": e.size, "present": e.present,
                          "file": files.get(e.sha256, "")} for e in item.evidence]}


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_evidence_zip(material: CaseMaterial, blobs: BlobStore, out: IO[bytes] | Path,
                       *, exported_by: str, pdf: bytes | None = None,
                       proof: HandoverProof | None = None,
                       warcs: Mapping[str, Path] | None = None) -> dict[str, str]:
    """Write the ZIP to ``out``; returns the manifest (archive path → SHA-256).
    ``warcs`` are the WARC files (name → path) to carry under ``warc/``."""
    manifest: dict[str, str] = {}
    files: dict[str, str] = {}  # blob sha256 or WARC name -> archive path

    def add(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
        zf.writestr(name, data)
        manifest[name] = hashlib.sha256(data).hexdigest()

    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, path in sorted((warcs or {}).items()):
            zf.write(path, f"warc/{name}")  # streamed from disk: WARC files can be large
            manifest[f"warc/{name}"] = _file_sha256(path)
            files[name] = f"warc/{name}"
        evidence: list[EvidenceItem] = [ev for item in material.listings
                                        for ev in item.evidence]
        for ev in evidence:
            if ev.present and ev.sha256 not in files:
                data = blobs.get(ev.sha256)
                name = f"evidence/{ev.sha256}{extension(ev.media_type, data, ev.role)}"
                add(zf, name, data)
                files[ev.sha256] = name
        case = material.case
        add(zf, "case.json", json.dumps({
            "id": case.id, "title": case.title, "notes": case.notes, "status": case.status,
            "created_by": case.created_by, "exported_by": exported_by,
            "sellers": material.sellers,
            "custody_head": ({"custody_seq": proof.head_seq, "custody_head": proof.head_hash}
                             if proof is not None else None),
            "items": [{"kind": i.kind, "ref": i.ref, "note": i.note, "added_by": i.added_by}
                      for i in case.items]}, ensure_ascii=False, indent=2).encode())
        for item in material.listings:
            add(zf, f"listings/{item.row['id']}.json",
                json.dumps(_listing_json(item, files, proof), ensure_ascii=False, indent=2,
                           default=str).encode())
        if pdf is not None:
            add(zf, f"case-{case.id}.pdf", pdf)
        if proof is not None:
            for name, data in proof.files().items():
                add(zf, name, data)
        lines = "".join(f"{digest}  {name}\n" for name, digest in sorted(manifest.items()))
        zf.writestr(MANIFEST, lines.encode())
    return manifest
