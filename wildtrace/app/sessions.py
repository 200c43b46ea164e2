"""Logged-in sessions of the analyst's own accounts: import, list, renew, pause.

``wildtrace session import SITE FILE --account NAME`` reads a cookie file
(:mod:`wildtrace.collect.sessions`), keeps only the site's cookies, seals them and
stores them; a crawl of that site then runs in the browser with them
(:mod:`wildtrace.app.browser_crawl`), and every page it captures records the account
name in its custody entry and WARC metadata. When the site logs the session out or
serves a robot check, the crawl pauses the site (:func:`pause`) and says so; ``session
renew`` stores fresh cookies and resumes it.

The sealing key is the ``session_key`` setting (a secret: masked, and left out of
backups), else a key file made on first use in ``secrets/session.key`` of the
workspace, readable by its owner only, outside the database and outside backups and
exports. Every import, renewal, pause and removal is written to the audit log, without
cookie values.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wildtrace.app.audit import cli_user
from wildtrace.collect.sessions import Cookie, new_key, read_cookie_file, seal, site_of, unseal
from wildtrace.errors import InputError
from wildtrace.store.sessions import ACTIVE, PAUSED, SessionRow
from wildtrace.workspace import Workspace

KEY_FILE = Path("secrets") / "session.key"


def session_key(ws: Workspace) -> str:
    """The key sessions are sealed with (made and saved, owner-only, on first use)."""
    if ws.settings.session_key:
        return str(ws.settings.session_key)
    path = ws.root / KEY_FILE
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    path.parent.mkdir(mode=0o700, exist_ok=True)
    key = new_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key + "\n")
    return key


@dataclass(frozen=True)
class SessionInfo:
    """A stored session as the analyst sees it (never the cookies)."""

    site: str
    account: str
    format: str
    cookies: int
    state: str
    reason: str
    paused_url: str
    expires_at: str
    imported_at: str
    renewed_at: str
    pages: int
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """As ``session list --json`` prints it."""
        return {k: v for k, v in self.__dict__.items() if k != "note" or v}


def _when(at: datetime | None) -> str:
    if at is None:
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _info(row: SessionRow, note: str = "") -> SessionInfo:
    return SessionInfo(row.site, row.account, row.format, row.cookies, row.state,
                       row.reason, row.paused_url, _when(row.expires_at),
                       _when(row.imported_at), _when(row.renewed_at), row.pages, note)


def import_session(ws: Workspace, site: str, path: Path, account: str = "", *,
                   fmt: str = "", renew: bool = False) -> SessionInfo:
    """Seal and store the cookies of ``site`` from the file at ``path``, logged in as
    the analyst's ``account``; with ``renew``, the site must have a session already
    (its account is kept unless another is named) and is resumed."""
    host = site_of(site)
    old = ws.store.sessions.get(host)
    if renew and old is None:
        raise InputError(f"no session stored for {host} to renew",
                         hint=f"import one: wildtrace session import {host} FILE "
                              "--account NAME")
    name = " ".join(account.split()) or (old.account if old is not None else "")
    if not name:
        raise InputError("name the account the cookies belong to (--account NAME): "
                         "captures record whose session they were made with")
    found = read_cookie_file(path, host, fmt)
    now = datetime.now(UTC).timestamp()
    expires = found.expires(now)
    if expires is not None and expires <= now:
        raise InputError(f"{path}: the cookies for {host} have expired "
                         f"({_when(datetime.fromtimestamp(expires, UTC))})",
                         hint="log in again in the browser and export them afresh")
    secret = seal(found.cookies, session_key(ws))
    replaced = ws.store.sessions.put(
        host, name, found.format, secret, len(found.cookies),
        datetime.fromtimestamp(expires, UTC) if expires is not None else None,
        cli_user(ws))
    action = "session_renew" if replaced else "session_import"
    ws.store.audit.record(cli_user(ws), action, "site_session", host,
                          {"account": name, "cookies": len(found.cookies),
                           "format": found.format, "other_sites_left_out": found.other_sites})
    row = ws.store.sessions.get(host)
    assert row is not None
    note = (f"{found.other_sites} cookies of other sites in the file were left out"
            if found.other_sites else "")
    return _info(row, note)


def list_sessions(ws: Workspace) -> list[SessionInfo]:
    """Every stored session, active or paused, with why a paused one stopped."""
    return [_info(r) for r in ws.store.sessions.all()]


def forget_session(ws: Workspace, site: str) -> bool:
    """Delete a site's stored session (its captures keep the account they name)."""
    host = site_of(site)
    gone = ws.store.sessions.delete(host)
    if gone:
        ws.store.audit.record(cli_user(ws), "session_forget", "site_session", host, {})
    return gone


@dataclass(frozen=True)
class LiveSession:
    """An active session a crawl uses: the site, whose account, and its cookies."""

    site: str
    account: str
    cookies: tuple[Cookie, ...]


def sessions_for(ws: Workspace, domains: set[str]) -> tuple[dict[str, LiveSession],
                                                            dict[str, SessionRow]]:
    """The active sessions of the sites among ``domains`` (unsealed), and the paused
    ones (which the crawl leaves alone until renewed)."""
    live: dict[str, LiveSession] = {}
    paused: dict[str, SessionRow] = {}
    wanted = {d.lower().removeprefix("www.") for d in domains}
    rows = [r for r in ws.store.sessions.all()
            if not wanted or any(d == r.site or d.endswith("." + r.site) for d in wanted)]
    key = session_key(ws) if rows else ""
    for row in rows:
        if row.state == PAUSED:
            paused[row.site] = row
        elif row.state == ACTIVE:
            live[row.site] = LiveSession(row.site, row.account,
                                         unseal(row.secret, key, row.site))
    return live, paused


def pause(ws: Workspace, site: str, reason: str, url: str) -> None:
    """Pause a site's session: its crawl stops until the analyst renews it."""
    ws.store.sessions.pause(site, reason, url)
    ws.store.audit.record(cli_user(ws), "session_pause", "site_session", site,
                          {"reason": reason[:300], "url": url[:500]})
