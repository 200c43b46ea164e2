"""Users, roles, password hashing (argon2), server-side sessions and API tokens.

A session cookie and an API token are random secrets given to the client once; the
database keeps only their SHA-256, so a stolen database copy logs nobody in. Passwords
are hashed with argon2id. Roles are ordered: viewer < analyst < admin.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wildtrace.errors import AccessError, InputError
from wildtrace.extras import require
from wildtrace.store import utcnow
from wildtrace.store.tables.web import api_tokens, sessions, users

ROLES = ("viewer", "analyst", "admin")
SESSION_HOURS = 12
TOKEN_PREFIX = "wt_"


@dataclass(frozen=True, slots=True)
class User:
    """A signed-in user."""

    id: int
    name: str
    role: str

    def can(self, role: str) -> bool:
        """True when this user's role is at least ``role``."""
        return ROLES.index(self.role) >= ROLES.index(role)


@dataclass(frozen=True, slots=True)
class Session:
    """A live session: its user and the CSRF token bound to it."""

    user: User
    csrf: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _hasher() -> object:
    argon2 = require("argon2", "web", "password hashing")
    return argon2.PasswordHasher()


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were written in UTC.
    return value if value.tzinfo else value.replace(tzinfo=utcnow().tzinfo)


class Accounts:
    """User, session and token storage in one workspace database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._ph = _hasher()
        # Verified against when a user does not exist, so timing does not tell.
        self._dummy = self._ph.hash(secrets.token_hex(8))  # type: ignore[attr-defined]

    def add_user(self, name: str, role: str, password: str) -> int:
        """Create a user (or reset an existing one's role and password); returns its id."""
        name = name.strip()
        if not name or len(name) > 200 or any(c.isspace() for c in name):
            raise InputError("a user name must be 1-200 characters without spaces")
        if role not in ROLES:
            raise InputError(f"unknown role {role!r}", hint="use admin, analyst or viewer")
        if len(password) < 8:
            raise InputError("the password must be at least 8 characters")
        hashed = self._ph.hash(password)  # type: ignore[attr-defined]
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(users.c.id).where(users.c.name == name)).first()
            if row is not None:
                conn.execute(users.update().where(users.c.id == row.id).values(
                    role=role, password_hash=hashed))
                return int(row.id)
            res = conn.execute(users.insert().values(name=name, role=role,
                                                     password_hash=hashed,
                                                     created_at=utcnow()))
            pk = res.inserted_primary_key
            assert pk is not None
            return int(pk[0])

    def user(self, name: str) -> User | None:
        """A user by name, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(users).where(users.c.name == name)).first()
        return User(row.id, row.name, row.role) if row else None

    def list_users(self) -> list[User]:
        """Every user, by name."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(users).order_by(users.c.name)).all()
        return [User(r.id, r.name, r.role) for r in rows]

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when the password matches, else None (same work either way)."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(users).where(users.c.name == name[:200])).first()
        stored = row.password_hash if row else self._dummy
        try:
            ok = bool(self._ph.verify(stored, password[:1000]))  # type: ignore[attr-defined]
        except Exception:  # argon2 raises VerifyMismatchError / InvalidHash
            ok = False
        if not ok or row is None:
            return None
        return User(row.id, row.name, row.role)

    # -- sessions ---------------------------------------------------------------------
    def start_session(self, user: User) -> tuple[str, str]:
        """A new session; returns (cookie secret, CSRF token)."""
        secret, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = utcnow()
        with self.engine.begin() as conn:
            conn.execute(sessions.insert().values(
                id_hash=_digest(secret), user_id=user.id, csrf=csrf, created_at=now,
                expires_at=now + timedelta(hours=SESSION_HOURS)))
            # Housekeeping: forget expired sessions of this user.
            conn.execute(sessions.delete().where(sessions.c.user_id == user.id,
                                                 sessions.c.expires_at < now))
        return secret, csrf

    def session(self, secret: str) -> Session | None:
        """The live session for a cookie secret, or None when unknown or expired."""
        if not secret or len(secret) > 200:
            return None
        q = (sa.select(sessions.c.csrf, sessions.c.expires_at, users.c.id, users.c.name,
                       users.c.role)
             .join(users, users.c.id == sessions.c.user_id)
             .where(sessions.c.id_hash == _digest(secret)))
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        if row is None or _aware(row.expires_at) < utcnow():
            return None
        return Session(User(row.id, row.name, row.role), row.csrf)

    def end_session(self, secret: str) -> None:
        """Log out: forget the session."""
        with self.engine.begin() as conn:
            conn.execute(sessions.delete().where(sessions.c.id_hash == _digest(secret)))

    # -- API tokens -------------------------------------------------------------------
    def create_token(self, name: str) -> str:
        """A new API token for user ``name``; the plain token is returned only here."""
        user = self.user(name)
        if user is None:
            raise AccessError(f"no user {name!r}",
                              hint="create one with 'wildtrace user add NAME --role ...'")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(api_tokens.insert().values(
                user_id=user.id, token_hash=_digest(token), prefix=token[:10],
                created_at=utcnow()))
        return token

    def token_user(self, token: str) -> User | None:
        """The user an API token belongs to, or None."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        q = (sa.select(users).join(api_tokens, api_tokens.c.user_id == users.c.id)
             .where(api_tokens.c.token_hash == _digest(token)))
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        return User(row.id, row.name, row.role) if row else None
