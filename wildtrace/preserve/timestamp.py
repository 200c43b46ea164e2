"""Trusted timestamps: an RFC 3161 token from a time-stamping authority over the custody head.

The custody log is a hash chain, so its newest entry's hash (the *head*) stands for the
whole log as it was. A hash chain alone cannot prove *when* it was in that state, nor
that nobody rewrote all of it later; a TSA's signed token can. We ask the TSA to
timestamp the head entry's canonical JSON (the bytes its ``entry_hash`` is taken over),
so the token's message imprint *is* the head hash, and anyone can check it with nothing
but the head hash and the TSA's certificate::

    openssl ts -verify -digest HEAD -in TOKEN.tsr -CAfile tsa-ca.pem

A token is kept as an evidence blob (the TSA's DER reply, ``.tsr``), with a row
(``store.timestamps``) saying which entry it covers, and a custody entry recording it.
:func:`check_timestamps` is the part of ``evidence verify`` that re-checks every token.

The request to the TSA goes through the network guard
(:class:`~wildtrace.collect.netguard.NetPolicy`) like every other fetch: the configured
``tsa_url``'s origin is a named origin (the user chose it), and each redirect hop away
from it must be to a public address.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
from cryptography import x509
from rfc3161_client import (
    HashAlgorithm,
    PKIStatus,
    TimestampRequestBuilder,
    TimeStampResponse,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

from wildtrace.blobstore import BlobStore
from wildtrace.collect.netguard import NetPolicy
from wildtrace.errors import ConfigError, EvidenceError, FetchError
from wildtrace.preserve.custody import ChainCheck, CustodyLog, entry_body, entry_hash
from wildtrace.records import CustodyEntry
from wildtrace.store import Store
from wildtrace.store.timestamps import TimestampRow

ACTION = "timestamped"  # the custody action recording a token
QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
SHA256_OID = "2.16.840.1.101.3.4.2.1"
MAX_REPLY_BYTES = 1 << 20  # a token with its certificates is a few KB
NO_CA = "not checked: no tsa_ca_file"
REDIRECTS = (301, 302, 303, 307, 308)


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What a token says: the hash it signed (hex), when, its serial and policy."""

    imprint: str
    hash_oid: str
    gen_time: str  # ISO 8601 UTC
    serial: str
    policy: str
    nonce: int | None


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:  # GeneralizedTime in a token is always UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def read_token(der: bytes, where: str) -> tuple[TimeStampResponse, TokenInfo]:
    """Parse a TSA reply (``where`` names it in errors); a refused or unparsable reply
    is an :class:`EvidenceError`."""
    try:
        reply = decode_timestamp_response(der)
    except ValueError as exc:
        raise EvidenceError(f"{where}: not an RFC 3161 timestamp reply ({exc})"[:400]) from exc
    if reply.status not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        said = "; ".join(reply.status_string) or "no reason given"
        raise EvidenceError(f"{where}: the TSA refused the request "
                            f"(status {reply.status}: {said})")
    try:
        info = reply.tst_info
        stamp = TokenInfo(imprint=info.message_imprint.message.hex(),
                          hash_oid=info.message_imprint.hash_algorithm.dotted_string,
                          gen_time=_iso(info.gen_time), serial=str(info.serial_number),
                          policy=info.policy.dotted_string, nonce=info.nonce)
    except (ValueError, AttributeError) as exc:
        raise EvidenceError(f"{where}: the timestamp token is malformed ({exc})") from exc
    return reply, stamp


def load_ca(path: str) -> list[x509.Certificate]:
    """The TSA's certificate chain from a PEM file (the ``tsa_ca_file`` setting)."""
    try:
        data = Path(path).expanduser().read_bytes()
    except OSError as exc:
        raise ConfigError(f"tsa_ca_file {path}: cannot read it ({exc.strerror})",
                          hint="set tsa_ca_file to the TSA's CA certificates in PEM") from exc
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise ConfigError(f"tsa_ca_file {path}: no PEM certificate in it ({exc})",
                          hint="set tsa_ca_file to the TSA's CA certificates in PEM") from exc
    return certs


def signature_problem(reply: TimeStampResponse, imprint: bytes,
                      trusted: list[x509.Certificate]) -> str:
    """Why the token's signature, certificate chain or imprint fails against the
    ``trusted`` certificates; empty when it verifies."""
    try:
        VerifierBuilder(roots=list(trusted)).build().verify(reply, imprint)
    except (VerificationError, ValueError) as exc:
        return str(exc)[:300] or type(exc).__name__
    return ""


