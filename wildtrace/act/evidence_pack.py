"""The evidence ZIP of a case: listings, evidence blobs and a SHA-256 manifest.

The archive holds ``case.json``, one ``listings/<id>.json`` per listing, the evidence
blobs under ``evidence/<sha256>`` exactly as stored, the case file PDF when given, and
``MANIFEST-SHA256.txt`` in ``sha256sum`` format so anyone can check it with standard
tools (``sha256sum -c``). Blobs are streamed from the append-only store, never altered.
Given a :class:`~wildtrace.preserve.handover.HandoverProof`, it also holds the custody
head (``custody/head.json``), the custody entries of its evidence and every RFC 3161
token covering them (``timestamps/<seq>.tsr``, listed in ``timestamps/tokens.json``),
all in the manifest, so a recipient can run ``openssl ts -verify`` on each.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import IO, Any

from wildtrace.act.material import CaseMaterial
from wildtrace.blobstore import BlobStore
from wildtrace.preserve.handover import HandoverProof

MANIFEST = "MANIFEST-SHA256.txt"


def _listing_json(item: Any) -> dict[str, Any]:
    row = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in item.row.items()}
    for key in ("extra", "identifiers"):
        if isinstance(row.get(key), str):
            try:
                row[key] = json.loads(row[key])
            except ValueError:
                pass
    a = item.assessment
    return {"listing": row,
            "assessment": ({k: (v.isoformat() if hasattr(v, "isoformat") else v)
                            for k, v in a.items()} if a else None),
            "evidence": [{"sha256": e.sha256, "role": e.role, "media_type": e.media_type,
                          "size": e.size, "present": e.present} for e in item.evidence]}


def write_evidence_zip(material: CaseMaterial, blobs: BlobStore, out: IO[bytes] | Path,
                       *, exported_by: str, pdf: bytes | None = None,
                       proof: HandoverProof | None = None) -> dict[str, str]:
    """Write the ZIP to ``out``; returns the manifest (archive path → SHA-256)."""
    manifest: dict[str, str] = {}

    def add(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
        zf.writestr(name, data)
        manifest[name] = hashlib.sha256(data).hexdigest()

    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        case = material.case
        add(zf, "case.json", json.dumps({
            "id": case.id, "title": case.title, "notes": case.notes, "status": case.status,
            "created_by": case.created_by, "exported_by": exported_by,
            "sellers": material.sellers,
            "items": [{"kind": i.kind, "ref": i.ref, "note": i.note, "added_by": i.added_by}
                      for i in case.items]}, ensure_ascii=False, indent=2).encode())
        for item in material.listings:
            add(zf, f"listings/{item.row['id']}.json",
                json.dumps(_listing_json(item), ensure_ascii=False, indent=2,
                           default=str).encode())
            for ev in item.evidence:
                name = f"evidence/{ev.sha256}"
                if ev.present and name not in manifest:
                    data = blobs.get(ev.sha256)
                    add(zf, name, data)
        if pdf is not None:
            add(zf, f"case-{case.id}.pdf", pdf)
        if proof is not None:
            for name, data in proof.files().items():
                add(zf, name, data)
        lines = "".join(f"{digest}  {name}\n" for name, digest in sorted(manifest.items()))
        zf.writestr(MANIFEST, lines.encode())
    return manifest
