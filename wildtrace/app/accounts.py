"""Web accounts: users and roles, argon2 passwords, sessions and API tokens.

A session cookie and an API token are random secrets given to the client once; the
database keeps only their SHA-256, so a stolen database copy logs nobody in. Passwords
are hashed with argon2id. Roles are ordered: viewer < analyst < admin. The CLI's
``user add``/``disable``/``enable``/``remove`` and ``token create``/``list``/``revoke``
are the functions at the end of this module, each audited under the operator's name.

A token may expire; a token can be revoked; a disabled or removed user, or one given a
new password, loses every session and token at once (the store ends them in the same
transaction, and every lookup checks again).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from wildtrace.app.audit import cli_user
from wildtrace.errors import AccessError, InputError
from wildtrace.extras import require
from wildtrace.store import Store, utcnow
from wildtrace.store.accounts import StoredToken, StoredUser
from wildtrace.workspace import Workspace

ROLES = ("viewer", "analyst", "admin")
SESSION_HOURS = 12
TOKEN_PREFIX = "wt_"
MAX_TOKEN_DAYS = 3650


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
class TokenInfo:
    """An API token as listed: never the token itself, only its first characters."""

    id: int
    user: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    status: str  # active, expired, revoked


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


def _info(row: StoredToken, now: datetime) -> TokenInfo:
    expires = _aware(row.expires_at) if row.expires_at else None
    revoked = _aware(row.revoked_at) if row.revoked_at else None
    status = "revoked" if revoked else "expired" if expires and expires <= now else "active"
    return TokenInfo(row.id, row.user, row.prefix, _aware(row.created_at), expires, revoked,
                     status)


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
        if not ok or row is None or row.disabled:
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
    def create_token(self, name: str, expires_days: int | None = None) -> str:
        """A new API token for user ``name``, valid ``expires_days`` days (None: until
        revoked); the plain token is returned only here."""
        row = self.rows.user(name)
        if row is None:
            raise AccessError(f"no user {name!r}",
                              hint="create one with 'wildtrace user add NAME --role ...'")
        if row.disabled:
            raise AccessError(f"user {name!r} is disabled",
                              hint=f"enable them with 'wildtrace user enable {name}'")
        expires = None
        if expires_days is not None:
            if not 1 <= expires_days <= MAX_TOKEN_DAYS:
                raise InputError(f"--expires-days must be 1-{MAX_TOKEN_DAYS}, "
                                 f"got {expires_days}")
            expires = utcnow() + timedelta(days=expires_days)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.rows.add_token(row.id, _digest(token), token[:10], expires)
        return token

    def token_user(self, token: str) -> User | None:
        """The user an API token belongs to, or None (unknown, revoked or expired
        token, or a disabled user)."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        row = self.rows.token_user(_digest(token), utcnow())
        return _public(row) if row else None

    def tokens(self, name: str | None = None) -> list[TokenInfo]:
        """API tokens, of user ``name`` when given (AccessError if there is none)."""
        if name is not None and self.rows.user(name) is None:
            raise AccessError(f"no user {name!r}", hint="see 'wildtrace token list'")
        now = utcnow()
        return [_info(t, now) for t in self.rows.tokens(name)]

    def revoke_token(self, token_id: int) -> TokenInfo:
        """Revoke token ``token_id`` (an id of ``token list``); InputError if unknown."""
        row = self.rows.revoke_token(token_id)
        if row is None:
            raise InputError(f"no API token with id {token_id}",
                             hint="see 'wildtrace token list' for the ids")
        return _info(row, utcnow())

    # -- users ------------------------------------------------------------------------
    def set_disabled(self, name: str, disabled: bool) -> None:
        """Disable a user (their sessions and tokens end now) or enable them again."""
        if not self.rows.set_disabled(name, disabled):
            raise InputError(f"no user {name!r}", hint="see 'wildtrace user list'")

    def remove(self, name: str) -> None:
        """Delete a user with their sessions and tokens (the audit log keeps their
        entries); InputError if there is no such user."""
        if not self.rows.remove_user(name):
            raise InputError(f"no user {name!r}", hint="see 'wildtrace user list'")


def register_user(ws: Workspace, name: str, role: str, password: str) -> int:
    """Create a user or reset their role and password from the command line (audited);
    a reset ends the user's sessions and tokens."""
    user_id = Accounts(ws.store).add_user(name, role, password)
    ws.store.audit.record(cli_user(ws), "user_add", "user", name, {"role": role})
    return user_id


def issue_token(ws: Workspace, name: str, expires_days: int | None = None) -> str:
    """A new API token for user ``name`` from the command line (audited)."""
    token = Accounts(ws.store).create_token(name, expires_days)
    ws.store.audit.record(cli_user(ws), "token_create", "user", name,
                          {"expires_days": expires_days})
    return token


def list_tokens(ws: Workspace, name: str | None = None) -> list[TokenInfo]:
    """API tokens (of one user when named), oldest first."""
    return Accounts(ws.store).tokens(name)


def revoke_token(ws: Workspace, token_id: int) -> TokenInfo:
    """Revoke an API token from the command line (audited); it answers 401 at once."""
    info = Accounts(ws.store).revoke_token(token_id)
    ws.store.audit.record(cli_user(ws), "token_revoke", "token", token_id,
                          {"user": info.user})
    return info


def disable_user(ws: Workspace, name: str, disabled: bool = True) -> None:
    """Disable (or enable again) a user from the command line (audited)."""
    Accounts(ws.store).set_disabled(name, disabled)
    ws.store.audit.record(cli_user(ws), "user_disable" if disabled else "user_enable",
                          "user", name)


def remove_user(ws: Workspace, name: str) -> None:
    """Remove a user from the command line (audited; their audit entries stay)."""
    Accounts(ws.store).remove(name)
    ws.store.audit.record(cli_user(ws), "user_remove", "user", name)


def list_users(ws: Workspace) -> list[tuple[User, bool]]:
    """Every user, by name, and whether they are disabled."""
    return [(_public(r), r.disabled) for r in ws.store.accounts.users()]