def ask_tsa(url: str, message: bytes, *, timeout: float, user_agent: str,
            policy: NetPolicy | None = None, max_redirects: int = 5) -> bytes:
    """POST a time-stamp query for SHA-256(``message``) to the TSA at ``url``; returns
    its DER reply after checking it answers this query (status, nonce, imprint).

    Every hop goes through the network guard, ``policy`` (by default one that names
    ``url``'s origin, which the user configured): the configured TSA may be at an
    internal address, but a redirect from it to another non-public address is refused.
    A redirect is followed with the same query (``max_redirects`` at most)."""
    query = (TimestampRequestBuilder().data(message).hash_algorithm(HashAlgorithm.SHA256)
             .nonce(nonce=True).cert_request(cert_request=True).build())
    guard = policy if policy is not None else NetPolicy([url])
    hint = "check tsa_url and the connection; the evidence itself is unchanged"
    current = url
    body = bytearray()
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False,
                          trust_env=False) as client:
            for _hop in range(max_redirects + 1):
                why = guard.refusal(current)
                if why:
                    raise FetchError(f"the TSA request was refused by the network guard: "
                                     f"{why}", url=current, hint=hint)
                with client.stream("POST", current, content=query.as_bytes(),
                                   headers={"Content-Type": QUERY_TYPE,
                                            "Accept": REPLY_TYPE,
                                            "User-Agent": user_agent}) as answer:
                    location = answer.headers.get("location", "")
                    if answer.status_code in REDIRECTS and location:
                        current = urljoin(current, location)
                        continue
                    if answer.status_code != 200:
                        raise FetchError(f"the TSA answered HTTP {answer.status_code}",
                                         url=current, hint=hint)
                    for chunk in answer.iter_bytes():
                        body += chunk
                        if len(body) > MAX_REPLY_BYTES:
                            raise FetchError(f"the TSA sent more than {MAX_REPLY_BYTES} "
                                             "bytes; not a timestamp reply", url=current)
                    break
            else:
                raise FetchError(f"the TSA redirected more than {max_redirects} times",
                                 url=url, hint=hint)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise FetchError(f"cannot reach the time-stamping authority: "
                         f"{type(exc).__name__}: {exc}", url=current, hint=hint) from exc
    _, info = read_token(bytes(body), f"reply of the TSA at {url}")
    if info.nonce != query.nonce:
        raise EvidenceError(f"the TSA at {url} answered another request (nonce differs)")
    want = hashlib.sha256(message).hexdigest()
    if info.hash_oid != SHA256_OID or info.imprint != want:
        raise EvidenceError(f"the TSA at {url} timestamped {info.imprint} "
                            f"({info.hash_oid}), not the SHA-256 {want} it was asked for")
    return bytes(body)


@dataclass(frozen=True, slots=True)
class Stamp:
    """A token just stored: its row, and whether its signature was checked."""

    row: TimestampRow
    signature: str  # "verified" or why not

    def as_dict(self) -> dict[str, Any]:
        """As ``evidence timestamp --json`` prints it."""
        r = self.row
        return {"id": r.id, "custody_seq": r.custody_seq, "custody_head": r.custody_head,
                "tsa_url": r.tsa_url, "token_sha256": r.token_sha256,
                "gen_time": r.gen_time, "serial": r.serial, "policy": r.policy,
                "signature": self.signature}


def _head(store: Store) -> CustodyEntry | None:
    """The newest custody entry, read without walking the log."""
    with store.evidence.transaction() as tx:
        head = tx.custody_head()
    return None if head is None else store.evidence.custody_entries(after=head[0] - 1)[0]


def needs_timestamp(store: Store) -> bool:
    """Whether the custody log has entries and its head is not a token's own record
    (after a run that added nothing there is nothing new to timestamp)."""
    head = _head(store)
    return head is not None and head.action != ACTION


