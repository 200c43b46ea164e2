"""Web accounts in the database: users, server-side sessions and API tokens.

Only digests of session secrets and API tokens reach this module (the application layer
hashes them), so a copy of the database lets nobody in. Password hashes are argon2
strings made by the caller; this module only keeps them.

A user who is disabled, removed or given a new password loses every session and token
in the same transaction, and the lookups below also refuse a disabled user's, a
revoked or an expired token: a credential stops working at once, not at its expiry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from wildtrace.store.core import utcnow
from wildtrace.store.tables.web import api_tokens, sessions, users


@dataclass(frozen=True, slots=True)
class StoredUser:
    """A user row: who, which role, and the password hash to verify against."""

    id: int
    name: str
    role: str
    password_hash: str
    disabled: bool = False


@dataclass(frozen=True, slots=True)
class StoredToken:
    """An API token row as listed (never the token): id, owner, its first characters,
    when it was made, when it expires (None: never) and when it was revoked."""

    id: int
    user: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class StoredSession:
    """A session row with its user: the CSRF token bound to it and when it expires."""

    user: StoredUser
    csrf: str
    expires_at: datetime


def _user(row: sa.Row[object]) -> StoredUser:
    m = row._mapping
    return StoredUser(id=int(m["id"]), name=str(m["name"]), role=str(m["role"]),
                      password_hash=str(m["password_hash"]),
                      disabled=m["disabled_at"] is not None)


def _end_credentials(conn: Connection, user_id: int) -> None:
    """Forget the user's sessions and revoke their live tokens (kept, to be listed)."""
    conn.execute(sessions.delete().where(sessions.c.user_id == user_id))
    conn.execute(api_tokens.update().where(api_tokens.c.user_id == user_id,
                                           api_tokens.c.revoked_at.is_(None))
                 .values(revoked_at=utcnow()))


class AccountStore:
    """Users, sessions and API tokens of one workspace database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- users ------------------------------------------------------------------------
    def save_user(self, name: str, role: str, password_hash: str) -> int:
        """Create user ``name``, or set an existing one's role and password; its id.

        A new password ends every session and token the user had (whoever knew the old
        one may have made them)."""
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(users.c.id).where(users.c.name == name)).first()
            if row is not None:
                conn.execute(users.update().where(users.c.id == row.id).values(
                    role=role, password_hash=password_hash))
                _end_credentials(conn, int(row.id))
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

    def set_disabled(self, name: str, disabled: bool) -> bool:
        """Disable a user (ending their sessions and tokens) or enable them again;
        False when there is no such user."""
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(users.c.id).where(users.c.name == name)).first()
            if row is None:
                return False
            conn.execute(users.update().where(users.c.id == row.id).values(
                disabled_at=utcnow() if disabled else None))
            if disabled:
                _end_credentials(conn, int(row.id))
        return True

    def remove_user(self, name: str) -> bool:
        """Delete a user with their sessions and tokens; False when there is no such
        user. Nothing else refers to the row: labels, cases and the audit log keep
        the name as text, so they stay as they were."""
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(users.c.id).where(users.c.name == name)).first()
            if row is None:
                return False
            conn.execute(sessions.delete().where(sessions.c.user_id == row.id))
            conn.execute(api_tokens.delete().where(api_tokens.c.user_id == row.id))
            conn.execute(users.delete().where(users.c.id == row.id))
        return True

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
        """The session with this digest and its user, expired or not; None if unknown
        or the user is disabled."""
        q = (sa.select(sessions.c.csrf, sessions.c.expires_at, users)
             .join(users, users.c.id == sessions.c.user_id)
             .where(sessions.c.id_hash == id_hash, users.c.disabled_at.is_(None)))
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
    def add_token(self, user_id: int, token_hash: str, prefix: str,
                  expires_at: datetime | None = None) -> int:
        """Keep a new API token's digest (and its first characters, to tell tokens
        apart in a listing); its id."""
        with self.engine.begin() as conn:
            res = conn.execute(api_tokens.insert().values(
                user_id=user_id, token_hash=token_hash, prefix=prefix, created_at=utcnow(),
                expires_at=expires_at))
            pk = res.inserted_primary_key
            assert pk is not None
            return int(pk[0])

    def token_user(self, token_hash: str, now: datetime) -> StoredUser | None:
        """The user owning the token with this digest, or None when the token is
        unknown, revoked, expired at ``now`` or its user disabled."""
        q = (sa.select(users).join(api_tokens, api_tokens.c.user_id == users.c.id)
             .where(api_tokens.c.token_hash == token_hash,
                    api_tokens.c.revoked_at.is_(None), users.c.disabled_at.is_(None),
                    sa.or_(api_tokens.c.expires_at.is_(None),
                           api_tokens.c.expires_at > now)))
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        return _user(row) if row else None

    def tokens(self, user: str | None = None, token_id: int | None = None
               ) -> list[StoredToken]:
        """API tokens (of one user, or the one with ``token_id``, when given), oldest
        first."""
        q = (sa.select(api_tokens, users.c.name)
             .join(users, users.c.id == api_tokens.c.user_id).order_by(api_tokens.c.id))
        if user is not None:
            q = q.where(users.c.name == user)
        if token_id is not None:
            q = q.where(api_tokens.c.id == token_id)
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
        return [StoredToken(id=int(r.id), user=str(r.name), prefix=str(r.prefix),
                            created_at=r.created_at, expires_at=r.expires_at,
                            revoked_at=r.revoked_at) for r in rows]

    def revoke_token(self, token_id: int) -> StoredToken | None:
        """Revoke a token now (one revoked before keeps its time); the token, or None
        when there is no such token."""
        with self.engine.begin() as conn:
            conn.execute(api_tokens.update().where(api_tokens.c.id == token_id,
                                                   api_tokens.c.revoked_at.is_(None))
                         .values(revoked_at=utcnow()))
        found = self.tokens(token_id=token_id)
        return found[0] if found else None
