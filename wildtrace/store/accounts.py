"""Web accounts in the database: users, server-side sessions and API tokens.

Only digests of session secrets and API tokens reach this module (the application layer
hashes them), so a copy of the database lets nobody in. Password hashes are argon2
strings made by the caller; this module only keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wildtrace.store.core import utcnow
from wildtrace.store.tables.web import api_tokens, sessions, users


@dataclass(frozen=True, slots=True)
class StoredUser:
    """A user row: who, which role, and the password hash to verify against."""

    id: int
    name: str
    role: str
    password_hash: str


@dataclass(frozen=True, slots=True)
class StoredSession:
    """A session row with its user: the CSRF token bound to it and when it expires."""

    user: StoredUser
    csrf: str
    expires_at: datetime


def _user(row: sa.Row[object]) -> StoredUser:
    m = row._mapping
    return StoredUser(id=int(m["id"]), name=str(m["name"]), role=str(m["role"]),
                      password_hash=str(m["password_hash"]))


class AccountStore:
    """Users, sessions and API tokens of one workspace database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- users ------------------------------------------------------------------------
    def save_user(self, name: str, role: str, password_hash: str) -> int:
        """Create user ``name``, or set an existing one's role and password; its id."""
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(users.c.id).where(users.c.name == name)).first()
            if row is not None:
                conn.execute(users.update().where(users.c.id == row.id).values(
                    role=role, password_hash=password_hash))
                return int(row.id)
            res = conn.execute(users.insert().values(name=name, role=role,
                                                     password_hash=password_hash,
                                                     created_at=utcnow()))
            pk = res.inserted_primary_key
            assert pk is not None
            return int(pk[0])

    def user(self, name: str) -> StoredUser | None:
        """A user by name, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(users).where(users.c.name == name)).first()
        return _user(row) if row else None

    def users(self) -> list[StoredUser]:
        """Every user, by name."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(users).order_by(users.c.name)).all()
        return [_user(r) for r in rows]

    # -- sessions ---------------------------------------------------------------------
    def add_session(self, id_hash: str, user_id: int, csrf: str, expires_at: datetime) -> None:
        """Keep a new session, and forget the user's sessions that have expired."""
        now = utcnow()
        with self.engine.begin() as conn:
            conn.execute(sessions.insert().values(
                id_hash=id_hash, user_id=user_id, csrf=csrf, created_at=now,
                expires_at=expires_at))
            conn.execute(sessions.delete().where(sessions.c.user_id == user_id,
                                                 sessions.c.expires_at < now))

    def session(self, id_hash: str) -> StoredSession | None:
        """The session with this digest and its user, expired or not; None if unknown."""
        q = (sa.select(sessions.c.csrf, sessions.c.expires_at, users)
             .join(users, users.c.id == sessions.c.user_id)
             .where(sessions.c.id_hash == id_hash))
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        if row is None:
            return None
        return StoredSession(user=_user(row), csrf=str(row.csrf), expires_at=row.expires_at)

    def delete_session(self, id_hash: str) -> None:
        """Forget a session (log out)."""
        with self.engine.begin() as conn:
            conn.execute(sessions.delete().where(sessions.c.id_hash == id_hash))

    # -- API tokens -------------------------------------------------------------------
    def add_token(self, user_id: int, token_hash: str, prefix: str) -> None:
        """Keep a new API token's digest (and its first characters, to tell tokens
        apart in a listing)."""
        with self.engine.begin() as conn:
            conn.execute(api_tokens.insert().values(
                user_id=user_id, token_hash=token_hash, prefix=prefix, created_at=utcnow()))

    def token_user(self, token_hash: str) -> StoredUser | None:
        """The user owning the token with this digest, or None."""
        q = (sa.select(users).join(api_tokens, api_tokens.c.user_id == users.c.id)
             .where(api_tokens.c.token_hash == token_hash))
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        return _user(row) if row else None
