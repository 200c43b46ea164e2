"""Web accounts: users and roles, argon2 passwords, sessions and API tokens.

A session cookie and an API token are random secrets given to the client once; the
database keeps only their SHA-256, so a stolen database copy logs nobody in. Passwords
are hashed with argon2id. Roles are ordered: viewer < analyst < admin. The CLI's
``user add`` and ``token create`` are :func:`register_user` and :func:`issue_token`.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from wildtrace.errors import AccessError, InputError
from wildtrace.extras import require
from wildtrace.store import Store, utcnow
from wildtrace.store.accounts import StoredUser
from wildtrace.workspace import Workspace

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


def _public(row: StoredUser) -> User:
    return User(row.id, row.name, row.role)


class Accounts:
    """Users, sessions and tokens of one workspace, with the secrets kept as digests."""

    def __init__(self, store: Store) -> None:
        self.rows = store.accounts
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
        return self.rows.save_user(name, role, hashed)

    def user(self, name: str) -> User | None:
        """A user by name, or None."""
        row = self.rows.user(name)
        return _public(row) if row else None

    def list_users(self) -> list[User]:
        """Every user, by name."""
        return [_public(r) for r in self.rows.users()]

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when the password matches, else None (same work either way)."""
        row = self.rows.user(name[:200])
        stored = row.password_hash if row else self._dummy
        try:
            ok = bool(self._ph.verify(stored, password[:1000]))  # type: ignore[attr-defined]
        except Exception:  # argon2 raises VerifyMismatchError / InvalidHash
            ok = False
        if not ok or row is None:
            return None
        return _public(row)

    # -- sessions ---------------------------------------------------------------------
    def start_session(self, user: User) -> tuple[str, str]:
        """A new session; returns (cookie secret, CSRF token)."""
        secret, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self.rows.add_session(_digest(secret), user.id, csrf,
                              utcnow() + timedelta(hours=SESSION_HOURS))
        return secret, csrf

    def session(self, secret: str) -> Session | None:
        """The live session for a cookie secret, or None when unknown or expired."""
        if not secret or len(secret) > 200:
            return None
        row = self.rows.session(_digest(secret))
        if row is None or _aware(row.expires_at) < utcnow():
            return None
        return Session(_public(row.user), row.csrf)

    def end_session(self, secret: str) -> None:
        """Log out: forget the session."""
        self.rows.delete_session(_digest(secret))

    # -- API tokens -------------------------------------------------------------------
    def create_token(self, name: str) -> str:
        """A new API token for user ``name``; the plain token is returned only here."""
        user = self.user(name)
        if user is None:
            raise AccessError(f"no user {name!r}",
                              hint="create one with 'wildtrace user add NAME --role ...'")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.rows.add_token(user.id, _digest(token), token[:10])
        return token

    def token_user(self, token: str) -> User | None:
        """The user an API token belongs to, or None."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        row = self.rows.token_user(_digest(token))
        return _public(row) if row else None


def register_user(ws: Workspace, name: str, role: str, password: str) -> int:
    """Create a user or reset their role and password from the command line (audited)."""
    user_id = Accounts(ws.store).add_user(name, role, password)
    ws.store.audit.record("cli", "user_add", "user", name, {"role": role})
    return user_id


def issue_token(ws: Workspace, name: str) -> str:
    """A new API token for user ``name`` from the command line (audited)."""
    token = Accounts(ws.store).create_token(name)
    ws.store.audit.record("cli", "token_create", "user", name)
    return token
