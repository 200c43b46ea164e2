"""The blob index: what the database knows of each evidence blob (size, media type).

The bytes live in the content-addressed blob store (:mod:`wildtrace.blobstore`); this
index records what they are, so a page can serve an image as an image and a case file
can list its evidence without opening every blob. A blob is indexed once, when it is
first stored; the preserve stage's artefacts record media types of their own, which
count too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from wildtrace.store import tables as t
from wildtrace.store.core import utcnow
from wildtrace.store.tables.preserve import artefacts


@dataclass(frozen=True, slots=True)
class IndexedBlob:
    """One entry of the blob index."""

    sha256: str
    size: int
    media_type: str
    created_at: datetime


def index_blob(conn: Connection, sha256: str, size: int, media_type: str) -> None:
    """Index a stored blob in the transaction ``conn`` unless it is indexed already
    (storage modules that store a blob with a row of their own use this)."""
    if conn.execute(sa.select(t.blobs.c.sha256).where(t.blobs.c.sha256 == sha256)).first():
        return
    conn.execute(t.blobs.insert().values(sha256=sha256, size=size, media_type=media_type,
                                         created_at=utcnow()))


class BlobIndex:
    """Index entries of one workspace's evidence blobs."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, sha256: str, size: int, media_type: str) -> None:
        """Index a stored blob (nothing happens when it is indexed already)."""
        with self.engine.begin() as conn:
            index_blob(conn, sha256, size, media_type)

    def entries(self, sha256s: Sequence[str]) -> dict[str, IndexedBlob]:
        """The index entries of these blobs, by SHA-256 (unindexed ones are left out)."""
        if not sha256s:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(t.blobs).where(
                t.blobs.c.sha256.in_(list(sha256s)))).all()
        return {str(r.sha256): IndexedBlob(sha256=str(r.sha256), size=int(r.size),
                                           media_type=str(r.media_type),
                                           created_at=r.created_at) for r in rows}

    def media_type(self, sha256: str) -> str | None:
        """The media type recorded for a blob (the index, else a preserve artefact);
        None when neither knows the blob."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.blobs.c.media_type).where(
                t.blobs.c.sha256 == sha256)).first()
            if row is not None:
                return str(row.media_type)
            found = conn.execute(sa.select(artefacts.c.media_type).where(
                artefacts.c.sha256 == sha256).limit(1)).first()
        return str(found.media_type or "application/octet-stream") if found else None
