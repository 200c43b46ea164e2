"""The FastAPI application: ``create_app(workspace)`` wires state, security and routes.

Server-rendered pages and a JSON API both call the application layer
(:mod:`wildtrace.app`). Every response carries strict security headers: a CSP without
inline scripts (our only script is ``/static/app.js``), no framing except of the
sandboxed replay path, nosniff and a strict referrer policy. Errors have one JSON shape::

    {"error": {"status": 404, "code": "not_found", "message": "...", "hint": "..."}}
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wildtrace import __version__
from wildtrace.app.accounts import Accounts
from wildtrace.app.shared_state import limit_backend
from wildtrace.app.tips import SCREENSHOT_READ, PageFetcher, TipDesk
from wildtrace.errors import (
    AccessError,
    EvidenceError,
    FetchError,
    InputError,
    MissingExtraError,
    WildtraceError,
    WorkspaceError,
)
from wildtrace.web import SERVE_OPTIONS
from wildtrace.web.deps import TEMPLATES_DIR, ApiError, LoginRequired, WebState
from wildtrace.web.middleware import BodyLimit, BodyLimits, ClientAddress, parse_networks
from wildtrace.workspace import Workspace, open_workspace

STATIC_DIR = Path(__file__).parent / "static"
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'")
BASE_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


class SecurityHeaders:
    """ASGI middleware adding security headers a route has not set itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                have = {k.decode("latin-1").lower() for k, _ in headers}
                extra = dict(BASE_HEADERS)
                extra["content-security-policy"] = PAGE_CSP
                extra["x-frame-options"] = "DENY"
                if not scope["path"].startswith("/static/"):
                    extra["cache-control"] = "no-store"
                for k, v in extra.items():
                    if k not in have:
                        headers.append((k.encode(), v.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, wrapped)


def error_body(status: int, code: str, message: str, hint: str = "") -> dict[str, Any]:
    """The one JSON error shape."""
    return {"error": {"status": status, "code": code, "message": message, "hint": hint}}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path in (
        "/healthz", "/openapi.json") or "application/json" in request.headers.get("accept", "")


def _error_response(request: Request, status: int, code: str, message: str,
                    hint: str = "") -> Response:
    if _wants_json(request):
        return JSONResponse(error_body(status, code, message, hint), status_code=status)
    templates: Jinja2Templates = request.app.state.web.templates
    return templates.TemplateResponse(request, "error.html", {
        "request": request, "user": None, "csrf": "", "status": status,
        "message": message, "hint": hint}, status_code=status)


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        return _error_response(request, exc.status, exc.code, exc.message, exc.hint)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse("/login?next=" + quote(exc.next_path, safe="/"),
                                status_code=303)

    @app.exception_handler(WildtraceError)
    async def wildtrace_error(request: Request, exc: WildtraceError) -> Response:
        status, code = 400, "bad_request"
        if isinstance(exc, AccessError):
            status, code = 403, "forbidden"
        elif isinstance(exc, MissingExtraError):
            status, code = 501, "missing_extra"
        elif isinstance(exc, EvidenceError):
            status, code = 404, "evidence_missing"
        elif isinstance(exc, FetchError):
            status, code = 422, "fetch_refused"
        elif isinstance(exc, InputError):
            status, code = 400, "invalid_input"
        elif isinstance(exc, WorkspaceError):
            # The database or Redis is down: the request was fine, the server is not.
            status, code = 503, "unavailable"
        return _error_response(request, status, code, exc.message, exc.hint or "")

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return _error_response(request, 422, "validation",
                               f"{where}: {first.get('msg', 'invalid request')}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized",
                 413: "too_large"}
        return _error_response(request, exc.status_code, codes.get(exc.status_code, "error"),
                               str(exc.detail))


def create_app(workspace: Workspace, *, fetcher: PageFetcher | None = None,
               capture_tips: bool = True, secure_cookies: str = "auto",
               shared_limits: bool = False) -> FastAPI:
    """The web application for one open workspace.

    ``fetcher`` is how tip URLs are captured (tests pass one with a fake resolver);
    ``capture_tips=False`` stores tips without fetching their pages; ``shared_limits``
    counts rate limits in the database even on SQLite (several worker processes).
    """
    app = FastAPI(title="wildtrace", version=__version__,
                  description="Review, evidence, cases and citizen tips for wildlife-trade "
                              "monitoring. Authenticate with a session or "
                              "'Authorization: Bearer TOKEN'.",
                  docs_url=None, redoc_url=None)
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    templates.env.globals["version"] = __version__
    settings = workspace.settings
    app.state.web = WebState(
        ws=workspace, accounts=Accounts(workspace.store), tips=TipDesk(workspace, fetcher),
        templates=templates, capture_tips=capture_tips, secure_cookies=secure_cookies,
        limits=limit_backend(workspace.store, settings.redis_url, shared_limits))
    public = settings.max_public_request_bytes
    # Innermost first: the size cap, then the client address, then the headers that
    # every answer (a 413 included) gets.
    app.add_middleware(BodyLimit, limits=BodyLimits(
        default=settings.max_request_bytes, public=public, upload=public + SCREENSHOT_READ))
    app.add_middleware(ClientAddress, trusted=parse_networks(settings.trusted_proxies))
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    _install_handlers(app)
    from wildtrace.web import (
        routes_admin,
        routes_auth,
        routes_browse,
        routes_cases,
        routes_dashboard,
        routes_exports,
        routes_intel,
        routes_listings,
        routes_photos,
        routes_queue,
        routes_reach,
        routes_tips,
    )

    for module in (routes_auth, routes_queue, routes_browse, routes_listings, routes_dashboard,
                   routes_cases, routes_tips, routes_admin, routes_exports, routes_photos,
                   routes_intel, routes_reach):
        app.include_router(module.router)
    return app


def app_from_environment() -> FastAPI:
    """The app of one worker process of ``wildtrace serve --workers N`` (uvicorn imports
    this factory in each): the workspace and options of ``$WILDTRACE_SERVE_OPTIONS``,
    with rate limits counted where all the workers see them."""
    try:
        options = json.loads(os.environ[SERVE_OPTIONS])
    except (KeyError, ValueError) as exc:
        raise WorkspaceError(f"${SERVE_OPTIONS} is missing or not JSON",
                             hint="start the workers with 'wildtrace serve --workers N'"
                             ) from exc
    ws = open_workspace(Path(options["workspace"]))
    return create_app(ws, capture_tips=bool(options["capture_tips"]),
                      secure_cookies=str(options["secure_cookies"]), shared_limits=True)
