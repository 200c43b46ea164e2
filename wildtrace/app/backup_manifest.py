"""The manifest of a workspace backup: the SHA-256 and size of every file in it.

``manifest.json`` lists every file of the backup (database dump, settings, custody
mirror, WARC files, blobs, models) with its digest; ``manifest.json.sha256`` holds the
manifest's own digest, which ``wildtrace workspace backup`` also prints so it can be
written down elsewhere (a backup whose manifest was rewritten to match a changed file
is caught only against a digest kept outside it). :func:`check` re-hashes everything and
lists each difference before anything is restored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from wildtrace.blobstore import CHUNK, sha256_file
from wildtrace.errors import EvidenceError

MANIFEST = "manifest.json"
MANIFEST_SUM = "manifest.json.sha256"
FORMAT = "wildtrace-workspace-backup"
VERSION = 1


def write_hashed(chunks: Iterable[bytes], target: Path) -> tuple[str, int]:
    """Write ``chunks`` to the new file ``target``, hashing on the way (one pass, memory
    bounded by a chunk); its SHA-256 and size."""
    h = hashlib.sha256()
    size = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("xb") as dst:
        for block in chunks:
            h.update(block)
            dst.write(block)
            size += len(block)
    return h.hexdigest(), size


def file_chunks(path: Path) -> Iterator[bytes]:
    """The bytes of ``path``, a chunk at a time."""
    with path.open("rb") as fh:
        while block := fh.read(CHUNK):
            yield block


def copy_hashed(source: Path, target: Path) -> tuple[str, int]:
    """Copy ``source`` to the new file ``target``; its SHA-256 and size."""
    return write_hashed(file_chunks(source), target)


@dataclass
class Manifest:
    """What a backup holds: its facts (database, custody head…) and its files."""

    facts: dict[str, Any] = field(default_factory=dict)
    files: dict[str, tuple[str, int]] = field(default_factory=dict)  # path -> (sha, size)

    def add(self, relpath: str, digest: tuple[str, int]) -> None:
        """Record one file of the backup (``relpath`` with forward slashes)."""
        self.files[relpath] = digest

    def write(self, root: Path) -> str:
        """Write ``manifest.json`` and its checksum file; returns the manifest's SHA-256."""
        doc = {"format": FORMAT, "version": VERSION, **self.facts,
               "files": {p: {"sha256": s, "bytes": n}
                         for p, (s, n) in sorted(self.files.items())}}
        data = (json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
                ).encode("utf-8")
        digest = hashlib.sha256(data).hexdigest()
        (root / MANIFEST).write_bytes(data)
        (root / MANIFEST_SUM).write_text(f"{digest}  {MANIFEST}\n", encoding="ascii")
        return digest


def _walk(root: Path) -> Iterator[str]:
    for path in sorted(root.rglob("*")):
        if path.is_file() or path.is_symlink():
            yield path.relative_to(root).as_posix()


def _safe(relpath: str) -> bool:
    """A manifest path that stays inside the backup (restore writes to it)."""
    p = PurePosixPath(relpath)
    return bool(relpath) and not p.is_absolute() and ".." not in p.parts and "\\" not in relpath


def _load(root: Path, expect: str | None) -> tuple[dict[str, Any], list[str]]:
    path = root / MANIFEST
    if not path.is_file():
        raise EvidenceError(f"{root} is not a wildtrace backup: {MANIFEST} is missing")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    problems = []
    if expect is not None and digest != expect.strip().lower():
        problems.append(f"{MANIFEST}: SHA-256 is {digest}, expected {expect.strip()}")
    sums = root / MANIFEST_SUM
    recorded = sums.read_text(encoding="ascii", errors="replace").split()[:1] \
        if sums.is_file() else []
    if recorded != [digest]:
        problems.append(f"{MANIFEST}: SHA-256 is {digest}, {MANIFEST_SUM} says "
                        f"{recorded[0] if recorded else 'nothing (file missing)'}")
    try:
        doc = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise EvidenceError(f"{path}: not a readable manifest: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or \
            not isinstance(doc.get("files"), dict):
        raise EvidenceError(f"{path}: not a wildtrace backup manifest")
    if doc.get("version") != VERSION:
        raise EvidenceError(f"{path}: backup format version {doc.get('version')!r}; this "
                            f"wildtrace reads version {VERSION}",
                            hint="restore it with the wildtrace version that made it")
    return doc, problems


def check(root: Path, expect: str | None = None) -> dict[str, Any]:
    """Re-hash every file of the backup at ``root`` against its manifest; returns the
    manifest, or raises :class:`EvidenceError` naming every file that differs, is
    missing or is not listed (``expect``: the manifest digest noted at backup time)."""
    doc, problems = _load(root, expect)
    files: dict[str, Any] = doc["files"]
    for relpath, entry in sorted(files.items()):
        if not _safe(relpath) or not isinstance(entry, dict):
            problems.append(f"{relpath!r}: not a file inside the backup")
            continue
        path = root / relpath
        if path.is_symlink() or not path.is_file():
            problems.append(f"{relpath}: missing (the manifest lists it)")
            continue
        size = path.stat().st_size
        if size != entry.get("bytes"):
            problems.append(f"{relpath}: {size} bytes, the manifest says {entry.get('bytes')}")
            continue
        actual = sha256_file(path)
        if actual != entry.get("sha256"):
            problems.append(f"{relpath}: SHA-256 is {actual}, the manifest says "
                            f"{entry.get('sha256')}")
    listed = set(files) | {MANIFEST, MANIFEST_SUM}
    problems += [f"{p}: not in the manifest (added after the backup was made)"
                 for p in _walk(root) if p not in listed]
    if problems:
        shown = "; ".join(problems[:5])
        more = f"; … and {len(problems) - 5} more" if len(problems) > 5 else ""
        raise EvidenceError(f"backup {root} fails its manifest ({len(problems)} "
                            f"problem{'s' if len(problems) > 1 else ''}): {shown}{more}",
                            hint="nothing was restored; use an intact copy of the backup")
    return doc
