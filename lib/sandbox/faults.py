"""Injected faults: server errors, throttling and dropped connections.

The fault is chosen before the request is handled, so a faulted request has no effect, except
for the opt-in ``drop_after_apply`` kind, which applies the request and then drops the
connection (the case a client must survive when it retries a write).
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Sequence

from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from lib.sandbox.config import FAULT_KINDS

_SERVER_ERRORS = {
    "500": "A server error occurred.",
    "502": "Bad gateway.",
    "503": "Service temporarily unavailable, try again later.",
}
# What uvicorn logs when an app returns before finishing its response; for a deliberate drop
# that line is expected noise.
_INCOMPLETE_RESPONSE_LOG = "ASGI callable returned without completing response."


class FaultInjector:
    """Picks which requests fail, reproducibly for a given seed and request order."""

    def __init__(self, *, seed: int, rate: float, kinds: Sequence[str]) -> None:
        self._rng = random.Random(f"faults|{seed}")
        self._lock = threading.Lock()
        self.configure(rate=rate, kinds=kinds)

    def configure(self, *, rate: float, kinds: Sequence[str]) -> None:
        unknown = [kind for kind in kinds if kind not in FAULT_KINDS]
        if unknown:
            raise ValueError(f"unknown fault kinds: {', '.join(unknown)}")
        if not 0.0 <= rate <= 1.0:
            raise ValueError("fault rate must be between 0 and 1")
        if rate > 0 and not kinds:
            raise ValueError("a fault rate needs at least one fault kind")
        with self._lock:
            self.rate = rate
            self.kinds = tuple(kinds)

    def pick(self) -> str | None:
        """The fault for the next request, or None."""
        with self._lock:
            if self.rate <= 0 or not self.kinds:
                return None
            if self._rng.random() >= self.rate:
                return None
            return self._rng.choice(self.kinds)


def fault_response(kind: str) -> Response:
    """The response that stands for fault ``kind`` (see ``FAULT_KINDS``)."""
    if kind in _SERVER_ERRORS:
        return JSONResponse({"detail": _SERVER_ERRORS[kind]}, status_code=int(kind))
    if kind == "429":
        return JSONResponse(
            {"detail": "Request was throttled. Expected available in 1 second."},
            status_code=429,
            headers={"Retry-After": "1"},
        )
    if kind in ("drop", "drop_after_apply"):
        return DroppedResponse()
    raise ValueError(f"unknown fault kind {kind!r}")


class DroppedResponse(Response):
    """Sends headers that promise a body, a fragment of it, then gives up: the server closes
    the connection and the client sees a truncated response (a protocol error)."""

    def __init__(self) -> None:
        super().__init__(status_code=200)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", b"4096"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b'{"id": "', "more_body": True})


class _DropNoiseFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != _INCOMPLETE_RESPONSE_LOG


_filter_installed = False
_filter_lock = threading.Lock()


def quiet_deliberate_drops() -> None:
    """Keep uvicorn from logging an error for each injected drop (installed once per process)."""
    global _filter_installed
    with _filter_lock:
        if not _filter_installed:
            logging.getLogger("uvicorn.error").addFilter(_DropNoiseFilter())
            _filter_installed = True
