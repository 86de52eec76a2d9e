"""Run the sandbox on a loopback port in a background thread.

Each instance has its own uvicorn server, event loop and thread, so several can run in one
process (the console's embedded sandbox, test fixtures, benchmarks).
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import uvicorn

from lib.sandbox.app import create_app
from lib.sandbox.config import SandboxConfig
from lib.sandbox.faults import quiet_deliberate_drops
from lib.sandbox.state import SandboxState

_START_TIMEOUT_S = 15.0


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening-ready socket on ``host:port`` (port 0 picks a free one). Binding before the
    server starts is what lets the caller know the port without racing for it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must be IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on connections whose
    # socket says so, and without it every response pays a 40 ms delayed-ACK stall.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def uvicorn_config(app: object, *, log_level: str = "warning") -> uvicorn.Config:
    return uvicorn.Config(
        app,  # type: ignore[arg-type]
        log_config=None,
        log_level=log_level,
        access_log=False,
        lifespan="off",
        http="h11",
        ws="none",
        timeout_keep_alive=5,
        timeout_graceful_shutdown=2,
    )


def format_base_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


class RunningSandbox:
    """A sandbox serving on ``base_url`` until ``stop()`` (or the end of a ``with`` block)."""

    def __init__(
        self,
        *,
        config: SandboxConfig,
        state: SandboxState,
        server: uvicorn.Server,
        thread: threading.Thread,
        base_url: str,
    ) -> None:
        self.config = config
        self.state = state
        self.base_url = base_url
        self._server = server
        self._thread = thread

    @property
    def api_key(self) -> str:
        return self.config.api_key

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def __repr__(self) -> str:
        return f"RunningSandbox(base_url={self.base_url!r}, users={self.state.user_count})"

    def stop(self, timeout: float = 10.0) -> None:
        """Shut the server down and wait for its thread (idempotent)."""
        self._server.should_exit = True
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout)

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def start_in_thread(
    config: SandboxConfig, *, host: str = "127.0.0.1", port: int = 0
) -> RunningSandbox:
    """Seed a workspace from ``config`` and serve it on ``host:port`` (0 = a free port).

    Returns once the server accepts connections."""
    state = SandboxState(config)
    app = create_app(config, state=state)
    sock = bind_socket(host, port)
    bound_port = sock.getsockname()[1]
    quiet_deliberate_drops()
    server = uvicorn.Server(uvicorn_config(app))
    thread = threading.Thread(
        target=server.run,
        kwargs={"sockets": [sock]},
        name=f"recall-sandbox-{bound_port}",
        daemon=True,
    )
    thread.start()
    deadline = time.monotonic() + _START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(2.0)
            sock.close()
            raise RuntimeError(f"the sandbox did not start on {host}:{bound_port}")
        time.sleep(0.002)
    return RunningSandbox(
        config=config,
        state=state,
        server=server,
        thread=thread,
        base_url=format_base_url(host, bound_port),
    )
