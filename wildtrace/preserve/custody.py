"""The chain-of-custody log: append-only, each entry hashing the one before it.

An entry says who did what to which piece of evidence, when, and the evidence's
SHA-256. Its ``entry_hash`` is the SHA-256 of the entry's fields together with the
previous entry's hash, so editing or deleting any entry breaks every hash after it.
The log of record is the ``custody`` table. Each machine mirrors it line by line into
its own ``evidence/custody.jsonl``; ``evidence verify`` checks the chain and that the
mirror agrees with it. Where several machines share one database server, each mirror is
that machine's copy of the log as far as it has synced it (a prefix of the log), and
``wildtrace evidence export-custody`` writes the whole log from the database
(:func:`export_jsonl`), the copy handed over with the evidence. On a shared database
appends take the chain's lock, so writers on several machines queue rather than fork
the chain (:meth:`~wildtrace.store.evidence.EvidenceWriter.locked_custody_head`).
(A chain proves nothing against someone who rewrites all of it: publish or send the
head hash that ``verify`` prints to a third party to anchor it in time.)
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from wildtrace.records import CustodyEntry
from wildtrace.store import Store, utcnow
from wildtrace.store.evidence import EvidenceWriter

GENESIS = "0" * 64


def entry_body(seq: int, at: str, who: str, action: str, subject: str, sha256: str,
               detail: dict[str, Any], prev_hash: str) -> bytes:
    """An entry's canonical JSON (with the previous hash): the bytes its hash is taken
    over, and what a trusted timestamp of the entry asks the TSA to hash."""
    body = json.dumps({"seq": seq, "at": at, "who": who, "action": action,
                       "subject": subject, "sha256": sha256, "detail": detail,
                       "prev_hash": prev_hash}, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"))
    return body.encode("utf-8", "surrogatepass")


def entry_hash(seq: int, at: str, who: str, action: str, subject: str, sha256: str,
               detail: dict[str, Any], prev_hash: str) -> str:
    """The hash an entry must carry: SHA-256 of its canonical JSON and the previous hash."""
    return hashlib.sha256(entry_body(seq, at, who, action, subject, sha256, detail,
                                     prev_hash)).hexdigest()


def operator_name(configured: str) -> str:
    """The operator written into evidence: the setting, else the login name."""
    if configured:
        return configured
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class CustodyLog:
    """The custody table plus its JSONL mirror."""

    def __init__(self, store: Store, mirror: Path, who: str) -> None:
        self.store = store
        self.mirror = mirror
        self.who = who
        # On a database several machines share, the head is read under the chain's
        # lock in every transaction: another machine may have appended since.
        self.shared = store.evidence.shared
        self._mirrored: int | None = None
        # The chain head, cached between appends of one process (a crawl appends
        # hundreds a second); forget() drops it when a transaction did not commit.
        self._head: tuple[int, str] | None = None
        # Held around each transaction that appends (the crawler appends from a worker
        # thread while the reactor thread may seal a WARC file).
        self.lock = threading.RLock()

    def forget(self) -> None:
        """Drop the cached chain head (call when a transaction with an append failed)."""
        self._head = None

    def append(self, tx: EvidenceWriter, action: str, subject: str, sha256: str,
               detail: dict[str, Any] | None = None) -> CustodyEntry:
        """Add an entry inside the caller's transaction (so it commits with the evidence
        it describes). Call :meth:`sync_mirror` after the commit, and :meth:`forget`
        if the transaction fails. A second process appending at the same time makes the
        insert fail on the sequence number rather than fork the chain."""
        if self.shared:
            self._head = tx.locked_custody_head() or (0, GENESIS)
        elif self._head is None:
            self._head = tx.custody_head() or (0, GENESIS)
        seq, prev = self._head[0] + 1, self._head[1]
        at = utcnow().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        det = detail or {}
        entry = CustodyEntry(seq, at, self.who, action, subject, sha256, det, prev,
                             entry_hash(seq, at, self.who, action, subject, sha256, det,
                                        prev))
        tx.add_custody(entry)
        self._head = (seq, entry.entry_hash)
        return entry

    def record(self, action: str, subject: str, sha256: str,
               detail: dict[str, Any] | None = None) -> CustodyEntry:
        """Add an entry in its own transaction and mirror it."""
        try:
            with self.lock, self.store.evidence.transaction() as tx:
                entry = self.append(tx, action, subject, sha256, detail)
        except BaseException:
            self.forget()
            raise
        self.sync_mirror()
        return entry

    def entries(self) -> list[CustodyEntry]:
        """Every entry in sequence order."""
        return self.store.evidence.custody_entries()

    def _mirror_last(self) -> int:
        # Read from the file's tail every time rather than cached: another process (a
        # crawl beside the web server taking tips) appends to the same mirror, and a
        # stale count would copy its entries a second time.
        self._mirrored = mirror_last_seq(self.mirror)
        return self._mirrored

    def sync_mirror(self, durable: bool = False) -> int:
        """Append database entries the mirror lacks (after a commit, or a crash between
        a commit and the mirror write); returns how many were appended."""
        with self.lock:
            return self._sync_mirror(durable)

    def _sync_mirror(self, durable: bool) -> int:
        last = self._mirror_last()
        rows = self.store.evidence.custody_entries(after=last)
        if not rows:
            return 0
        self.mirror.parent.mkdir(parents=True, exist_ok=True)
        with self.mirror.open("a", encoding="utf-8") as fh:
            for entry in rows:
                fh.write(mirror_line(entry))
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        self._mirrored = rows[-1].seq
        return len(rows)


def mirror_line(entry: CustodyEntry) -> str:
    """An entry as one line of a JSONL mirror or export (newline included)."""
    return json.dumps(entry.as_dict(), sort_keys=True, ensure_ascii=False) + "\n"


def export_jsonl(entries: Iterable[CustodyEntry], out: IO[str]) -> tuple[int, str]:
    """Write ``entries`` (the log of record, streamed) as JSONL, the mirror's format;
    returns how many were written and the last entry's hash (the head)."""
    n, head = 0, ""
    for entry in entries:
        out.write(mirror_line(entry))
        n, head = n + 1, entry.entry_hash
    return n, head


