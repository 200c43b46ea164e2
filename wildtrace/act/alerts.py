"""Alerts: which new listings, sellers and bursts someone asked to be told of, the message
that tells them, and its delivery by e-mail (SMTP) or webhook (an HTTP POST).

Rules (:data:`RULES`) are plain functions of stored rows, so the application layer can
run them after every watch run:

* ``appendix_i``: a new listing whose newest assessment found a CITES Appendix I taxon;
* ``seller_new_platform``: a new listing by a seller the link stage already knew from
  other platforms, on a platform that seller was not seen on before;
* ``burst``: a taxon, product term or venue above its own baseline
  (:func:`wildtrace.measure.bursts.rising`);
* ``reposted``: an advert that a revisit (:mod:`wildtrace.app.revisit`) found gone, then
  posted again on the same platform by the same seller: the same account name, a shared
  contact identifier or the same photo (:meth:`wildtrace.store.revisits.RevisitStore.
  reposts`); the message gives the date it was seen gone and what matched;
* ``repeated_text``: the weaker signal, kept apart on purpose: a new listing repeating an
  earlier advert's title and text under another URL, whether or not the earlier one was
  removed and whoever posted it (a copy, a relisting, or a template two dealers share).

Every event has a key, so it is delivered once however often the rules run. Messages
carry the listing's own words only in the body, as text (never in a header, where a
line break would let a seller write headers; never as HTML), and each ends with the
unsubscribe link and token. A webhook goes only to a public address, checked and pinned
by the network guard (:class:`wildtrace.collect.netguard.SafeFetcher`) and never
redirected; private addresses need the operator to name their origin.
"""

from __future__ import annotations

import json
import smtplib
import ssl
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any
from urllib.parse import urlsplit

import httpx

from wildtrace.act.material import platform_of
from wildtrace.collect.netguard import SafeFetcher, named_origins, origin_of, parse_ip
from wildtrace.errors import FetchError, InputError
from wildtrace.measure.bursts import Rising

RULES = ("appendix_i", "seller_new_platform", "burst", "reposted", "repeated_text")
CHANNELS = ("email", "webhook")
MAX_EVENTS_PER_MESSAGE = 50
MAX_TEXT = 300  # characters of a listing's title quoted in a message


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """One thing to tell: a key that makes it happen once, a line, and the data."""

    key: str
    rule: str
    line: str
    data: dict[str, Any] = field(default_factory=dict)


def _one_line(value: object, limit: int = MAX_TEXT) -> str:
    """Text a seller wrote (a title, an account name, a term) as one bounded line: a
    line break in it must not start a line of the message (a forged link or
    "Unsubscribe:" line)."""
    text = " ".join(str(value or "").split())
    return text[:limit] + ("…" if len(text) > limit else "")


def _title(row: dict[str, Any]) -> str:
    return _one_line(row.get("title") or row.get("description"))


def _wanted(row: dict[str, Any], params: dict[str, Any]) -> bool:
    """A subscription's own filters: taxa (any of), platforms (any of), min_score."""
    taxa = [str(t).casefold() for t in params.get("taxa", []) if str(t).strip()]
    if taxa and not any(t in str(row.get("taxa") or "").casefold() for t in taxa):
        return False
    platforms = {str(p).casefold() for p in params.get("platforms", [])}
    here = platform_of(str(row.get("url") or ""), str(row.get("source") or "")).casefold()
    if platforms and here not in platforms:
        return False
    score = row.get("score")
    return not (isinstance(params.get("min_score"), (int, float)) and
                (score is None or score < params["min_score"]))


def appendix_i(rows: Iterable[dict[str, Any]], params: dict[str, Any]) -> list[AlertEvent]:
    """New listings of Appendix I taxa."""
    out = []
    for r in rows:
        if str(r.get("cites") or "") != "I" or not _wanted(r, params):
            continue
        taxa = str(r.get("taxa") or "").replace(";", ", ")
        out.append(AlertEvent(f"listing:{r['id']}", "appendix_i",
                              f"listing {r['id']} ({taxa}, Appendix I): {_title(r)}",
                              {"listing": r["id"], "url": r.get("url") or "", "taxa": taxa}))
    return out


