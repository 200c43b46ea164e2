"""The custody log read once for ``evidence verify``: its chain, its JSONL mirror, and an
index of what each entry names.

The database log and ``custody.jsonl`` are streamed side by side in sequence order (a
log of millions of entries is never held whole): each entry must follow the one before
it, and the mirror must hold the same entries in the same order, line by line. What the
entries name is kept in small maps that the row checks
(:mod:`wildtrace.preserve.bindings`) consume: each capture's record hash, the artefacts
logged for each capture, the WARC seals, the imported files and the tip screenshots.
Whatever is left in a map once the rows are checked names a row that is gone.

On a database several machines share, the database is the log of record and a machine's
mirror is its own copy as far as it has synced (``partial``): the machine may have none,
and entries after its last line were written since, or elsewhere. Every line it does hold
must still match the database, in order and without gaps, so an edited, deleted or
reordered entry shows against any machine's mirror.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wildtrace.preserve.custody import ChainCheck, iter_mirror
from wildtrace.records import CustodyEntry
from wildtrace.store import Store

Problem = dict[str, str]


def problem(kind: str, subject: str, detail: str) -> Problem:
    """One verification problem: what kind of evidence, which one, what is wrong."""
    return {"kind": kind, "subject": subject, "detail": detail}


@dataclass(frozen=True, slots=True)
class LoggedCapture:
    """What a ``captured`` entry says of its capture."""

    seq: int
    record_sha256: str
    extracted: str | None  # None: logged before listings were hashed
    tip_id: int | None


@dataclass
class CustodyIndex:
    """What the custody log names, by the row that should match it."""

    captured: dict[int, LoggedCapture] = field(default_factory=dict)
    # (capture id, kind, sha256) -> sequence numbers of the entries storing it
    artefacts: dict[tuple[int, str, str], list[int]] = field(default_factory=dict)
    sealed: dict[str, tuple[int, str]] = field(default_factory=dict)  # WARC name
    imported: dict[str, tuple[int, str]] = field(default_factory=dict)  # sha -> subject
    tip_shots: dict[int, tuple[int, str]] = field(default_factory=dict)  # tip id
    blobs: set[str] = field(default_factory=set)  # blobs entries name (tokens too)
    entries: int = 0
    mirror_lines: int = 0
    head: str = ""
    problems: list[Problem] = field(default_factory=list)

    def owner_of(self, kind: str, sha256: str) -> int | None:
        """The capture custody logged an artefact blob for (None when it logged none):
        where a moved screenshot really belongs."""
        return next((cid for (cid, k, sha) in self.artefacts if k == kind
                     and sha == sha256), None)


def _ref(subject: str, prefix: str) -> int | None:
    """The id in a subject such as ``capture/12``; None when it is not one."""
    head, _, tail = subject.partition("/")
    return int(tail) if head == prefix and tail.isdigit() else None


def _index(idx: CustodyIndex, e: CustodyEntry) -> None:
    where = f"custody entry {e.seq}"
    if e.action not in ("captured", "warc_sealed"):  # those name a record, a WARC file
        idx.blobs.add(e.sha256)
    if e.action == "captured":
        cid = e.detail.get("capture_id")
        if not isinstance(cid, int):
            idx.problems.append(problem("custody", where, "a capture entry naming no "
                                        "capture id"))
            return
        if cid in idx.captured:
            idx.problems.append(problem("custody", where, f"names capture {cid}, which "
                                        f"entry {idx.captured[cid].seq} already logged"))
        ext = e.detail.get("extracted")
        tip = e.detail.get("tip_id")
        idx.captured[cid] = LoggedCapture(e.seq, e.sha256,
                                          str(ext) if ext is not None else None,
                                          tip if isinstance(tip, int) else None)
    elif e.action.startswith("stored_"):
        cid = _ref(e.subject, "capture")
        if cid is not None:
            key = (cid, e.action.removeprefix("stored_"), e.sha256)
            idx.artefacts.setdefault(key, []).append(e.seq)
    elif e.action == "warc_sealed":
        idx.sealed[e.subject.removeprefix("warc/")] = (e.seq, e.sha256)
    elif e.action == "imported_file":
        idx.imported.setdefault(e.sha256, (e.seq, e.subject))
    elif e.action == "tip_screenshot":
        tip = _ref(e.subject, "tip")
        if tip is not None:
            idx.tip_shots[tip] = (e.seq, e.sha256)


def _canonical(item: dict[str, Any]) -> str:
    return json.dumps(item, sort_keys=True, ensure_ascii=False)


class _Mirror:
    """The JSONL mirror walked beside the database log (a merge on ``seq``)."""

    def __init__(self, path: Path, idx: CustodyIndex, partial: bool = False) -> None:
        self.name = path.name
        self.idx = idx
        self.partial = partial
        self.lines: Iterator[tuple[int, dict[str, Any] | None]] = (
            iter_mirror(path) if path.exists() else iter(()))
        self.pending = self._next()
        self.last = 0  # the highest sequence number met in the mirror so far
        self.absent: dict[int, str] = {}  # entries not met in place: seq -> canonical

    def _next(self) -> tuple[int, dict[str, Any] | None] | None:
        line = next(self.lines, None)
        if line is not None:
            self.idx.mirror_lines += 1
        return line

    def _say(self, detail: str) -> None:
        self.idx.problems.append(problem("custody", self.name, detail))

    def _stray(self, n: int, item: dict[str, Any] | None) -> None:
        """A line before the database entry it should sit beside: unreadable, out of
        order, or an entry the database lacks."""
        seq = item.get("seq") if item is not None else None
        if item is None or not isinstance(seq, int):
            self._say(f"line {n} is not valid JSON")
        elif seq <= self.last:
            self._say(f"line {n} holds entry {seq} after entry {self.last}: the lines "
                      "were reordered")
            want = self.absent.pop(seq, None)
            if want is not None and want != _canonical(item):
                self._say(f"entry {seq} differs between the database and the mirror "
                          "(edited?)")
        else:
            self._say(f"entry {seq} (line {n}) is missing from the database (deleted?)")
        if isinstance(seq, int):
            self.last = max(self.last, seq)

    def meet(self, e: CustodyEntry) -> None:
        """Match the database entry ``e`` with its line."""
        while self.pending is not None and not (
                self.pending[1] is not None and isinstance(self.pending[1].get("seq"), int)
                and self.pending[1]["seq"] >= e.seq):
            self._stray(*self.pending)
            self.pending = self._next()
        want = _canonical(e.as_dict())
        if self.pending is not None and self.pending[1] is not None \
                and self.pending[1]["seq"] == e.seq:
            if _canonical(self.pending[1]) != want:
                self._say(f"entry {e.seq} differs between the database and the mirror "
                          f"(line {self.pending[0]}; edited?)")
            self.last = max(self.last, e.seq)
            self.pending = self._next()
        else:
            self.absent[e.seq] = want

    def finish(self) -> None:
        """Report the lines after the last entry and the entries never met."""
        while self.pending is not None:
            self._stray(*self.pending)
            self.pending = self._next()
        for seq in sorted(self.absent):
            if self.partial and seq > self.last:
                break  # logged after this machine's last sync, or by another machine
            self._say(f"entry {seq} is missing from the mirror (deleted?)")


def read_custody(store: Store, mirror: Path, partial: bool = False) -> CustodyIndex:
    """Walk the database log and its mirror once: chain, agreement, and the index.
    ``partial``: the mirror may be missing or stop short (a shared database)."""
    idx = CustodyIndex()
    chain = ChainCheck()
    side = _Mirror(mirror, idx, partial)
    for e in store.evidence.iter_custody():
        idx.entries += 1
        idx.problems.extend(problem("custody", "database", p) for p in chain.feed(e))
        side.meet(e)
        _index(idx, e)
    if idx.entries and not mirror.exists() and not partial:
        idx.problems.append(problem("custody", mirror.name, "the mirror file is missing"))
    else:
        side.finish()
    idx.head = chain.head
    return idx
