"""The sandbox as an ASGI application (serve it with uvicorn, or call it through
``httpx.ASGITransport``)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Route

from lib.sandbox.config import SandboxConfig
from lib.sandbox.routing import ALL_METHODS, Dispatcher
from lib.sandbox.state import SandboxState


def create_app(config: SandboxConfig, *, state: SandboxState | None = None) -> Starlette:
    """A Starlette app serving the Calendar V1 API for a workspace seeded from ``config``.

    ``app.state.sandbox`` is the ``SandboxState`` (pass ``state`` to share one you built)."""
    sandbox = state if state is not None else SandboxState(config)
    dispatcher = Dispatcher(sandbox)
    # One catch-all route: the dispatcher owns matching so that trailing slashes, 404 and 405
    # answer in Recall's (DRF's) JSON shape rather than Starlette's plain text.
    app = Starlette(routes=[Route("/{path:path}", endpoint=dispatcher.handle, methods=ALL_METHODS)])
    app.state.sandbox = sandbox
    return app
