"""The web app (``wildtrace serve``): review queue, listing and evidence views,
dashboards, cases, citizen tips and the REST API. Needs the ``[web]`` extra."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

    from wildtrace.workspace import Workspace


def create_app(workspace: Workspace, **kwargs: Any) -> FastAPI:
    """The FastAPI application for an open workspace (see :mod:`wildtrace.web.app`)."""
    from wildtrace.extras import require

    require("fastapi", "web", "the web app")
    require("argon2", "web", "the web app")
    from wildtrace.web.app import create_app as _create

    return _create(workspace, **kwargs)


# How 'serve --workers N' hands the workspace to its worker processes: uvicorn imports
# the factory in each, which reads the options from this environment variable.
SERVE_OPTIONS = "WILDTRACE_SERVE_OPTIONS"
WORKER_FACTORY = "wildtrace.web.app:app_from_environment"


def serve_options(workspace: Path, capture_tips: bool, secure_cookies: str) -> str:
    """What :func:`wildtrace.web.app.app_from_environment` reads in each worker, as JSON."""
    return json.dumps({"workspace": str(workspace), "capture_tips": capture_tips,
                       "secure_cookies": secure_cookies})


__all__ = ["SERVE_OPTIONS", "WORKER_FACTORY", "create_app", "serve_options"]
