"""Log in and out, who am I, and the health check."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from wildtrace.app.accounts import User
from wildtrace.web.deps import (
    PRELOGIN_COOKIE,
    SESSION_COOKIE,
    api_user,
    check_form_csrf,
    check_prelogin_csrf,
    client_key,
    cookie_secure,
    identify,
    prelogin_token,
    render,
    state,
)
from wildtrace.web.schemas import ERRORS, Health, Me

router = APIRouter()


def safe_next(target: str) -> str:
    """Only local paths may follow a login (no open redirect to other sites)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/queue"
    return target


@router.get("/healthz", response_model=Health, tags=["meta"])
def healthz() -> Health:
    """Liveness check; needs no login."""
    return Health(ok=True)


@router.get("/login", include_in_schema=False)
def login_form(request: Request, next: str = "/queue") -> Response:
    """The login form."""
    return render(request, "login.html", {"next": safe_next(next), "failed": False},
                  prelogin=prelogin_token(request))


@router.post("/login", include_in_schema=False)
def login(request: Request, username: Annotated[str, Form(max_length=200)],
          password: Annotated[str, Form(max_length=1000)],
          csrf_token: Annotated[str, Form(max_length=200)],
          next: Annotated[str, Form(max_length=2000)] = "/queue") -> Response:
    """Check the password and start a session (refused for a while after too many
    failures from one address, or for one account from any address)."""
    check_prelogin_csrf(request, csrf_token)
    st = state(request)
    if not st.login_limiter.allow(client_key(request)):
        return render(request, "login.html", {"next": safe_next(next), "failed": True,
                                              "message": "Too many attempts; wait a while."},
                      status=429, prelogin=prelogin_token(request))
    name = username[:200]
    if st.lockout.locked(name):
        # Said alike of real and unknown names (both get locked), and no password is
        # checked, so neither the answer nor its time tells whether the account exists.
        st.audit.record(name, "login_locked")
        return render(request, "login.html", {
            "next": safe_next(next), "failed": True,
            "message": "Too many failed logins for this account; try again in "
                       f"{int(st.lockout.lock // 60)} minutes."},
            status=429, prelogin=prelogin_token(request))
    user = st.accounts.authenticate(username, password)
    if user is None:
        st.audit.record(name, "login_failed")
        if st.lockout.failed(name):
            st.audit.record(name, "lockout", detail={"seconds": st.lockout.lock})
        return render(request, "login.html", {"next": safe_next(next), "failed": True,
                                              "message": "Wrong user name or password."},
                      status=401, prelogin=prelogin_token(request))
    st.lockout.succeeded(name)
    secret, _ = st.accounts.start_session(user)
    st.audit.record(user.name, "login")
    resp = RedirectResponse(safe_next(next), status_code=303)
    resp.set_cookie(SESSION_COOKIE, secret, httponly=True, samesite="strict",
                    secure=cookie_secure(request), path="/", max_age=12 * 3600)
    resp.delete_cookie(PRELOGIN_COOKIE, path="/")
    return resp


@router.post("/logout", include_in_schema=False)
def logout(request: Request, csrf_token: Annotated[str, Form(max_length=200)]) -> Response:
    """End the session."""
    check_form_csrf(request, csrf_token)
    user, _ = identify(request)
    state(request).accounts.end_session(request.cookies.get(SESSION_COOKIE, ""))
    if user:
        state(request).audit.record(user.name, "logout")
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


@router.get("/api/me", response_model=Me, responses=ERRORS, tags=["meta"])
def me(user: Annotated[User, Depends(api_user())]) -> Me:
    """The caller's name and role."""
    return Me(name=user.name, role=user.role)