def timestamp_head(store: Store, blobs: BlobStore, custody: CustodyLog, *, tsa_url: str,
                   ca_file: str, timeout: float, user_agent: str,
                   policy: NetPolicy | None = None) -> Stamp:
    """Ask the TSA at ``tsa_url`` for a token over the custody head, check it (against
    ``ca_file`` when given), store it as a blob with its row, and log it in custody."""
    head = _head(store)
    if head is None:
        raise EvidenceError("the custody log is empty: there is nothing to timestamp yet",
                            hint="capture, crawl or import something first")
    body = entry_body(head.seq, head.at, head.who, head.action, head.subject, head.sha256,
                      head.detail, head.prev_hash)
    if hashlib.sha256(body).hexdigest() != head.entry_hash:
        raise EvidenceError(f"custody entry {head.seq} no longer matches its hash: it was "
                            "edited, so it is not timestamped",
                            hint="run 'wildtrace evidence verify'")
    trusted = load_ca(ca_file) if ca_file else None
    der = ask_tsa(tsa_url, body, timeout=timeout, user_agent=user_agent, policy=policy)
    reply, info = read_token(der, f"reply of the TSA at {tsa_url}")
    signature = NO_CA
    if trusted is not None:
        why = signature_problem(reply, bytes.fromhex(head.entry_hash), trusted)
        if why:
            raise EvidenceError(f"the token from {tsa_url} does not verify against "
                                f"tsa_ca_file {ca_file}: {why}; it was not stored")
        signature = "verified"
    token_sha = blobs.put(der)
    custody.record(ACTION, f"custody/{head.seq}", token_sha, {
        "tsa_url": tsa_url, "custody_seq": head.seq, "custody_head": head.entry_hash,
        "gen_time": info.gen_time, "serial": info.serial, "policy": info.policy})
    row = store.timestamps.add(custody_seq=head.seq, custody_head=head.entry_hash,
                               tsa_url=tsa_url, token_sha256=token_sha,
                               token_size=len(der), media_type=REPLY_TYPE,
                               gen_time=info.gen_time, serial=info.serial,
                               policy=info.policy)
    return Stamp(row, signature)


@dataclass(frozen=True, slots=True)
class TokenCheck:
    """One stored token as ``evidence verify`` found it."""

    id: int
    custody_seq: int
    custody_head: str
    tsa_url: str
    gen_time: str
    serial: str
    signature: str  # "verified", "not checked: …" or "failed: …"
    ok: bool

    def as_dict(self) -> dict[str, Any]:
        """As ``evidence verify --json`` prints it."""
        return {"id": self.id, "custody_seq": self.custody_seq,
                "custody_head": self.custody_head, "tsa_url": self.tsa_url,
                "gen_time": self.gen_time, "serial": self.serial,
                "signature": self.signature, "ok": self.ok}


@dataclass(frozen=True, slots=True)
class TimestampReport:
    """Every token checked, the problems found, and the latest trusted time: the sound
    token covering the most of the chain, with how many evidence entries came after."""

    tokens: tuple[TokenCheck, ...] = ()
    problems: tuple[dict[str, str], ...] = ()
    trusted: TokenCheck | None = None
    uncovered: int = 0  # custody entries after the trusted head (token records aside)

    def as_dict(self) -> dict[str, Any]:
        """As ``evidence verify --json`` prints it."""
        return {"tokens": [t.as_dict() for t in self.tokens],
                "trusted_time": None if self.trusted is None else {
                    "at": self.trusted.gen_time, "tsa_url": self.trusted.tsa_url,
                    "covers_through": self.trusted.custody_seq,
                    "signature": self.trusted.signature,
                    "entries_after": self.uncovered}}


def _problem(subject: str, detail: str) -> dict[str, str]:
    return {"kind": "timestamp", "subject": subject, "detail": detail}


@dataclass(frozen=True, slots=True)
class _Seen:
    """A covered custody entry as the walk met it."""

    hash_now: str  # its hash recomputed from its fields
    stored: str  # the hash it carries
    chain_ok: bool  # the chain is unbroken from entry 1 through it
    evidence_through: int  # entries up to it that are not token records


def _walk(entries: Iterable[CustodyEntry], wanted: set[int]
          ) -> tuple[dict[int, _Seen], dict[str, int], int]:
    """One pass over the log (it may hold millions of entries): the ``wanted`` entries
    as met, the token records (token SHA-256 -> seq), and how many entries are not."""
    chain = ChainCheck()
    ok, evidence = True, 0
    seen: dict[int, _Seen] = {}
    tokens: dict[str, int] = {}
    for e in entries:
        ok = not chain.feed(e) and ok
        if e.action == ACTION:
            tokens.setdefault(e.sha256, e.seq)
        else:
            evidence += 1
        if e.seq in wanted:
            seen[e.seq] = _Seen(entry_hash(e.seq, e.at, e.who, e.action, e.subject,
                                           e.sha256, e.detail, e.prev_hash),
                                e.entry_hash, ok, evidence)
    return seen, tokens, evidence


