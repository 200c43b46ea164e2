"""Queries of logged-in collection: the stored session of each site (see
:mod:`wildtrace.store.tables.collection`). The cookies arrive sealed; this module never
sees them in clear.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wildtrace.store.core import utcnow
from wildtrace.store.tables.collection import site_sessions

ACTIVE = "active"
PAUSED = "paused"


@dataclass(frozen=True)
class SessionRow:
    """One site's stored session as the database holds it (``secret`` still sealed)."""

    site: str
    account: str
    format: str
    secret: str
    cookies: int
    expires_at: datetime | None
    state: str
    reason: str
    paused_url: str
    paused_at: datetime | None
    imported_by: str
    imported_at: datetime
    renewed_at: datetime | None
    pages: int


def _row(r: Any) -> SessionRow:
    return SessionRow(r.site, r.account, r.format, r.secret, r.cookies, r.expires_at,
                      r.state, r.reason, r.paused_url, r.paused_at, r.imported_by,
                      r.imported_at, r.renewed_at, r.pages)


class SessionStore:
    """The ``site_sessions`` table of one workspace."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def put(self, site: str, account: str, fmt: str, secret: str, cookies: int,
            expires_at: datetime | None, imported_by: str) -> bool:
        """Store (or replace) a site's session, active; returns True when it replaced
        one (a renewal), which keeps its page count."""
        now = utcnow()
        values = {"account": account[:200], "format": fmt, "secret": secret,
                  "cookies": cookies, "expires_at": expires_at, "state": ACTIVE,
                  "reason": "", "paused_url": "", "paused_at": None,
                  "imported_by": imported_by[:200]}
        with self.engine.begin() as conn:
            found = conn.execute(sa.select(site_sessions.c.id).where(
                site_sessions.c.site == site)).first()
            if found is None:
                conn.execute(site_sessions.insert().values(site=site, imported_at=now,
                                                           pages=0, **values))
                return False
            conn.execute(site_sessions.update().where(site_sessions.c.id == found.id)
                         .values(renewed_at=now, **values))
            return True

    def get(self, site: str) -> SessionRow | None:
        """The session stored for ``site``, if any."""
        with self.engine.connect() as conn:
            r = conn.execute(sa.select(site_sessions).where(
                site_sessions.c.site == site)).first()
        return _row(r) if r is not None else None

    def all(self) -> list[SessionRow]:
        """Every stored session, by site."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(site_sessions).order_by(site_sessions.c.site))
            return [_row(r) for r in rows]

    def pause(self, site: str, reason: str, url: str) -> None:
        """Mark a site's session paused, with why and where (kept until renewed)."""
        with self.engine.begin() as conn:
            conn.execute(site_sessions.update().where(site_sessions.c.site == site).values(
                state=PAUSED, reason=reason[:1000], paused_url=url[:2000],
                paused_at=utcnow()))

    def count_pages(self, site: str, n: int) -> None:
        """Add ``n`` pages captured logged in with the site's session."""
        if n:
            with self.engine.begin() as conn:
                conn.execute(site_sessions.update().where(site_sessions.c.site == site)
                             .values(pages=site_sessions.c.pages + n))

    def delete(self, site: str) -> bool:
        """Forget a site's session; returns whether there was one."""
        with self.engine.begin() as conn:
            done = conn.execute(site_sessions.delete().where(site_sessions.c.site == site))
        return bool(done.rowcount)