def iter_mirror(path: Path) -> Iterator[tuple[int, dict[str, Any] | None]]:
    """``(line number, entry)`` of each non-blank line of a JSONL mirror, streamed; the
    entry is None where the line is not a JSON object."""
    with path.open(encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                item = None
            yield n, item if isinstance(item, dict) else None


def read_mirror(path: Path) -> list[dict[str, Any]]:
    """Entries of a JSONL mirror; an unreadable line becomes ``{"_bad": line_number}``."""
    return [item if item is not None else {"_bad": n} for n, item in iter_mirror(path)]


def mirror_last_seq(path: Path, tail: int = 1 << 13) -> int:
    """The sequence number of the last readable entry of a mirror (0 if none), read
    from the file's tail so that a long mirror is not read whole."""
    if not path.exists():
        return 0
    with path.open("rb") as fh:
        size = fh.seek(0, os.SEEK_END)
        fh.seek(max(0, size - tail))
        lines = fh.read().splitlines()
    for raw in reversed(lines):
        try:
            item = json.loads(raw)
        except ValueError:
            continue  # a torn last line or the cut first line of the tail
        if isinstance(item, dict) and isinstance(item.get("seq"), int):
            return int(item["seq"])
    return 0 if size <= tail else max(int(i.get("seq", 0)) for i in read_mirror(path))


class ChainCheck:
    """Checks a chain of entries fed one at a time, in sequence order (so a log of
    millions of entries is checked while it streams past)."""

    def __init__(self) -> None:
        self.prev = GENESIS
        self.expected_seq = 1
        self.head = ""

    def feed(self, e: CustodyEntry) -> list[str]:
        """The breaks in the chain at entry ``e``, described."""
        problems: list[str] = []
        if e.seq != self.expected_seq:
            problems.append(f"custody entry {self.expected_seq} is missing (next is "
                            f"{e.seq})" if e.seq > self.expected_seq else
                            f"custody entry {e.seq} is out of order (after entry "
                            f"{self.expected_seq - 1})")
        if e.prev_hash != self.prev:
            problems.append(f"custody entry {e.seq} does not follow the entry before it "
                            "(an entry was deleted, inserted or edited)")
        want = entry_hash(e.seq, e.at, e.who, e.action, e.subject, e.sha256, e.detail,
                          e.prev_hash)
        if want != e.entry_hash:
            problems.append(f"custody entry {e.seq} was edited (its hash no longer matches)")
        self.prev = self.head = e.entry_hash
        self.expected_seq = e.seq + 1
        return problems


def check_chain(entries: Iterable[CustodyEntry]) -> list[str]:
    """Every break in a chain of entries, described."""
    check = ChainCheck()
    return [p for e in entries for p in check.feed(e)]


__all__ = ["CustodyLog", "check_chain", "entry_body", "entry_hash", "export_jsonl",
           "mirror_line", "operator_name", "read_mirror", "GENESIS"]
