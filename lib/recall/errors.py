"""Errors raised by the Recall Calendar V1 client.

Every message is written for staff: it says what happened and what to do next, and it is safe to
show on a page. No message, ``repr`` or exception chain carries the workspace API key, a calendar
auth token or a raw response body (Recall's 403 page is HTML, and bodies could echo inputs).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class RecallError(Exception):
    """Base class: a request to Recall did not give the expected result."""

    default_message = (
        "The request to Recall failed. Try again; if it keeps failing, check the status page."
    )

    def __init__(
        self,
        message: str | None = None,
        *,
        status_code: int | None = None,
        endpoint: str | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.status_code = status_code
        self.endpoint = endpoint
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        parts = [repr(self.message)]
        if self.status_code is not None:
            parts.append(f"status_code={self.status_code}")
        if self.endpoint is not None:
            parts.append(f"endpoint={self.endpoint!r}")
        return f"{type(self).__name__}({', '.join(parts)})"


class BadApiKeyError(RecallError):
    """Recall rejected the workspace API key (401 on an API-key endpoint)."""

    default_message = (
        "Recall rejected the workspace API key (HTTP 401). Check that the configured key is "
        "current and belongs to the selected region."
    )


class CalendarTokenError(RecallError):
    """A calendar auth token was refused even after minting a fresh one."""

    default_message = (
        "Recall refused the calendar auth token for this user, even after issuing a new one "
        "(HTTP 401). Reload the page; if it persists, check the workspace's API key and region."
    )


class NotFoundError(RecallError):
    """The user or meeting does not exist (404)."""

    default_message = (
        "Recall has no such calendar user or meeting (HTTP 404). It may have been deleted; "
        "reload the user list."
    )


class ForbiddenError(RecallError):
    """Recall's firewall or permissions refused the request (403); on a calendar-token call,
    after one retry with a fresh token."""

    default_message = (
        "Recall refused the request (HTTP 403, usually its web firewall). The request was not "
        "applied; if it keeps happening, report it to the console's maintainers."
    )


class RateLimitedError(RecallError):
    """Recall's rate limit was still in force when the call's deadline ran out."""

    default_message = "Recall's rate limit was reached."

    def __init__(
        self,
        message: str | None = None,
        *,
        retry_after: float | None = None,
        status_code: int | None = 429,
        endpoint: str | None = None,
    ) -> None:
        self.retry_after = retry_after
        if message is None:
            wait = f" in about {_seconds(retry_after)}" if retry_after is not None else " shortly"
            message = f"Recall's rate limit was reached (HTTP 429). Try again{wait}."
        super().__init__(message, status_code=status_code, endpoint=endpoint)

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]}, retry_after={self.retry_after!r})"


class UnavailableError(RecallError):
    """Recall could not be reached or kept failing (5xx, timeouts, dropped connections).

    ``cause`` is the class name of the last failure (``"ReadTimeout"``, ``"HTTP 503"``), never its
    text, which for transport errors can include request details.
    """

    default_message = "Recall is unavailable right now."

    def __init__(
        self,
        message: str | None = None,
        *,
        cause: str | None = None,
        status_code: int | None = None,
        endpoint: str | None = None,
    ) -> None:
        self.cause = cause
        if message is None:
            detail = f" (last error: {cause})" if cause else ""
            message = (
                f"Recall did not answer in time or kept failing{detail}. Try again in a minute; "
                "if it persists, check the status page."
            )
        super().__init__(message, status_code=status_code, endpoint=endpoint)

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]}, cause={self.cause!r})"


class ValidationError(RecallError):
    """The request was invalid (400, or refused before sending).

    ``field_errors`` maps dotted field paths (``"preferences.bot_name"``) to messages.
    """

    default_message = "Recall rejected the request as invalid (HTTP 400)."

    def __init__(
        self,
        message: str | None = None,
        *,
        field_errors: Mapping[str, list[str]] | None = None,
        status_code: int | None = 400,
        endpoint: str | None = None,
    ) -> None:
        self.field_errors: dict[str, list[str]] = dict(field_errors or {})
        if message is None:
            if self.field_errors:
                details = "; ".join(
                    f"{path}: {' '.join(msgs)}" for path, msgs in sorted(self.field_errors.items())
                )
                message = (
                    f"Recall rejected the request as invalid: {details}. Correct it and retry."
                )
            else:
                message = "Recall rejected the request as invalid (HTTP 400). Check the values."
        super().__init__(message, status_code=status_code, endpoint=endpoint)

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]}, field_errors={self.field_errors!r})"


class CalendarDisconnectedError(RecallError):
    """The user has no connected calendar (422 from Recall)."""

    default_message = (
        "This user's calendar is not connected, so Recall cannot sync it (HTTP 422). Ask the user "
        "to reconnect their Google or Microsoft calendar."
    )


class UnexpectedResponseError(RecallError):
    """Recall answered with a status or body the client does not understand."""

    default_message = (
        "Recall sent a response the console does not understand. Try again; if it persists, "
        "report it to the console's maintainers."
    )


def flatten_field_errors(body: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn a DRF-style error body into ``{"dotted.path": [messages]}``.

    Nested objects become dotted paths and list indexes become path segments; a bare string or
    a list of strings at the top level is filed under ``"non_field_errors"``.
    """
    out: dict[str, list[str]] = {}

    def add(path: str, message: str) -> None:
        out.setdefault(path or "non_field_errors", []).append(message)

    def walk(node: Any, path: str) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list):
            if all(isinstance(item, str) for item in node):
                for item in node:
                    add(path, item)
            else:
                for index, item in enumerate(node):
                    walk(item, f"{path}.{index}" if path else str(index))
        elif node is not None:
            add(path, str(node))

    walk(body, prefix)
    return out


def _seconds(value: float | None) -> str:
    if value is None:
        return "a moment"
    whole = max(1, round(value))
    return f"{whole} second" if whole == 1 else f"{whole} seconds"