def _check_one(row: TimestampRow, blobs: BlobStore, entry: _Seen | None,
               trusted: list[x509.Certificate] | None, no_ca: str) -> tuple[list[str], str]:
    """The problems of one token, and its signature status."""
    try:
        der = blobs.get(row.token_sha256)  # a missing blob raises, saying so
    except (EvidenceError, OSError) as exc:
        return [f"its token is gone: {exc}"], "not checked: no token"
    try:
        reply, info = read_token(der, f"its token {row.token_sha256}")
    except EvidenceError as exc:
        return [str(exc)], "not checked: unreadable token"
    out: list[str] = []
    if info.hash_oid != SHA256_OID or info.imprint != row.custody_head:
        out.append(f"the token's message imprint is {info.imprint}, not the recorded "
                   f"custody head {row.custody_head} (a token of another head?)")
    if (info.gen_time, info.serial) != (row.gen_time, row.serial):
        out.append(f"the row says {row.gen_time} serial {row.serial}, the token "
                   f"{info.gen_time} serial {info.serial} (the row was edited)")
    if entry is None:
        out.append(f"custody entry {row.custody_seq}, the head it covers, is no longer "
                   "in the custody log")
    elif row.custody_head != entry.hash_now or row.custody_head != entry.stored:
        out.append(f"custody entry {row.custody_seq} now hashes to {entry.hash_now}, not "
                   f"the timestamped {row.custody_head}: the log up to it was changed "
                   "after the timestamp")
    elif not entry.chain_ok:
        out.append(f"the custody chain up to entry {row.custody_seq} no longer leads "
                   "to the timestamped head (an earlier entry was changed)")
    if trusted is None:
        return out, no_ca
    why = signature_problem(reply, bytes.fromhex(info.imprint), trusted)
    if why:
        out.append(f"its signature does not verify against tsa_ca_file: {why}")
        return out, f"failed: {why}"
    return out, "verified"


def check_timestamps(store: Store, blobs: BlobStore, entries: Iterable[CustodyEntry],
                     ca_file: str) -> TimestampReport:
    """Re-check every stored token against the custody log ``entries`` (in sequence
    order, streamed once) and, with ``ca_file``, its signature; also report custody
    entries recording a token that has no row."""
    rows = store.timestamps.all()
    problems: list[dict[str, str]] = []
    trusted: list[x509.Certificate] | None = None
    no_ca = NO_CA
    if ca_file and rows:
        try:
            trusted = load_ca(ca_file)
        except ConfigError as exc:
            problems.append(_problem("tsa_ca_file", str(exc)))
            no_ca = "not checked: tsa_ca_file unreadable"
    seen, logged, evidence = _walk(entries, {r.custody_seq for r in rows})
    checks: list[TokenCheck] = []
    for row in rows:
        subject = f"token {row.id} (custody entry {row.custody_seq}, {row.tsa_url})"
        found, signature = _check_one(row, blobs, seen.get(row.custody_seq), trusted,
                                      no_ca)
        if row.token_sha256 not in logged:
            found.append("no custody entry records this token")
        problems.extend(_problem(subject, f) for f in found)
        checks.append(TokenCheck(row.id, row.custody_seq, row.custody_head, row.tsa_url,
                                 row.gen_time, row.serial, signature, not found))
    stored = {r.token_sha256 for r in rows}
    for sha, seq in sorted(logged.items(), key=lambda item: item[1]):
        if sha not in stored:
            problems.append(_problem(f"custody entry {seq}", f"records timestamp token "
                                     f"{sha}, which has no timestamp row (deleted?)"))
    best = max((c for c in checks if c.ok), key=lambda c: (c.custody_seq, c.gen_time),
               default=None)
    after = 0 if best is None else evidence - seen[best.custody_seq].evidence_through
    return TimestampReport(tuple(checks), tuple(problems), best, after)


__all__ = ["ACTION", "NO_CA", "Stamp", "TimestampReport", "TokenCheck", "TokenInfo",
           "ask_tsa", "check_timestamps", "load_ca", "needs_timestamp", "read_token",
           "signature_problem", "timestamp_head"]