def seller_new_platform(rows: Iterable[dict[str, Any]], params: dict[str, Any],
                        earlier_platforms: Callable[[int], tuple[str, set[str]]]
                        ) -> list[AlertEvent]:
    """New listings by a known seller on a platform new for that seller.

    ``earlier_platforms(listing_id)`` gives the seller's key and the platforms of the
    seller's *earlier* listings (through the link stage's resolution).
    """
    out = []
    for r in rows:
        if not _wanted(r, params):
            continue
        seller, before = earlier_platforms(int(r["id"]))
        seller = _one_line(seller, 120)
        here = _one_line(platform_of(str(r.get("url") or ""), str(r.get("source") or "")),
                         120)
        if before and here not in before:
            out.append(AlertEvent(
                f"seller:{seller}:{here}"[:200], "seller_new_platform",
                f"listing {r['id']}: seller {seller} (seen on "
                f"{_one_line(', '.join(sorted(before)[:5]), 300)})"
                f" now on {here}: {_title(r)}",
                {"listing": r["id"], "url": r.get("url") or "", "seller": seller,
                 "platform": here, "earlier_platforms": sorted(before)}))
    return out


def burst(found: Sequence[Rising], params: dict[str, Any]) -> list[AlertEvent]:
    """Series above their baseline (optionally only some kinds or taxa)."""
    kinds = set(params.get("kinds", [])) or {"taxon", "product", "venue"}
    taxa = [str(t).casefold() for t in params.get("taxa", [])]
    out = []
    for r in found:
        if r.kind not in kinds or (taxa and not any(t in r.key.casefold() for t in taxa)):
            continue
        out.append(AlertEvent(
            f"burst:{r.kind}:{r.key}:{r.platform}:{r.language}:{r.period_start}"[:200],
            "burst", f"{r.kind} {_one_line(r.key, 120)} on {_one_line(r.platform, 120)} "
            f"({_one_line(r.language, 16) or '?'}): {r.seen} "
            f"in the week to {r.period_start}, expected {r.expected:g} (z {r.z:g})",
            {"kind": r.kind, "key": r.key, "platform": r.platform, "language": r.language,
             "seen": r.seen, "expected": r.expected, "z": r.z,
             "period_start": str(r.period_start)}))
    return out


def text_key(title: object, description: object) -> str:
    """What two adverts share when one reposts the other: title and text, case and
    spacing aside."""
    return " ".join(f"{title or ''}\n{description or ''}".casefold().split())


@dataclass(frozen=True, slots=True)
class RemovedRepost:
    """A removed advert and its repost, as the application layer found them: the later
    listing (with its newest assessment, for the subscription's filters), the earlier
    one, when and why a revisit found the earlier one gone, and what the two share
    (kinds only: ``seller``, ``phone``, ``photo``…, never the values, which are the
    seller's personal data and stay in the workspace)."""

    repost: dict[str, Any]
    earlier: dict[str, Any]
    gone_at: datetime
    gone_reason: str
    via: tuple[str, ...]


def reposted(found: Iterable[RemovedRepost], params: dict[str, Any]) -> list[AlertEvent]:
    """Adverts seen gone by a revisit and posted again by the same seller."""
    out = []
    for f in found:
        r, old = f.repost, f.earlier
        if not f.via or not _wanted(r, params):
            continue
        gone = f.gone_at.strftime("%Y-%m-%d")
        via = ", ".join(f.via)
        reason = _one_line(f.gone_reason, 80)
        out.append(AlertEvent(
            f"repost:{old['id']}:{r['id']}", "reposted",
            f"listing {r['id']} reposts listing {old['id']} ({old.get('url') or '-'}), "
            f"seen gone {gone}{f' ({reason})' if reason else ''}; same {via}: {_title(r)}",
            {"listing": r["id"], "url": r.get("url") or "", "earlier": old["id"],
             "earlier_url": old.get("url") or "", "gone_at": f.gone_at.isoformat(),
             "gone_reason": reason, "matched": list(f.via)}))
    return out


