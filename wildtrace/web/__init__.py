"""The web app (``wildtrace serve``): review queue, listing and evidence views,
dashboards, cases, citizen tips and the REST API. Needs the ``[web]`` extra."""

from __future__ import annotations

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


__all__ = ["create_app"]
