"""What a handover package carries to prove *when* its evidence existed: the custody
head, and every stored RFC 3161 token covering the evidence, as files a recipient can
check with standard tools::

    openssl ts -verify -digest CUSTODY_HEAD -in timestamps/SEQ.tsr -CAfile tsa-ca.pem

A token over custody entry ``SEQ`` covers every entry up to it (the log is a hash
chain), so it covers a piece of evidence when ``SEQ`` is at or after that evidence's own
custody entry. The package writers (the WACZ export, the case evidence ZIP, the case
file) add :meth:`HandoverProof.files` to their contents and list them with their
SHA-256 like every other file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from wildtrace.blobstore import BlobStore
from wildtrace.preserve.custody import mirror_line
from wildtrace.records import CustodyEntry
from wildtrace.store import Store
from wildtrace.store.timestamps import TimestampRow

HEAD_FILE = "custody/head.json"
ENTRIES_FILE = "custody/entries.jsonl"
TOKENS_FILE = "timestamps/tokens.json"


@dataclass(frozen=True, slots=True)
class Token:
    """One stored token as a package carries it: its row, its file name, its DER bytes."""

    row: TimestampRow
    name: str  # timestamps/<custody seq>.tsr
    der: bytes


@dataclass(frozen=True, slots=True)
class HandoverProof:
    """The custody head at export time, the tokens covering the package's evidence, and
    the custody entries a recipient needs beside them (``entries``: those naming the
    evidence and those the tokens cover; empty when the package holds the whole log)."""

    head_seq: int
    head_hash: str
    tokens: tuple[Token, ...] = ()
    entries: tuple[CustodyEntry, ...] = ()

    def files(self) -> dict[str, bytes]:
        """Archive path -> bytes: the head, the token list, each token's ``.tsr`` and
        (when selected) the custody entries."""
        out: dict[str, bytes] = {HEAD_FILE: _json({
            "custody_seq": self.head_seq, "custody_head": self.head_hash,
            "note": "the newest custody entry's hash when this package was made"})}
        out[TOKENS_FILE] = _json([{
            "file": t.name, "custody_seq": t.row.custody_seq,
            "custody_head": t.row.custody_head, "tsa_url": t.row.tsa_url,
            "gen_time": t.row.gen_time, "serial": t.row.serial, "policy": t.row.policy,
            "token_sha256": t.row.token_sha256,
            "verify": f"openssl ts -verify -digest {t.row.custody_head} -in {t.name} "
                      "-CAfile TSA-CA.pem"} for t in self.tokens])
        for t in self.tokens:
            out[t.name] = t.der
        if self.entries:
            out[ENTRIES_FILE] = "".join(mirror_line(e) for e in self.entries).encode()
        return out

    def summary(self) -> list[dict[str, str]]:
        """One line per token for a document (the case file): file, entry, time, TSA."""
        return [{"file": t.name, "custody_seq": str(t.row.custody_seq),
                 "custody_head": t.row.custody_head, "gen_time": t.row.gen_time,
                 "tsa_url": t.row.tsa_url, "token_sha256": t.row.token_sha256}
                for t in self.tokens]


def _json(value: object) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _head(store: Store) -> tuple[int, str]:
    with store.evidence.transaction() as tx:
        head = tx.custody_head()
    return (0, "") if head is None else (int(head[0]), str(head[1]))


def _tokens(store: Store, blobs: BlobStore, first_seq: int | None) -> tuple[Token, ...]:
    """Every stored token over custody entry ``first_seq`` or later (all when None),
    whose bytes are in the blob store; one file name per token."""
    out: list[Token] = []
    names: set[str] = set()
    for row in store.timestamps.all():
        if first_seq is not None and row.custody_seq < first_seq:
            continue
        if not blobs.exists(row.token_sha256):
            continue  # evidence verify reports the missing token; the package cannot
        name = f"timestamps/{row.custody_seq}.tsr"
        if name in names:
            name = f"timestamps/{row.custody_seq}-{row.id}.tsr"
        names.add(name)
        out.append(Token(row, name, blobs.get(row.token_sha256)))
    return tuple(out)


def workspace_proof(store: Store, blobs: BlobStore) -> HandoverProof:
    """The proof for a package holding the whole custody log: the head and every token."""
    seq, head = _head(store)
    return HandoverProof(seq, head, _tokens(store, blobs, None))


def evidence_proof(store: Store, blobs: BlobStore,
                   entries: Iterable[CustodyEntry]) -> HandoverProof:
    """The proof for a package holding some evidence, whose custody ``entries`` are
    given: the head, the tokens covering any of them, and those entries with each
    token's own covered entry (so its imprint can be recomputed)."""
    chosen = {e.seq: e for e in entries}
    seq, head = _head(store)
    tokens = _tokens(store, blobs, min(chosen) if chosen else seq + 1)
    wanted = {t.row.custody_seq for t in tokens} - set(chosen)
    if wanted:
        last = max(wanted)
        for entry in store.evidence.iter_custody():
            if entry.seq > last:
                break
            if entry.seq in wanted:
                chosen[entry.seq] = entry
    return HandoverProof(seq, head, tokens, tuple(chosen[k] for k in sorted(chosen)))