def repeated_text(rows: Iterable[dict[str, Any]], params: dict[str, Any],
             earlier: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]
             ) -> list[AlertEvent]:
    """New listings that repeat an earlier advert's title and text under another URL;
    ``earlier(rows)`` gives the earlier listings with the same titles. Nothing here
    says the earlier advert was removed or that one seller wrote both: every line says
    so, so nobody reads it as the ``reposted`` rule's finding."""
    rows = [r for r in rows if _wanted(r, params) and (r.get("title") or "").strip()]
    if not rows:
        return []
    first: dict[str, dict[str, Any]] = {}
    for old in earlier(rows):
        first.setdefault(text_key(old.get("title"), old.get("description")), old)
    out = []
    for r in rows:
        found = first.get(text_key(r.get("title"), r.get("description")))
        if found is None or int(found["id"]) >= int(r["id"]) or \
                (found.get("url") or "") == (r.get("url") or ""):
            continue
        old = found
        if len(text_key(r.get("title"), r.get("description"))) < 20:
            continue  # "for sale" is not an advert
        out.append(AlertEvent(
            f"repeat:{r['id']}", "repeated_text",
            f"listing {r['id']} repeats the text of listing {old['id']} "
            f"({old.get('url') or '-'}; same text only, removal and seller not checked):"
            f" {_title(r)}",
            {"listing": r["id"], "url": r.get("url") or "", "earlier": old["id"],
             "earlier_url": old.get("url") or ""}))
    return out


# ---------------------------------------------------------------------------- messages

@dataclass(frozen=True, slots=True)
class Message:
    """One alert message for one subscription."""

    subject: str
    text: str
    payload: dict[str, Any]


def compose(name: str, rule: str, events: Sequence[AlertEvent], unsubscribe_url: str,
            token: str, base_url: str = "", waiting: int = 0) -> Message:
    """The message of ``events`` (at most :data:`MAX_EVENTS_PER_MESSAGE`: the caller
    sends the rest later, and says how many in ``waiting``). Every event a message
    counts is in it in full, so an event marked sent was read by someone."""
    if len(events) > MAX_EVENTS_PER_MESSAGE:
        raise ValueError(f"{len(events)} events for one message; at most "
                         f"{MAX_EVENTS_PER_MESSAGE}")
    clean_name = " ".join(name.split())[:80]
    subject = f"[wildtrace] {clean_name}: {len(events)} new ({rule})"
    lines = [f"{len(events)} new for the alert '{clean_name}' (rule {rule}):", ""]
    for e in events:
        lines.append(f"- {e.line}")
        listing = e.data.get("listing")
        if base_url and listing is not None:
            lines.append(f"  {base_url.rstrip('/')}/listings/{listing}")
    if waiting:
        lines.append(f"{waiting} more follow in the next message.")
    lines += ["", f"Unsubscribe: {unsubscribe_url}", f"(unsubscribe token: {token})"]
    payload = {"alert": clean_name, "rule": rule, "count": len(events), "waiting": waiting,
               "events": [{"key": e.key, "text": e.line, **e.data} for e in events],
               "unsubscribe": unsubscribe_url}
    return Message(subject, "\n".join(lines) + "\n", payload)


# ---------------------------------------------------------------------------- delivery

@dataclass(frozen=True)
class SmtpSettings:
    """Where e-mail goes out (the workspace's ``alerts.toml``, section ``[smtp]``)."""

    host: str = "localhost"
    port: int = 25
    sender: str = "wildtrace@localhost"
    starttls: bool = False
    ssl: bool = False
    username: str = ""
    password: str = ""
    timeout: float = 20.0


