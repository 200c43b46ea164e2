"""Request plumbing shared by the routes: app state, who is asking, CSRF, rendering.

Credentials come from ``Authorization: Bearer TOKEN`` (scripts) or the session cookie
(browsers). Pages without a user redirect to ``/login``; API calls answer 401. A state
changing request made with the session cookie must carry the session's CSRF token (a
form field, or the ``X-CSRF-Token`` header for JSON); bearer tokens are not sent by
browsers on their own, so they need none.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from wildtrace.app.accounts import Accounts, Session, User
from wildtrace.app.shared_state import LimitBackend, MemoryLimits
from wildtrace.app.tips import TipDesk
from wildtrace.store.audit import AuditStore
from wildtrace.web.ratelimit import AccountLockout, RateLimiter
from wildtrace.workspace import Workspace

SESSION_COOKIE = "wt_session"
PRELOGIN_COOKIE = "wt_csrf"
TEMPLATES_DIR = Path(__file__).parent / "templates"


class ApiError(Exception):
    """An error answered as the one JSON error shape (or a page for HTML routes)."""

    def __init__(self, status: int, code: str, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.hint = status, code, message, hint


class LoginRequired(Exception):
    """An HTML page was asked for without a session: redirect to the login form."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


@dataclass
class WebState:
    """Everything the routes share, built once by ``create_app``."""

    ws: Workspace
    accounts: Accounts
    tips: TipDesk
    templates: Jinja2Templates
    capture_tips: bool = True
    secure_cookies: str = "auto"  # auto: Secure when the request came over https
    # Where the limits below count: shared by every server of the workspace (Redis, or
    # its PostgreSQL database), else this process's memory (see app/shared_state.py).
    limits: LimitBackend = field(default_factory=MemoryLimits)
    tip_limiter: RateLimiter = field(init=False)
    login_limiter: RateLimiter = field(init=False)
    # Per account, whatever the address: 10 failures in 15 minutes lock it 15 minutes.
    lockout: AccountLockout = field(init=False)

    def __post_init__(self) -> None:
        self.tip_limiter = RateLimiter(10, 3600, self.limits, scope="tip")
        self.login_limiter = RateLimiter(20, 300, self.limits, scope="login")
        self.lockout = AccountLockout(backend=self.limits)

    @property
    def audit(self) -> AuditStore:
        """The workspace's audit log."""
        return self.ws.store.audit


def state(request: Request) -> WebState:
    """The app's shared state."""
    st: WebState = request.app.state.web
    return st


def client_key(request: Request) -> str:
    """The client's address, for rate limiting: the connecting peer, or what a proxy of
    ``trusted_proxies`` forwarded (:class:`wildtrace.web.middleware.ClientAddress`);
    an ``X-Forwarded-For`` from anyone else is never read."""
    return request.client.host if request.client else "unknown"


def cookie_secure(request: Request) -> bool:
    """Whether cookies get the Secure flag for this request."""
    mode = state(request).secure_cookies
    if mode == "on":
        return True
    if mode == "off":
        return False
    return request.url.scheme == "https"


def _bearer(request: Request) -> str:
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def identify(request: Request) -> tuple[User | None, Session | None]:
    """Who sends this request: (user, session), from a bearer token or the cookie."""
    cached = getattr(request.state, "who", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    st = state(request)
    user: User | None = None
    sess: Session | None = None
    token = _bearer(request)
    if token:
        user = st.accounts.token_user(token)
    else:
        sess = st.accounts.session(request.cookies.get(SESSION_COOKIE, ""))
        user = sess.user if sess else None
    request.state.who = (user, sess)
    return user, sess


def api_user(role: str = "viewer") -> Callable[[Request], User]:
    """Dependency: the API caller, at least ``role``; 401/403 otherwise.

    For unsafe methods with a session cookie, the X-CSRF-Token header must match.
    """

    def dep(request: Request) -> User:
        user, sess = identify(request)
        if user is None:
            raise ApiError(401, "unauthorized", "log in or send 'Authorization: Bearer TOKEN'",
                           "create a token with 'wildtrace token create NAME'")
        if sess is not None and request.method not in ("GET", "HEAD", "OPTIONS"):
            sent = request.headers.get("x-csrf-token", "")
            if not hmac.compare_digest(sent.encode(), sess.csrf.encode()):
                raise ApiError(403, "csrf", "missing or wrong X-CSRF-Token header")
        if not user.can(role):
            raise ApiError(403, "forbidden", f"this needs the {role} role")
        return user

    return dep


def page_user(role: str = "viewer") -> Callable[[Request], User]:
    """Dependency: the signed-in user of an HTML page; redirects to /login if none."""

    def dep(request: Request) -> User:
        user, _ = identify(request)
        if user is None:
            path = request.url.path
            if request.url.query:
                path += "?" + request.url.query
            raise LoginRequired(path)
        if not user.can(role):
            raise ApiError(403, "forbidden", f"this page needs the {role} role")
        return user

    return dep


def check_form_csrf(request: Request, sent: str) -> None:
    """A form POST must carry the session's CSRF token."""
    _, sess = identify(request)
    expected = sess.csrf if sess else ""
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise ApiError(403, "csrf", "the form expired or came from another site; reload it")


def prelogin_token(request: Request) -> str:
    """The double-submit CSRF token of forms shown before login (login, tips)."""
    return request.cookies.get(PRELOGIN_COOKIE, "") or secrets.token_urlsafe(24)


def check_prelogin_csrf(request: Request, sent: str) -> None:
    """The form field must equal the pre-login cookie (double-submit check)."""
    cookie = request.cookies.get(PRELOGIN_COOKIE, "")
    if not cookie or not hmac.compare_digest(sent.encode(), cookie.encode()):
        raise ApiError(403, "csrf", "the form expired; reload the page and try again")


def render(request: Request, template: str, context: dict[str, Any],
           status: int = 200, prelogin: str = "") -> HTMLResponse:
    """Render a page with the user, CSRF token and nav in its context."""
    user, sess = identify(request)
    ctx = {"request": request, "user": user, "csrf": sess.csrf if sess else prelogin,
           **context}
    resp = state(request).templates.TemplateResponse(request, template, ctx,
                                                     status_code=status)
    if prelogin:
        resp.set_cookie(PRELOGIN_COOKIE, prelogin, httponly=True, samesite="strict",
                        secure=cookie_secure(request), path="/")
    return resp