def send_email(smtp: SmtpSettings, to: str, msg: Message, unsubscribe_url: str) -> str:
    """Send one message; returns the Message-ID. FetchError names what failed."""
    mail = EmailMessage()
    mail["From"] = formataddr(("wildtrace alerts", smtp.sender))
    mail["To"] = to
    mail["Subject"] = msg.subject
    mail["Message-ID"] = make_msgid(domain=smtp.sender.rpartition("@")[2] or "wildtrace")
    mail["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
    mail.set_content(msg.text)
    where = f"smtp://{smtp.host}:{smtp.port}"
    try:
        cls = smtplib.SMTP_SSL if smtp.ssl else smtplib.SMTP
        kwargs: dict[str, Any] = {"context": ssl.create_default_context()} if smtp.ssl else {}
        with cls(smtp.host, smtp.port, timeout=smtp.timeout, **kwargs) as server:
            if smtp.starttls:
                server.starttls(context=ssl.create_default_context())
            if smtp.username:
                server.login(smtp.username, smtp.password)
            server.send_message(mail)
    except (OSError, smtplib.SMTPException) as exc:
        raise FetchError(f"e-mail to {to} not sent: {type(exc).__name__}: {exc}",
                         url=where) from exc
    return str(mail["Message-ID"])


def check_target(channel: str, target: str) -> str:
    """A subscription's target, checked: an e-mail address or an http(s) URL."""
    target = target.strip()
    if channel == "email":
        local, at, domain = target.rpartition("@")
        if not at or not local or "." not in domain or any(c in target for c in " \r\n,;<>"):
            raise InputError(f"not an e-mail address: {target[:80]!r}")
        return target
    if channel == "webhook":
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.hostname or \
                parts.username or parts.password or len(target) > 2000:
            raise InputError(f"not a webhook URL: {target[:80]!r}",
                             hint="an http(s) URL without credentials")
        return target
    raise InputError(f"unknown channel {channel!r}", hint="use email or webhook")


def post_webhook(url: str, msg: Message, *, private_origins: Iterable[str] = (),
                 fetcher: SafeFetcher | None = None, timeout: float = 15.0) -> int:
    """POST the message's JSON to ``url`` through the network guard; returns the HTTP
    status (2xx) or raises FetchError (refused address, plain http to a receiver not in
    ``private_origins``, error status, no answer)."""
    fetcher = fetcher or SafeFetcher(timeout=timeout)
    named = {o for value in private_origins for o in named_origins(value)}
    exempt: frozenset[str] = frozenset()
    origin = origin_of(url)
    if origin is not None and origin in named:  # an internal receiver the operator named
        literal = parse_ip(origin.host)
        exempt = frozenset([str(literal)] if literal is not None
                           else fetcher.resolver(origin.host, origin.port))
    address, host, port = fetcher.check(url, exempt=exempt)
    if urlsplit(url).scheme != "https" and (origin is None or origin not in named):
        # the payload quotes sellers' adverts and names: never in clear over the internet
        raise FetchError("webhook refused: plain http to an address the operator did not "
                         "name (use https)", url=url)
    parts = urlsplit(url)
    netloc = f"[{address}]" if ":" in address else address
    target = parts._replace(netloc=f"{netloc}:{port}").geturl()
    default = 443 if parts.scheme == "https" else 80
    body = json.dumps(msg.payload, ensure_ascii=False).encode("utf-8")
    headers = {"Host": host if port == default else f"{host}:{port}",
               "Content-Type": "application/json", "User-Agent": "wildtrace alerts"}
    ext = {"sni_hostname": host} if parts.scheme == "https" else {}
    try:
        with httpx.Client(trust_env=False, follow_redirects=False,
                          timeout=httpx.Timeout(timeout)) as client, \
                client.stream("POST", target, content=body, headers=headers,
                              extensions=ext) as resp:
            status = resp.status_code  # the answer's body is never read: only its status
    except httpx.HTTPError as exc:
        raise FetchError(f"webhook not delivered: {type(exc).__name__}: {exc}",
                         url=url) from exc
    if not 200 <= status < 300:
        raise FetchError(f"webhook answered HTTP {status}", url=url)
    return status
